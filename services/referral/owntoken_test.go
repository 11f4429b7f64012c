package referral_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral"
)

// The referral service calls the directory with a token of its own client: with a secret the
// provider does not accept it gets none, and the call that needs the directory fails rather than
// going out anonymously; with its real secret the same call works.
func TestCallsToOtherServicesCarryTheServicesOwnToken(t *testing.T) {
	w := newWorld(t, 1, 5)
	ctx := ctxT(t)
	if _, err := w.rc().CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: draft(true)}); err != nil {
		t.Fatalf("with the service's own client: %v", err)
	}

	sctx, cancel := context.WithCancel(context.Background())
	svc, err := referral.Start(sctx, referral.Config{
		GRPCAddr: "127.0.0.1:0", MongoURI: testenv.MongoURI(t), Database: testenv.DatabaseName(t),
		DirectoryAddr: w.dir.Addr, EventAddr: w.events.Addr, ShutdownTimeout: 5 * time.Second, SyncInterval: time.Second,
		ConsumerPoll: 50 * time.Millisecond, Auth: testenv.OIDC(t),
		ClientID: testenv.ReferralClientID, ClientSecret: "not-the-secret",
	}, testenv.Logger())
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	testenv.Serve(t, cancel, func() error { return svc.Run(sctx) })
	bad := referralv1.NewReferralServiceClient(testenv.Dial(t, svc.Addr()))
	_, err = bad.CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: draft(true)})
	if status.Code(err) == codes.OK || status.Code(err) == codes.InvalidArgument {
		t.Fatalf("without a token of its own: %v; want the call to the directory to fail", err)
	}
	list, err := bad.ListReferrals(ctx, &referralv1.ListReferralsRequest{})
	if err != nil || len(list.GetReferrals()) != 0 {
		t.Fatalf("stored %d referrals without checking them in the directory (%v)", len(list.GetReferrals()), err)
	}
}
