// Package audit is the append-only trail of who saw or changed personal data: one record per
// read, list hit, change or export, in the same database as the data. Services write it through
// their store package; a failed write fails the request that caused it.
package audit

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/headers"
)

// Actions recorded.
const (
	ActionRead   = "read"
	ActionList   = "list"
	ActionSearch = "search"
	ActionChange = "change"
	ActionCreate = "create"
	ActionExport = "export"
	ActionQuery  = "audit-query"
)

// Metadata keys read into a record.
const (
	HeaderForwarded = "x-forwarded-for"
)

// ReasonAuditUnavailable is the reason of the error a request fails with when its audit record
// cannot be written.
const ReasonAuditUnavailable = "AUDIT_UNAVAILABLE"

// Record is one audited access. It holds names of resources, never their contents.
type Record struct {
	ID           string    `bson:"_id"`
	Time         time.Time `bson:"time"`
	Actor        string    `bson:"actor"`
	Organization string    `bson:"organization,omitempty"`
	Role         string    `bson:"role,omitempty"`
	Action       string    `bson:"action"`
	// Method is the RPC, e.g. "GetReferral".
	Method   string `bson:"method"`
	Resource string `bson:"resource"`
	Purpose  string `bson:"purpose,omitempty"`
	// Outcome is the status code of the answer, "OK" when data was returned or changed.
	Outcome       string `bson:"outcome"`
	RequestID     string `bson:"request_id,omitempty"`
	ClientAddress string `bson:"client_address,omitempty"`
}

// Log is an audit collection, with the small collection of its intents not yet settled beside
// it (name + "_pending"), so that finding those never reads the whole trail.
type Log struct {
	coll    *mongo.Collection
	pending *mongo.Collection
	now     func() time.Time

	// Settled intents waiting to be dropped, and whether a drop is under way (see Settle).
	dropMu   sync.Mutex
	drops    []string
	dropping bool
}

// New returns the log kept in collection name of db.
func New(db *mongo.Database, name string, now func() time.Time) *Log {
	if now == nil {
		now = time.Now
	}
	return &Log{coll: db.Collection(name), pending: db.Collection(name + "_pending"), now: now}
}

// Collection is the underlying collection.
func (l *Log) Collection() *mongo.Collection { return l.coll }

// Record builds a record of the caller in ctx taking action (by method) on resource.
func (l *Log) Record(ctx context.Context, action, method, resource string, err error) Record {
	id := auth.FromContext(ctx)
	md, _ := metadata.FromIncomingContext(ctx)
	r := Record{
		ID: uuid.NewString(), Time: l.now().UTC().Truncate(time.Millisecond),
		Actor: id.Subject, Organization: id.Organization, Role: strings.Join(id.Roles, ","),
		Action: action, Method: method, Resource: resource, Outcome: status.Code(err).String(),
		Purpose: first(md, headers.Purpose), RequestID: first(md, headers.RequestID), ClientAddress: clientAddress(ctx, md),
	}
	if r.Purpose == "" {
		r.Purpose = "care"
		if id.HasRole(auth.RolePrivacyOfficer) || id.HasRole(auth.RoleNetworkPrivacyOfficer) {
			r.Purpose = "privacy-audit"
		}
	}
	if len(r.Purpose) > 64 {
		r.Purpose = r.Purpose[:64]
	}
	if len(r.RequestID) > 64 {
		r.RequestID = r.RequestID[:64]
	}
	return r
}

// clientAddress is the address the gateway saw the request come from: the last entry of
// x-forwarded-for, which the gateway appends (earlier entries are the client's to forge); else
// the peer's.
func clientAddress(ctx context.Context, md metadata.MD) string {
	if fwd := md.Get(HeaderForwarded); len(fwd) > 0 {
		hops := strings.Split(fwd[len(fwd)-1], ",")
		if ip := net.ParseIP(strings.TrimSpace(hops[len(hops)-1])); ip != nil {
			return ip.String()
		}
	}
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		if host, _, err := net.SplitHostPort(p.Addr.String()); err == nil {
			return host
		}
		return p.Addr.String()
	}
	return ""
}

func first(md metadata.MD, key string) string {
	if v := md.Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

// Append writes records; each has its own _id, so nothing is ever overwritten. The error is the
// API error the request must fail with (UNAVAILABLE), or nil.
func (l *Log) Append(ctx context.Context, recs ...Record) error {
	if len(recs) == 0 {
		return nil
	}
	docs := make([]any, len(recs))
	for i := range recs {
		docs[i] = recs[i]
	}
	if _, err := l.coll.InsertMany(ctx, docs); err != nil {
		return l.unavailable(ctx)
	}
	return nil
}

// unavailable is the error of a request whose audit record could not be written: the caller's
// own cancellation or deadline when that was the cause, else UNAVAILABLE.
func (l *Log) unavailable(ctx context.Context) error {
	if cerr := apierror.FromContext(ctx); cerr != nil {
		return cerr
	}
	return apierror.New(codes.Unavailable, ReasonAuditUnavailable,
		"the access could not be recorded in the audit trail, so nothing is returned; retry later", nil)
}

// Query selects records; empty fields do not restrict.
type Query struct {
	Actor     string
	Resources []string // any of these
	After     time.Time
	Before    time.Time
}

// Find returns the matching records, oldest first.
func (l *Log) Find(ctx context.Context, q Query) ([]Record, error) {
	f := bson.D{}
	if q.Actor != "" {
		f = append(f, bson.E{Key: "actor", Value: q.Actor})
	}
	if q.Resources != nil {
		f = append(f, bson.E{Key: "resource", Value: bson.M{"$in": q.Resources}})
	}
	tr := bson.M{}
	if !q.After.IsZero() {
		tr["$gte"] = q.After
	}
	if !q.Before.IsZero() {
		tr["$lt"] = q.Before
	}
	if len(tr) > 0 {
		f = append(f, bson.E{Key: "time", Value: tr})
	}
	order := options.Find().SetSort(bson.D{{Key: "time", Value: 1}, {Key: "_id", Value: 1}})
	cur, err := l.coll.Find(ctx, f, order)
	if err != nil {
		return nil, fmt.Errorf("find audit records: %w", err)
	}
	var out []Record
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("read audit records: %w", err)
	}
	// Intents not settled yet are records too, PENDING: a change under way, or one a crash
	// interrupted that the reconciler has yet to settle.
	cur, err = l.pending.Find(ctx, f, order)
	if err != nil {
		return nil, fmt.Errorf("find pending audit intents: %w", err)
	}
	var pending []Record
	if err := cur.All(ctx, &pending); err != nil {
		return nil, fmt.Errorf("read pending audit intents: %w", err)
	}
	if len(pending) == 0 {
		return out, nil
	}
	settled := make(map[string]bool, len(out))
	for _, r := range out {
		settled[r.ID] = true
	}
	for _, r := range pending {
		if !settled[r.ID] { // else settled and not dropped yet
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b Record) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}
