// Package testenv gives tests the real parts they run on: a MongoDB-compatible database (the
// embedded FerretDB, or the MongoDB named by MONGODB_URI) with a fresh database per test, and
// gRPC connections to servers started on loopback.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/socialrx/socialrx/services/platform/storage/embeddeddb"
)

var (
	mu  sync.Mutex
	uri string
	db  *embeddeddb.DB
	dir string
)

// Main runs a package's tests and stops the embedded database afterwards. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	mu.Lock()
	if db != nil {
		db.Stop()
		_ = os.RemoveAll(dir)
	}
	mu.Unlock()
	os.Exit(code)
}

// MongoURI returns the connection string of the test database server, starting the embedded
// one on first use unless MONGODB_URI is set.
func MongoURI(tb testing.TB) string {
	tb.Helper()
	if u := os.Getenv("MONGODB_URI"); u != "" {
		return u
	}
	mu.Lock()
	defer mu.Unlock()
	if uri != "" {
		return uri
	}
	var err error
	dir, err = os.MkdirTemp("", "socialrx-test-db-")
	if err != nil {
		tb.Fatalf("temp dir for embedded database: %v", err)
	}
	db, err = embeddeddb.Start(context.Background(), dir, "127.0.0.1:0", Logger())
	if err != nil {
		tb.Fatalf("start embedded database: %v", err)
	}
	uri = db.URI()
	return uri
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9_]`)

// DatabaseName returns a database name unique to this test run.
func DatabaseName(tb testing.TB) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := unsafeChars.ReplaceAllString(strings.ToLower(tb.Name()), "_")
	if len(name) > 40 {
		name = name[:40]
	}
	return fmt.Sprintf("t_%s_%s", name, hex.EncodeToString(b))
}

// LoggerOr is logger, or Logger when it is nil.
func LoggerOr(logger *slog.Logger) *slog.Logger {
	if logger != nil {
		return logger
	}
	return Logger()
}

// Logger writes errors to standard error and discards the rest, so test output stays readable
// and a failing test shows what went wrong inside a service (go test shows a passing package's
// output only when asked with -v).
func Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}

// Dial connects to a gRPC server on addr, in plaintext unless opts give other transport
// credentials, and closes the connection when the test ends.
func Dial(tb testing.TB, addr string, opts ...grpc.DialOption) *grpc.ClientConn {
	tb.Helper()
	conn, err := grpc.NewClient(addr, append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, opts...)...)
	if err != nil {
		tb.Fatalf("dial %s: %v", addr, err)
	}
	tb.Cleanup(func() { _ = conn.Close() })
	return conn
}

// Serve runs run in the background until stop is called or the test ends; stop cancels through
// cancel, waits for run to return, and is safe to call more than once.
func Serve(tb testing.TB, cancel context.CancelFunc, run func() error) (stop func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = run()
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
	tb.Cleanup(stop)
	return stop
}
