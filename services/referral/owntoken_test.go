package referral_test

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

// The referral service calls the directory with a token of its own client: with a secret the
// provider does not accept it gets none, and the call that needs the directory fails rather than
// going out anonymously; with its real secret the same call works.
func TestCallsToOtherServicesCarryTheServicesOwnToken(t *testing.T) {
	w := newWorld(t, 1, 5)
	ctx := ctxT(t)
	if _, err := w.rc().CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: referraltest.Draft(true)}); err != nil {
		t.Fatalf("with the service's own client: %v", err)
	}

	bad := referraltest.Start(t, referraltest.Options{Database: testenv.DatabaseName(t), DirectoryAddr: w.dir.Addr,
		EventAddr: w.events.Addr, ClientSecret: "not-the-secret"}).Client
	_, err := bad.CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: referraltest.Draft(true)})
	if status.Code(err) == codes.OK || status.Code(err) == codes.InvalidArgument {
		t.Fatalf("without a token of its own: %v; want the call to the directory to fail", err)
	}
	list, err := bad.ListReferrals(ctx, &referralv1.ListReferralsRequest{})
	if err != nil || len(list.GetReferrals()) != 0 {
		t.Fatalf("stored %d referrals without checking them in the directory (%v)", len(list.GetReferrals()), err)
	}
}
