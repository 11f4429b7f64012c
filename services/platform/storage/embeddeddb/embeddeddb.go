// Package embeddeddb runs FerretDB in-process on SQLite, the MongoDB-compatible database of the
// embedded default (`make run`, tests). Production points the services at a real MongoDB instead.
//
// It also gives every collection an index that FerretDB's own lookups by _id use (see
// idExpression), so a read or write by _id costs the same at 100 documents and at 100,000.
package embeddeddb

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// DB is a running embedded database.
type DB struct {
	uri     string
	dir     string
	indexer *idIndexer
	stop    context.CancelFunc
	done    chan struct{}
}

// IndexInterval is how often the database looks for new collections to give an _id index.
const IndexInterval = 200 * time.Millisecond

// Synchronous is SQLite's synchronous setting for the database files, which FerretDB keeps in
// WAL mode (write-ahead log): when a committed write reaches the disk.
type Synchronous string

const (
	// SyncNormal (the default) writes each commit to the write-ahead log without waiting for the
	// disk; the log is flushed to disk at each checkpoint. A write acknowledged to a client
	// survives a crash or kill -9 of the process (the operating system holds it and writes it
	// out), and the files stay consistent through a power loss or an operating-system crash, but
	// such a loss may undo the writes acknowledged since the last checkpoint.
	SyncNormal Synchronous = "normal"
	// SyncFull also waits for the disk at every commit: an acknowledged write survives a power
	// loss too, at the cost of one flush of the disk per write.
	SyncFull Synchronous = "full"
)

// Options tune the embedded database.
type Options struct {
	Synchronous Synchronous // "" is SyncNormal
}

// Start runs FerretDB with its SQLite files under dir, listening on addr ("127.0.0.1:0" picks a
// free port), with the default Options. It returns once the listener is up; Stop (or cancelling
// ctx) shuts it down.
func Start(ctx context.Context, dir, addr string, logger *slog.Logger) (*DB, error) {
	return StartWith(ctx, dir, addr, logger, Options{})
}

// StartWith is Start with o.
func StartWith(ctx context.Context, dir, addr string, logger *slog.Logger, o Options) (*DB, error) {
	syncMode := o.Synchronous
	switch syncMode {
	case "":
		syncMode = SyncNormal
	case SyncNormal, SyncFull:
	default:
		return nil, fmt.Errorf("embedded database: synchronous %q is neither %q nor %q", syncMode, SyncNormal, SyncFull)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("embedded database dir %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("create embedded database dir: %w", err)
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: addr},
		Logger:   logger,
		Handler:  "sqlite",
		// FerretDB adds its own defaults (WAL, a busy timeout) to these.
		SQLiteURL: "file:" + abs + "/?_pragma=synchronous(" + string(syncMode) + ")",
	})
	if err != nil {
		return nil, fmt.Errorf("start embedded database: %w", err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	db := &DB{dir: abs, indexer: newIDIndexer(abs), stop: cancel, done: make(chan struct{})}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		_ = f.Run(runCtx)
	}()
	go func() {
		defer wg.Done()
		db.indexer.run(runCtx, IndexInterval, func(err error) { logger.Warn("embedded database _id index", "error", err) })
	}()
	go func() {
		wg.Wait()
		db.indexer.close()
		close(db.done)
	}()
	// MongoDBURI blocks until the listener is bound.
	db.uri = f.MongoDBURI()
	if err := db.indexer.ensure(ctx); err != nil {
		db.Stop()
		return nil, fmt.Errorf("index embedded database: %w", err)
	}
	return db, nil
}

// EnsureIndexes gives every collection that exists now the _id index (Start and a background
// loop do it too; this makes it certain at a point in time, e.g. after services created theirs).
func (db *DB) EnsureIndexes(ctx context.Context) error { return db.indexer.ensure(ctx) }

// URI is the mongodb:// connection string of the running database.
func (db *DB) URI() string { return db.uri }

// Stop shuts the database down and waits for it.
func (db *DB) Stop() {
	db.stop()
	<-db.done
}
