package processtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// hook is one request a webhook receiver got.
type hook struct {
	id, timestamp, signature, body string
}

// webhookReceiver records every request, answering each after delay.
type webhookReceiver struct {
	mu    sync.Mutex
	got   []hook
	delay time.Duration
}

func (rc *webhookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	time.Sleep(rc.delay)
	rc.mu.Lock()
	rc.got = append(rc.got, hook{r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature"), string(body)})
	rc.mu.Unlock()
}

func (rc *webhookReceiver) hooks() []hook {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

// signedBy reports whether h carries a Standard Webhooks signature by secret, computed here from
// the specification: "v1," and base64 HMAC-SHA256, keyed with the base64 part of the secret, of
// "<id>.<timestamp>.<body>".
func signedBy(h hook, secret string) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(h.id + "." + h.timestamp + "." + h.body))
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	return slices.Contains(strings.Fields(h.signature), want)
}

// firstOfEach returns the event types of the hooks, once per webhook-id in the order first
// received, and the ids that came twice with different bodies.
func firstOfEach(got []hook) (types []string, conflicting []string) {
	seen := map[string]string{}
	for _, h := range got {
		if body, ok := seen[h.id]; ok {
			if body != h.body {
				conflicting = append(conflicting, h.id)
			}
			continue
		}
		seen[h.id] = h.body
		var e struct{ Type string }
		_ = json.Unmarshal([]byte(h.body), &e)
		types = append(types, e.Type)
	}
	return types, conflicting
}

// A webhook receiver sees every change of a referral's loop exactly once and in order, although
// the referral service (and with it the notification engine) is killed with SIGKILL mid-loop and
// started again: repeats come only under the webhook-id already seen, every signature verifies.
func TestWebhookDeliveriesSurviveSIGKILL(t *testing.T) {
	s := startStackWith(t, "WEBHOOK_ALLOW_INSECURE_LOOPBACK", "true", "WEBHOOK_POLL", "50ms",
		"WEBHOOK_LEASE", "1s", "WEBHOOK_TIMEOUT", "2s", "WEBHOOK_RETRY_BASE", "100ms")
	rc := &webhookReceiver{delay: 150 * time.Millisecond} // so that deliveries are under way at the kill
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	system := auth.Identity{Subject: "clients/chc-crm", Organization: "organizations/chc", Roles: []string{auth.RoleSystem}}
	created := mustREST(t, "POST", s.base+"/v1/organizations/chc/webhooks?webhookId=crm", `{"url": "`+srv.URL+`/hooks"}`, as(system)...)
	var webhook struct{ Name, Secret string }
	if err := json.Unmarshal([]byte(created), &webhook); err != nil || !strings.HasPrefix(webhook.Secret, "whsec_") {
		t.Fatalf("created webhook %s: %v", created, err)
	}

	name := seed(t, s.base) // created, submitted, accepted, started
	s.referral.proc.kill()
	before := len(rc.hooks())
	s.referral.startServing(t, referralService)
	r := s.base + "/v1/" + name
	mustREST(t, "POST", r+":bookEvent", `{"session": "events/tea/sessions/s1"}`, as(linkWorkerID)...)
	mustREST(t, "POST", r+":hold", `{"reason": "In hospital for a week."}`, as(linkWorkerID)...)
	mustREST(t, "POST", r+":resume", `{}`, as(linkWorkerID)...)
	mustREST(t, "POST", r+":complete", `{"note": "Goes weekly."}`, as(linkWorkerID)...)

	want := []string{"referral.created", "referral.submitted", "referral.accepted", "referral.started",
		"booking.confirmed", "referral.on_hold", "referral.started", "referral.completed"}
	if !testenv.Poll(60*time.Second, func() bool { got, _ := firstOfEach(rc.hooks()); return len(got) >= len(want) }) {
		got, _ := firstOfEach(rc.hooks())
		t.Fatalf("after the restart the receiver has %v, want %v", got, want)
	}
	time.Sleep(500 * time.Millisecond)
	got := rc.hooks()
	types, conflicting := firstOfEach(got)
	if !slices.Equal(types, want) {
		t.Fatalf("received %v, want %v", types, want)
	}
	if len(conflicting) > 0 {
		t.Fatalf("webhook-ids %v came with two bodies", conflicting)
	}
	for _, h := range got {
		if !signedBy(h, webhook.Secret) {
			t.Fatalf("delivery %s is not signed by the webhook's secret: %q", h.id, h.signature)
		}
	}
	t.Logf("%d requests for %d changes; %d had arrived when the referral service was killed", len(got), len(want), before)
}
