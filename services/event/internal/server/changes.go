package server

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/event/internal/store"
	"github.com/socialrx/socialrx/services/platform/aip/pagination"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/headers"
	"github.com/socialrx/socialrx/services/platform/policy"
)

// The change feed other services follow: ListChanges pages it, WatchChanges streams it.

// token is a resume position: the outcome index within a ledger entry.
type token struct {
	seq   int64
	index int
}

func parseToken(s string) (token, error) {
	if s == "" {
		return token{}, nil
	}
	a, b, ok := strings.Cut(s, ".")
	seq, err1 := strconv.ParseInt(a, 10, 64)
	idx, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || seq < 0 || idx < 0 {
		return token{}, apierror.InvalidArgument(apierror.ReasonInvalidPageToken,
			apierror.FieldViolation{Field: "after", Description: "not a resume token"})
	}
	return token{seq: seq, index: idx}, nil
}

func (t token) String() string { return fmt.Sprintf("%d.%d", t.seq, t.index) }

// changesAfter reads up to limit changes after t from the ledger in the database, so it works for
// any position, whatever this replica has folded.
func (s *Server) changesAfter(ctx context.Context, t token, limit int) ([]*eventv1.Change, token, error) {
	var out []*eventv1.Change
	last := t
	from := t.seq
	if from > 0 {
		from-- // re-read the entry of the token: it may have outcomes after t.index
	}
	for len(out) < limit {
		entries, err := s.ledger.Feed().Read(ctx, from, 100)
		if err != nil {
			return nil, t, s.fail(ctx, err)
		}
		if len(entries) == 0 {
			break
		}
		for _, e := range entries {
			from = e.Seq
			p, err := store.Decode(e.Data)
			if err != nil {
				return nil, t, s.fail(ctx, err)
			}
			for i, o := range p.Outcomes {
				pos := token{seq: e.Seq, index: i + 1}
				if pos.seq < t.seq || (pos.seq == t.seq && pos.index <= t.index) {
					continue
				}
				if len(out) == limit {
					return out, last, nil
				}
				out = append(out, &eventv1.Change{
					Token:            pos.String(),
					Kind:             changeKind(o.Kind),
					Session:          sessionName(o.Session),
					Registration:     regNameOrEmpty(o.Registration),
					Referral:         o.Referral,
					State:            registrationState(o.State),
					WaitlistPosition: o.Position,
					Time:             timestamppb.New(e.Time),
					Reason:           o.Reason,
				})
				last = pos
			}
		}
		if len(entries) < 100 {
			break
		}
	}
	return out, last, nil
}

func regNameOrEmpty(key string) string {
	if key == "" {
		return ""
	}
	return registrationName(key)
}

func (s *Server) ListChanges(ctx context.Context, req *eventv1.ListChangesRequest) (*eventv1.ListChangesResponse, error) {
	if err := policy.CheckMethod(auth.FromContext(ctx), policy.ChangesRead); err != nil {
		return nil, err
	}
	t, err := parseToken(req.GetAfter())
	if err != nil {
		return nil, err
	}
	size, err := pagination.PageSize(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	changes, last, err := s.changesAfter(ctx, t, size)
	if err != nil {
		return nil, err
	}
	next := last.String()
	if last == (token{}) {
		next = req.GetAfter()
	}
	// Followers measure their lag against the ledger position this replica has folded.
	_ = grpc.SetHeader(ctx, metadata.Pairs(headers.FeedHead, strconv.FormatInt(s.ledger.Position(), 10)))
	return &eventv1.ListChangesResponse{Changes: changes, NextAfter: next}, nil
}

func (s *Server) WatchChanges(req *eventv1.WatchChangesRequest, stream eventv1.EventService_WatchChangesServer) error {
	ctx := stream.Context()
	if err := policy.CheckMethod(auth.FromContext(ctx), policy.ChangesRead); err != nil {
		return err
	}
	t, err := parseToken(req.GetAfter())
	if err != nil {
		return err
	}
	for {
		changes, last, err := s.changesAfter(ctx, t, 100)
		if err != nil {
			return err
		}
		for _, c := range changes {
			if err := stream.Send(c); err != nil {
				return err
			}
		}
		t = last
		if len(changes) == 100 {
			continue
		}
		select {
		case <-ctx.Done():
			// The caller's deadline or cancellation ends the stream with its own code.
			return status.FromContextError(ctx.Err()).Err()
		case <-time.After(s.poll):
		}
	}
}
