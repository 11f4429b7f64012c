// Package mongodb connects a service to its MongoDB database (a real MongoDB or the embedded
// FerretDB), creates its indexes at start-up and maps driver errors to the errors stores return.
package mongodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"

	"github.com/socialrx/socialrx/services/platform/config"
)

// Timeouts bound every database call, so that a call fails fast with UNAVAILABLE when the
// database is gone instead of hanging.
type Timeouts struct {
	// ServerSelection bounds the wait for a usable server (the primary) before an operation.
	ServerSelection time.Duration
	// Operation bounds each operation whose context has no earlier deadline.
	Operation time.Duration
}

// Defaults of Timeouts.
const (
	DefaultServerSelectionTimeout = 2 * time.Second
	DefaultOperationTimeout       = 5 * time.Second
)

// RegisterFlags registers MONGODB_SERVER_SELECTION_TIMEOUT and MONGODB_TIMEOUT.
func (t *Timeouts) RegisterFlags(l *config.Loader) {
	l.Duration(&t.ServerSelection, "mongodb-server-selection-timeout", "MONGODB_SERVER_SELECTION_TIMEOUT",
		DefaultServerSelectionTimeout, "how long a database call waits for a usable server")
	l.Duration(&t.Operation, "mongodb-timeout", "MONGODB_TIMEOUT", DefaultOperationTimeout,
		"bound of each database operation")
}

func (t Timeouts) orDefaults() Timeouts {
	if t.ServerSelection <= 0 {
		t.ServerSelection = DefaultServerSelectionTimeout
	}
	if t.Operation <= 0 {
		t.Operation = DefaultOperationTimeout
	}
	return t
}

// Connect dials uri and pings it within the timeouts. Errors name MONGODB_URI so an operator
// knows what to fix.
func Connect(ctx context.Context, uri string, t Timeouts) (*mongo.Client, error) {
	if uri == "" {
		return nil, errors.New("MONGODB_URI is empty: set it, or leave it unset to use the embedded database")
	}
	t = t.orDefaults()
	opts := options.Client().ApplyURI(uri).
		SetServerSelectionTimeout(t.ServerSelection).
		SetConnectTimeout(t.ServerSelection).
		SetTimeout(t.Operation)
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("MONGODB_URI is not a valid MongoDB connection string: %w", err)
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to MONGODB_URI: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, t.ServerSelection+t.Operation)
	defer cancel()
	if err := client.Ping(pingCtx, readpref.Primary()); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("ping MONGODB_URI (%s): %w", redact(uri), err)
	}
	return client, nil
}

// redact hides credentials in a connection string for messages.
func redact(uri string) string {
	cs, err := parseHostOnly(uri)
	if err != nil {
		return "<unparseable>"
	}
	return cs
}
