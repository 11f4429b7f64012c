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
)

// Connect dials uri and pings it within timeout. Errors name MONGODB_URI so an operator knows
// what to fix.
func Connect(ctx context.Context, uri string, timeout time.Duration) (*mongo.Client, error) {
	if uri == "" {
		return nil, errors.New("MONGODB_URI is empty: set it, or leave it unset to use the embedded database")
	}
	opts := options.Client().ApplyURI(uri).
		SetServerSelectionTimeout(timeout).
		SetConnectTimeout(timeout)
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("MONGODB_URI is not a valid MongoDB connection string: %w", err)
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to MONGODB_URI: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, timeout)
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
