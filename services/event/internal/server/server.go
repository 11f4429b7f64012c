// Package server implements the event service's gRPC API over the ledger.
package server

import (
	"context"
	"errors"
	"log/slog"
	"path"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/event/internal/domain"
	"github.com/socialrx/socialrx/services/event/internal/readmodel"
	"github.com/socialrx/socialrx/services/event/internal/store"
	"github.com/socialrx/socialrx/services/platform/aip/requestid"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/audit"
	"github.com/socialrx/socialrx/services/platform/auth"

	"github.com/socialrx/socialrx/services/platform/validation"
)

// requestIDNamespace derives ids from AIP-155 request ids.
var requestIDNamespace = uuid.MustParse("8d3c4f0a-6a51-4c3e-b0f4-1e6f2b9a7c55")

// Server implements eventv1.EventServiceServer.
type Server struct {
	eventv1.UnimplementedEventServiceServer

	ledger    *store.Ledger
	audits    *audit.Log
	listing   *readmodel.Listing
	directory directoryv1.DirectoryServiceClient
	validator *validation.Validator
	logger    *slog.Logger
	// DirectoryTimeout bounds each call to the directory.
	directoryTimeout time.Duration
	// poll is how often WatchChanges looks for new entries.
	poll time.Duration
	now  func() time.Time
	// registrations counts CreateRegistration outcomes once Instrument is called.
	registrations *prometheus.CounterVec
}

var _ eventv1.EventServiceServer = (*Server)(nil)

// New returns the server over the ledger and the listing index it keeps current. The audit log
// records every access to registrants' personal data.
func New(l *store.Ledger, listing *readmodel.Listing, audits *audit.Log, dir directoryv1.DirectoryServiceClient, v *validation.Validator, now func() time.Time, logger *slog.Logger) *Server {
	return &Server{ledger: l, listing: listing, audits: audits, directory: dir, validator: v, logger: logger, now: now,
		directoryTimeout: 3 * time.Second, poll: 200 * time.Millisecond}
}

// newID returns the id for a create of kind: derived from the caller-scoped request id key when
// there is one (see package requestid).
func newID(kind, key string) string { return requestid.ID(requestIDNamespace, kind, key) }

// fail maps decision, ledger and driver errors to API errors.
func (s *Server) fail(ctx context.Context, err error) error {
	var de *domain.Error
	if errors.As(err, &de) {
		return ToStatus(err)
	}
	return apierror.FromStore(ctx, s.logger, err, "event service")
}

func actor(ctx context.Context) string { return auth.FromContext(ctx).Subject }

// sync brings the state up to date with every replica's writes before a read.
func (s *Server) sync(ctx context.Context) error {
	if err := s.ledger.Fresh(ctx); err != nil {
		return s.fail(ctx, err)
	}
	return nil
}

// decide records a decision and returns it.
func (s *Server) decide(ctx context.Context, f func(st *domain.State, now time.Time) (domain.Decision, error)) (domain.Decision, error) {
	d, err := s.ledger.Decide(ctx, actor(ctx), f)
	if err != nil {
		return d, s.fail(ctx, err)
	}
	return d, nil
}

func (s *Server) event(key string) (p *eventv1.Event, err error) {
	s.ledger.Read(func(st *domain.State) {
		var ev *domain.Event
		if ev, err = st.Event(key); err == nil {
			p = eventToProto(ev)
		}
	})
	return p, err
}

func (s *Server) session(key string) (p *eventv1.Session, err error) {
	s.ledger.Read(func(st *domain.State) {
		var ss *domain.Session
		if ss, err = st.Session(key); err == nil {
			p = sessionToProto(ss)
		}
	})
	return p, err
}

func (s *Server) registration(key string, full bool) (p *eventv1.Registration, err error) {
	s.ledger.Read(func(st *domain.State) {
		var r *domain.Registration
		if r, err = st.Registration(key); err == nil {
			p = registrationToProto(st, r, full)
		}
	})
	return p, err
}

// methodOf is the short name of the RPC being served, e.g. "GetRegistration".
func methodOf(ctx context.Context) string {
	m, _ := grpc.Method(ctx)
	return path.Base(m)
}
