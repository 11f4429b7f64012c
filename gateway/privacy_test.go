package gateway_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/socialrx/socialrx/gateway"
	"github.com/socialrx/socialrx/gateway/gatewaytest"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/event/eventtest"
	"github.com/socialrx/socialrx/services/platform/audit"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

// A referral's person over REST: what the gateway and the services behind it log at debug
// level, and the error bodies of refused requests that carried the person, hold none of the
// person's name, birth date, email or phone. The REST read is audited with the caller's request
// id and address.
func TestRESTLogsHoldNoPersonalData(t *testing.T) {
	const (
		given, family, birth = "Margaret", "Okafor", "1948-03-14"
		email, phone         = "margaret@example.org", "+1 416 555 0199"
	)
	var logs testenv.Logs
	logger := logs.Logger()
	dir := directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t), Logger: logger})
	referraltest.SeedDirectory(testenv.WithIdentity(context.Background(), adminID), t, dir.Client)
	events := eventtest.Start(t, eventtest.Options{Database: testenv.DatabaseName(t), DirectoryAddr: dir.Addr, Logger: logger})
	refDB := testenv.DatabaseName(t)
	referrals := referraltest.Start(t, referraltest.Options{Database: refDB, DirectoryAddr: dir.Addr, EventAddr: events.Addr, Logger: logger})
	base := gatewaytest.StartLogged(t, gateway.Config{DirectoryAddr: dir.Addr, EventAddr: events.Addr, ReferralAddr: referrals.Addr}, logger)
	clin := (&stack{base: base}).as(referraltest.ClinicianID)

	person := `"givenName": "` + given + `", "familyName": "` + family + `", "dateOfBirth": "` + birth + `"`
	consent := `"consent": {"grantedBy": "subject", "grantTime": "` + time.Now().Add(-time.Minute).UTC().Format(time.RFC3339) + `", "scope": ["share-with-link-worker"]}`
	parties := `"referringPractitioner": "` + referraltest.Clinician + `", "referringOrganization": "` + referraltest.Clinic +
		`", "receivingOrganization": "` + referraltest.CHC + `", "needs": ["NEED_LONELINESS"]`
	created := clin.do(t, "POST", "/v1/referrals", `{"subject": {`+person+`, "email": "`+email+`", "phone": "`+phone+`"}, `+consent+`, `+parties+`}`)
	name, _ := created.body["name"].(string)
	if created.status != http.StatusOK || name == "" {
		t.Fatalf("create: %d %s", created.status, created.raw)
	}
	if r := clin.do(t, "POST", "/v1/"+name+":submit", `{}`); r.status != http.StatusOK {
		t.Fatalf("submit: %d %s", r.status, r.raw)
	}
	if r := clin.do(t, "GET", "/v1/"+name, "", "X-Request-Id", "rest-read"); r.status != http.StatusOK || !strings.Contains(string(r.raw), given) {
		t.Fatalf("read: %d %s", r.status, r.raw)
	}
	if r := clin.do(t, "POST", "/v1/referrals:search", `{"person": {`+person+`}}`); r.status != http.StatusOK || r.body["totalSize"] != float64(1) {
		t.Fatalf("search by the person: %d %s", r.status, r.raw)
	}
	// Refused or empty: a birth date in the future, a malformed email, a search by a clinician
	// of another organisation (which finds nothing).
	refused := []response{
		clin.do(t, "POST", "/v1/referrals", `{"subject": {"givenName": "`+given+`", "familyName": "`+family+`", "dateOfBirth": "2999-01-01", "email": "`+email+`"}, `+parties+`}`),
		clin.do(t, "POST", "/v1/referrals", `{"subject": {`+person+`, "email": "margaret@"}, `+parties+`}`),
		clin.as(auth.Identity{Subject: "practitioners/other", Organization: "organizations/other", Roles: []string{auth.RoleClinician}}).
			do(t, "POST", "/v1/referrals:search", `{"person": {`+person+`}}`),
	}
	for i, want := range []string{"referral.subject.date_of_birth", "referral.subject.email"} {
		if st, _, field := errorInfo(refused[i]); refused[i].status != http.StatusBadRequest || st != "INVALID_ARGUMENT" || field != want {
			t.Errorf("refused create %d: %d %s, want 400 naming %s", i, refused[i].status, refused[i].raw, want)
		}
	}
	if r := refused[2]; r.status != http.StatusOK || r.body["totalSize"] != nil || r.body["referrals"] != nil {
		t.Errorf("search by a clinician of another organisation: %d %s, want nothing found", r.status, r.raw)
	}

	// The REST read is audited with its request id and the client's address.
	recs := testenv.Find[audit.Record](t, refDB, "audit", bson.D{{Key: "request_id", Value: "rest-read"}})
	if len(recs) != 1 || recs[0].ClientAddress != "127.0.0.1" || recs[0].Resource != name || recs[0].Actor != referraltest.Clinician {
		t.Fatalf("audit of the REST read: %+v", recs)
	}

	out := logs.String()
	if !strings.Contains(out, "/v1/referrals:search") || !strings.Contains(out, "SubmitReferral") {
		t.Fatalf("the logs were not captured: %.500s", out)
	}
	for _, s := range []string{given, family, birth, email, phone, "416 555"} {
		if i := strings.Index(out, s); i >= 0 {
			t.Errorf("the logs hold %q: ...%s...", s, out[max(0, i-200):min(len(out), i+100)])
		}
		for _, r := range refused {
			if strings.Contains(string(r.raw), s) {
				t.Errorf("an error body holds %q: %s", s, r.raw)
			}
		}
	}
}
