// Package embeddeddb runs FerretDB in-process on SQLite, the MongoDB-compatible database of the
// embedded default (`make run`, tests). Production points the services at a real MongoDB instead.
package embeddeddb

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// DB is a running embedded database.
type DB struct {
	uri  string
	stop context.CancelFunc
	done chan struct{}
}

// Start runs FerretDB with its SQLite files under dir, listening on addr ("127.0.0.1:0" picks a
// free port). It returns once the listener is up; Stop (or cancelling ctx) shuts it down.
func Start(ctx context.Context, dir, addr string, logger *slog.Logger) (*DB, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("embedded database dir %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("create embedded database dir: %w", err)
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: addr},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
	})
	if err != nil {
		return nil, fmt.Errorf("start embedded database: %w", err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	db := &DB{stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(db.done)
		_ = f.Run(runCtx)
	}()
	// MongoDBURI blocks until the listener is bound.
	db.uri = f.MongoDBURI()
	return db, nil
}

// URI is the mongodb:// connection string of the running database.
func (db *DB) URI() string { return db.uri }

// Stop shuts the database down and waits for it.
func (db *DB) Stop() {
	db.stop()
	<-db.done
}
