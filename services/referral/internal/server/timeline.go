package server

import (
	"context"
	"time"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/aip/pagination"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/protoconv"
	"github.com/socialrx/socialrx/services/referral/internal/domain"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

func (s *Server) AddTimelineNote(ctx context.Context, req *referralv1.AddTimelineNoteRequest) (*referralv1.Referral, error) {
	return s.change(ctx, req.GetName(), "", func(r *store.Referral, now time.Time) error {
		if domain.Terminal(r.Status) {
			return apierror.FailedPrecondition(ReasonReferralStatus, "referrals/"+r.ID+" is "+r.Status, map[string]string{"status": r.Status})
		}
		kind := protoconv.EnumName(req.GetKind())
		e := store.Entry{Time: now, Actor: actor(ctx), Kind: kind, Note: req.GetNote()}
		if req.GetKind() == referralv1.TimelineKind_TIMELINE_KIND_CONTACT_ATTEMPT {
			if req.GetReached() {
				r.BusinessStatus = "CONTACTED"
				e.Reason = "reached"
			} else {
				e.Reason = "not reached"
			}
			e.BusinessStatus = r.BusinessStatus
		}
		if t := req.GetFollowUpTime(); t != nil {
			v := t.AsTime()
			r.FollowUpTime = &v
		}
		r.Add(e)
		return nil
	})
}

func (s *Server) ListTimeline(ctx context.Context, req *referralv1.ListTimelineRequest) (*referralv1.ListTimelineResponse, error) {
	if _, err := pagination.Decode(req.GetPageToken(), req); err != nil {
		return nil, err // before any read, so a bad token costs nothing
	}
	r, err := s.st.Referrals.Get(ctx, idOf(req.GetName()))
	if err != nil {
		return nil, s.fail(ctx, err, req.GetName())
	}
	s.audit(ctx, "timeline", req.GetName())
	entries, next, err := pagination.Offset(req, req.GetPageSize(), req.GetPageToken(), 0, r.Timeline)
	if err != nil {
		return nil, err
	}
	resp := &referralv1.ListTimelineResponse{TotalSize: int32(len(r.Timeline)), NextPageToken: next}
	for _, e := range entries {
		resp.Entries = append(resp.Entries, entryToProto(e))
	}
	return resp, nil
}
