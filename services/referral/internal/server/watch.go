package server

import (
	"strconv"
	"time"

	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/policy"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
)

// WatchReferrals streams status changes of one referring organisation's referrals from the
// change feed; each carries its feed position as the resume token. The feed may hold a version
// twice (a writer that completes another's claim publishes it too); each is sent once.
func (s *Server) WatchReferrals(req *referralv1.WatchReferralsRequest, stream referralv1.ReferralService_WatchReferralsServer) error {
	ctx := stream.Context()
	caller := auth.FromContext(ctx)
	// Without a token the stream starts at the oldest change the feed keeps (see
	// changefeed.Retention); a token older than that is answered OUT_OF_RANGE.
	var after int64
	if req.GetAfter() == "" {
		floor, err := s.st.Feed.Floor(ctx)
		if err != nil {
			return s.fail(ctx, err, "referrals")
		}
		after = floor
	} else {
		var err error
		if after, err = strconv.ParseInt(req.GetAfter(), 10, 64); err != nil {
			// Digits only (the proto says so), but too many: not a position this feed has.
			return apierror.Field("after", "not a resume token of this feed")
		}
	}
	sent := map[string]docstore.Meta{}
	for {
		changes, err := s.st.Changes(ctx, after, 100)
		if err != nil {
			if ctx.Err() != nil {
				return status.FromContextError(ctx.Err()).Err()
			}
			return s.fail(ctx, err, "referrals")
		}
		for _, c := range changes {
			after = c.Seq
			r := c.Referral
			if r.ReferringOrganization != req.GetReferringOrganization() || !r.StatusChanged ||
				!policy.Can(caller, policy.ReferralRead, facts(r)) {
				continue
			}
			if last, ok := sent[r.ID]; ok && !r.Newer(&last) {
				continue
			}
			sent[r.ID] = r.Meta
			if err := stream.Send(&referralv1.ReferralChange{
				Token: strconv.FormatInt(c.Seq, 10), Referral: "referrals/" + r.ID,
				Status: statusOf(r.Status), BusinessStatus: businessStatus(r.BusinessStatus),
				Time: timestamppb.New(c.Time), Etag: r.Etag(),
			}); err != nil {
				return err
			}
		}
		if len(changes) == 100 {
			continue
		}
		select {
		case <-ctx.Done():
			// The caller's deadline or cancellation ends the stream with its own code: a plain
			// end (OK) could arrive before the caller's timer and read as a server fault.
			return status.FromContextError(ctx.Err()).Err()
		case <-time.After(s.poll):
		}
	}
}
