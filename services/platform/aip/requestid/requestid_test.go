package requestid_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/socialrx/socialrx/services/platform/aip/requestid"
	"github.com/socialrx/socialrx/services/platform/auth"
)

func TestKeyIsScopedToTheCaller(t *testing.T) {
	riverdale := auth.Identity{Subject: "practitioners/tomasz", Organization: "organizations/riverdale-chc", ClientID: "socialrx-web"}
	albion := auth.Identity{Subject: "practitioners/amara", Organization: "organizations/albion-heights-chc", ClientID: "socialrx-web"}
	sameSubjectOtherClient := riverdale
	sameSubjectOtherClient.ClientID = "riverdale-emr"
	sameSubjectOtherOrg := riverdale
	sameSubjectOtherOrg.Organization = "organizations/albion-heights-chc"

	base := requestid.Key(riverdale, "r-1")
	if len(base) != 32 {
		t.Fatalf("key %q: want 32 hex characters", base)
	}
	if again := requestid.Key(riverdale, "r-1"); again != base {
		t.Fatalf("the same caller's retry has another key: %q vs %q", again, base)
	}
	differs := map[string]string{
		"another caller":                requestid.Key(albion, "r-1"),
		"the same person, other client": requestid.Key(sameSubjectOtherClient, "r-1"),
		"the same person, other org":    requestid.Key(sameSubjectOtherOrg, "r-1"),
		"another request id":            requestid.Key(riverdale, "r-2"),
		"narrowed to a person":          requestid.Key(riverdale, "r-1", "email:a@example.org"),
		"fields do not run together":    requestid.Key(auth.Identity{Subject: "practitioners/tomasz", Organization: "organizations/riverdale-chcsocialrx-web"}, "r-1"),
	}
	for name, k := range differs {
		if k == base {
			t.Errorf("%s: same key as the first caller's", name)
		}
	}
	if k := requestid.Key(riverdale, ""); k != "" {
		t.Errorf("no request id: key %q, want empty", k)
	}
}

func TestIDFollowsTheKey(t *testing.T) {
	ns := uuid.MustParse("00000000-0000-0000-0000-000000000001")
	k := requestid.Key(auth.Identity{Subject: "s"}, "r")
	if a, b := requestid.ID(ns, "referral", k), requestid.ID(ns, "referral", k); a != b {
		t.Fatalf("retry ids differ: %s %s", a, b)
	}
	if a, b := requestid.ID(ns, "referral", k), requestid.ID(ns, "event", k); a == b {
		t.Fatal("two kinds share an id")
	}
	if a, b := requestid.ID(ns, "referral", ""), requestid.ID(ns, "referral", ""); a == b {
		t.Fatal("without a key, ids must be random")
	}
}
