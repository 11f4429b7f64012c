package embeddeddb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/socialrx/socialrx/services/platform/periodic"
	_ "modernc.org/sqlite" // the SQLite driver FerretDB itself uses
)

// FerretDB's SQLite backend keeps each collection as a table with one JSON column and filters
// lookups by _id on the expression below; its own unique _id index is built on a different
// expression (`_ferretdb_sjson->"_id"`), so SQLite never uses it and every lookup by _id scans the
// table. An index on exactly this expression turns the scan into an index search. FerretDB does
// not know about it and never drops it; dropping the collection drops its table and the index.
const idExpression = `_ferretdb_sjson->'$._id'`

// indexSuffix names the added index: <table>_socialrx_id.
const indexSuffix = "_socialrx_id"

// idIndexer adds the _id index to every collection table of the SQLite files in dir, including
// collections created after start-up: FerretDB offers no hook on collection creation, so the
// indexer looks for new tables every interval (a read of FerretDB's small metadata table).
type idIndexer struct {
	dir string

	mu      sync.Mutex
	dbs     map[string]*sql.DB         // by file name
	indexed map[string]map[string]bool // file -> table -> index present
}

func newIDIndexer(dir string) *idIndexer {
	return &idIndexer{dir: dir, dbs: map[string]*sql.DB{}, indexed: map[string]map[string]bool{}}
}

// run indexes new tables every interval until ctx ends. Errors are retried at the next tick:
// a missing index costs speed, never correctness.
func (ix *idIndexer) run(ctx context.Context, interval time.Duration, onError func(error)) {
	periodic.Every(ctx, interval, ix.ensure, onError)
}

// ensure creates the _id index on every collection table that lacks it.
func (ix *idIndexer) ensure(ctx context.Context) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	files, err := filepath.Glob(filepath.Join(ix.dir, "*.sqlite"))
	if err != nil {
		return err
	}
	var errs []error
	for _, f := range files {
		if err := ix.ensureFile(ctx, f); err != nil {
			errs = append(errs, fmt.Errorf("index %s: %w", filepath.Base(f), err))
		}
	}
	return errors.Join(errs...)
}

func (ix *idIndexer) ensureFile(ctx context.Context, file string) error {
	db, ok := ix.dbs[file]
	if !ok {
		var err error
		// Waiting for a busy writer instead of failing, as FerretDB does; but not FerretDB's
		// journal_mode(wal): a file stays in WAL once FerretDB has set it, and setting it here too
		// raced FerretDB's own first open of a new file (two connections each holding a read lock
		// and asking for the write lock that changing the mode needs: SQLite refuses one of them
		// at once, SQLITE_BUSY, without waiting, and FerretDB's insert failed).
		db, err = sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(10000)")
		if err != nil {
			return err
		}
		db.SetMaxOpenConns(1)
		ix.dbs[file] = db
		ix.indexed[file] = map[string]bool{}
	}
	tables, err := collectionTables(ctx, db)
	if err != nil {
		return err
	}
	done := ix.indexed[file]
	for _, table := range tables {
		if done[table] {
			continue
		}
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (%s)`, table+indexSuffix, table, idExpression)
		if _, err := db.ExecContext(ctx, q); err != nil {
			if strings.Contains(err.Error(), "no such table") {
				continue // dropped since we listed it
			}
			return fmt.Errorf("create index on %s: %w", table, err)
		}
		done[table] = true
	}
	return nil
}

// collectionTables lists the tables FerretDB keeps collections in; a database file that has no
// collection yet has no metadata table.
func collectionTables(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM _ferretdb_collections`)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return nil, nil
		}
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func (ix *idIndexer) close() {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for f, db := range ix.dbs {
		_ = db.Close()
		delete(ix.dbs, f)
	}
}

// fileOf is the SQLite file of database name under dir.
func fileOf(dir, name string) string { return filepath.Join(dir, name+".sqlite") }
