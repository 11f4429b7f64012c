package gateway_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

// The callers of the impact scenario.
var (
	clinicianID  = referraltest.ClinicianID
	linkWorkerID = referraltest.LinkWorkerID
)

const chc = referraltest.CHC

// as returns ctx acting as id with a token of the test issuer.
func as(ctx context.Context, id auth.Identity) context.Context { return testenv.WithIdentity(ctx, id) }

// host acts as the receiving centre's event host.
func host(ctx context.Context) context.Context { return as(ctx, referraltest.HostID) }

func mustDo(t testing.TB, f func() error) {
	t.Helper()
	if err := f(); err != nil {
		t.Fatal(err)
	}
}

// draft is a valid new referral from the test clinic to the test centre, with consent unless
// withConsent is false.
func draft(withConsent bool) *referralv1.Referral {
	r := &referralv1.Referral{
		Subject:               &referralv1.Subject{GivenName: "Margaret", FamilyName: "Okafor", DateOfBirth: "1948-03-14", PreferredLanguage: "en"},
		ReferringPractitioner: referraltest.Clinician, ReferringOrganization: referraltest.Clinic, ReceivingOrganization: chc,
		Needs:    []referralv1.Need{referralv1.Need_NEED_LONELINESS},
		Priority: referralv1.Priority_PRIORITY_ROUTINE,
	}
	if withConsent {
		r.Consent = &referralv1.Consent{GrantedBy: "subject", GrantTime: timestamppb.Now(), Scope: []string{"share-with-link-worker", "share-with-event-hosts"}}
	}
	return r
}

// eventually polls ok until it holds or the deadline.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	if !testenv.Poll(20*time.Second, ok) {
		t.Fatalf("timed out waiting for %s", what)
	}
}
