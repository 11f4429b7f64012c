package referral_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

// A watch resumed from a token older than the feed's retention is refused with OUT_OF_RANGE
// (CHANGES_TRIMMED), and one resumed from a kept token, or started without one, carries on.
func TestWatchFromATrimmedTokenIsOutOfRange(t *testing.T) {
	w := newWorld(t, 1, 10)
	c, ctx := w.rc(), ctxT(t)
	var names []string
	for range 3 {
		r, err := c.CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: referraltest.Draft(true)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.SubmitReferral(ctx, &referralv1.SubmitReferralRequest{Name: r.GetName()}); err != nil {
			t.Fatal(err)
		}
		names = append(names, r.GetName())
	}
	feed := w.feed(t)
	head, err := feed.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Keep only the last entry: the submit of the third referral.
	if err := feed.Track(ctx, "test", head-1); err != nil {
		t.Fatal(err)
	}
	floor, err := feed.Trim(ctx, changefeed.Retention{}, time.Now().Add(time.Hour))
	if err != nil || floor != head-1 {
		t.Fatalf("trim: floor %d (%v), want %d", floor, err, head-1)
	}

	first := func(after string) (*referralv1.ReferralChange, error) {
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		stream, err := c.WatchReferrals(wctx, &referralv1.WatchReferralsRequest{After: after, ReferringOrganization: clinic})
		if err != nil {
			return nil, err
		}
		return stream.Recv()
	}
	_, err = first("1")
	testenv.WantCode(t, err, codes.OutOfRange, apierror.ReasonChangesTrimmed)
	for _, after := range []string{strconv.FormatInt(floor, 10), ""} {
		got, err := first(after)
		if err != nil {
			t.Fatalf("watch after %q: %v", after, err)
		}
		if got.GetReferral() != names[2] || got.GetStatus() != referralv1.ReferralStatus_REFERRAL_STATUS_REQUESTED {
			t.Fatalf("watch after %q: first change %v, want the submit of %s", after, got, names[2])
		}
	}
}
