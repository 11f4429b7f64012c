// Command embeddeddb runs the embedded database (FerretDB on SQLite) alone: for stand-alone
// services on a laptop without a MongoDB, and for tests that stop and restart the database under
// running services. `make run` needs none of this; it starts the same database in-process.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/socialrx/socialrx/services/platform/storage/embeddeddb"
)

func main() {
	dir := flag.String("data-dir", "data", "where the database keeps its files")
	addr := flag.String("addr", "127.0.0.1:27017", "listen address")
	sync := flag.String("synchronous", string(embeddeddb.SyncNormal), "when a commit waits for the disk: normal (survives a crash of the process) or full (also a power loss)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	db, err := embeddeddb.StartWith(ctx, *dir, *addr, logger, embeddeddb.Options{Synchronous: embeddeddb.Synchronous(*sync)})
	if err != nil {
		fmt.Fprintln(os.Stderr, "embeddeddb:", err)
		os.Exit(1)
	}
	fmt.Println(db.URI())
	<-ctx.Done()
	db.Stop()
}
