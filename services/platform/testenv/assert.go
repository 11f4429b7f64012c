package testenv

import (
	"context"
	"strings"
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
	return OpenDatabase(tb, DatabaseName(tb))
}

// OpenDatabase connects to the database called name of the test database server, for tests
// that read or change what a service stored there; the client disconnects when the test ends.
func OpenDatabase(tb testing.TB, name string) *mongo.Database {
	tb.Helper()
	client, err := mongo.Connect(options.Client().ApplyURI(MongoURI(tb)))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	return client.Database(name)
}

// WantField fails the test unless err is INVALID_ARGUMENT naming field in its ErrorInfo (and,
// when field is set, in its message).
func WantField(tb testing.TB, err error, field string) {
	tb.Helper()
	if status.Code(err) != codes.InvalidArgument {
		tb.Fatalf("code = %v, want INVALID_ARGUMENT (%v)", status.Code(err), err)
	}
	if f := apierror.ErrorInfo(err).GetMetadata()["field"]; f != field {
		tb.Fatalf("field = %q, want %q (%v)", f, field, err)
	}
	if field != "" && !strings.Contains(status.Convert(err).Message(), field) {
		tb.Fatalf("message %q does not name %q", status.Convert(err).Message(), field)
	}
}

// Find returns the documents of collection in database db of the test database server that
// match filter, for tests that check what a service stored (its audit trail, say).
func Find[T any](tb testing.TB, db, collection string, filter any) []T {
	tb.Helper()
	ctx := context.Background()
	client, err := mongo.Connect(options.Client().ApplyURI(MongoURI(tb)))
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = client.Disconnect(ctx) }()
	cur, err := client.Database(db).Collection(collection).Find(ctx, filter)
	if err != nil {
		tb.Fatalf("find in %s.%s: %v", db, collection, err)
	}
	var out []T
	if err := cur.All(ctx, &out); err != nil {
		tb.Fatalf("read %s.%s: %v", db, collection, err)
	}
	return out
}
