package testenv

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/socialrx/socialrx/services/platform/apierror"
)

// WantCode fails the test unless err has code and, when reason is set, that ErrorInfo reason.
func WantCode(tb testing.TB, err error, code codes.Code, reason string) {
	tb.Helper()
	if got := status.Code(err); got != code {
		tb.Fatalf("code = %v, want %v (err: %v)", got, code, err)
	}
	if reason != "" && apierror.Reason(err) != reason {
		tb.Fatalf("reason = %q, want %q (err: %v)", apierror.Reason(err), reason, err)
	}
}

// Database connects to a fresh database of the test database server, for tests of a store or
// a read model without a service around it; the client disconnects when the test ends.
func Database(tb testing.TB) *mongo.Database {
	tb.Helper()
	client, err := mongo.Connect(options.Client().ApplyURI(MongoURI(tb)))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	return client.Database(DatabaseName(tb))
}
