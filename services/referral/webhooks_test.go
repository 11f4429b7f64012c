package referral_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

// The system clients of the organisations, which manage their webhooks.
var (
	clinicSystemID = auth.Identity{Subject: "clients/clinic-emr", Organization: clinic, Roles: []string{auth.RoleSystem}}
	chcSystemID    = auth.Identity{Subject: "clients/chc-crm", Organization: chc, Roles: []string{auth.RoleSystem}}
	otherSystemID  = auth.Identity{Subject: "clients/other", Organization: "organizations/elsewhere", Roles: []string{auth.RoleSystem}}
)

// fastWebhooks is the engine's test configuration: quick polls and retries, plain http to the
// test's loopback receivers.
func fastWebhooks(c *referral.Config) {
	c.Webhooks.Guard.AllowInsecureLoopback = true
	c.Webhooks.Poll = 20 * time.Millisecond
	c.Webhooks.RetryBase = 20 * time.Millisecond
	c.Webhooks.RetryMax = 200 * time.Millisecond
	c.Webhooks.Timeout = 2 * time.Second
	c.Webhooks.Lease = time.Second
}

// received is one request a receiver got.
type received struct {
	id, timestamp, signature string
	body                     []byte
}

// receiver is a webhook endpoint on loopback; answer picks the status of its n-th request (from
// 1), 200 when nil.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []received
	answer func(n int) int
}

func newReceiver(t *testing.T, answer func(n int) int) *receiver {
	rc := &receiver{answer: answer}
	rc.Server = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.got = append(rc.got, received{r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature"), body})
	n := len(rc.got)
	rc.mu.Unlock()
	code := http.StatusOK
	if rc.answer != nil {
		code = rc.answer(n)
	}
	w.WriteHeader(code)
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

// verify checks a signature as Standard Webhooks defines it, written out here apart from the
// service's code: base64 of HMAC-SHA256, keyed with the secret's base64 part, of
// "<id>.<timestamp>.<body>", prefixed "v1,"; one of the space-separated signatures must match.
func verify(t *testing.T, secret string, r received) {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		t.Fatalf("secret %q: %v", secret, err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(r.id + "." + r.timestamp + "." + string(r.body)))
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	for _, s := range strings.Fields(r.signature) {
		if hmac.Equal([]byte(s), []byte(want)) {
			return
		}
	}
	t.Fatalf("delivery %s: signature %q does not verify with the secret", r.id, r.signature)
}

type event struct {
	Type string `json:"type"`
	Data struct {
		Referral string `json:"referral"`
		Status   string `json:"status"`
		Booking  *struct {
			State string `json:"state"`
		} `json:"booking"`
	} `json:"data"`
}

// types are the event types a receiver got, once per webhook-id, in the order of first receipt;
// it fails the test if one webhook-id came with two bodies.
func types(t *testing.T, got []received) []string {
	t.Helper()
	seen := map[string]string{}
	var out []string
	for _, r := range got {
		if prev, ok := seen[r.id]; ok {
			if prev != string(r.body) {
				t.Fatalf("webhook-id %s came with two bodies:\n%s\n%s", r.id, prev, r.body)
			}
			continue
		}
		seen[r.id] = string(r.body)
		var e event
		if err := json.Unmarshal(r.body, &e); err != nil {
			t.Fatalf("body %s: %v", r.body, err)
		}
		out = append(out, e.Type)
	}
	return out
}

func (w *world) webhooks() referralv1.WebhookServiceClient {
	return referralv1.NewWebhookServiceClient(w.referrals[0].Conn)
}

func subscribe(t *testing.T, w *world, id auth.Identity, url string, kinds ...referralv1.WebhookEventType) *referralv1.Webhook {
	t.Helper()
	h, err := w.webhooks().CreateWebhook(as(ctxT(t), id), &referralv1.CreateWebhookRequest{Parent: id.Organization,
		Webhook: &referralv1.Webhook{Url: url, EventTypes: kinds}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h.GetSecret(), "whsec_") {
		t.Fatalf("created webhook's secret %q", h.GetSecret())
	}
	return h
}

// loop takes a referral from the clinic to the community health centre through the whole loop:
// created, submitted, accepted, started, booked, attended, completed.
func (w *world) loop(t *testing.T) string {
	t.Helper()
	c, ctx := w.rc(), ctxT(t)
	r, err := c.CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: referraltest.Draft(true)})
	if err != nil {
		t.Fatal(err)
	}
	name := r.GetName()
	steps := []func() (*referralv1.Referral, error){
		func() (*referralv1.Referral, error) {
			return c.SubmitReferral(ctx, &referralv1.SubmitReferralRequest{Name: name})
		},
		func() (*referralv1.Referral, error) {
			return c.AcceptReferral(lw(ctx), &referralv1.AcceptReferralRequest{Name: name, Assignee: linkWorker})
		},
		func() (*referralv1.Referral, error) {
			return c.StartReferral(lw(ctx), &referralv1.StartReferralRequest{Name: name})
		},
		func() (*referralv1.Referral, error) {
			return c.BookEvent(lw(ctx), &referralv1.BookEventRequest{Name: name, Session: w.session})
		},
	}
	var booked *referralv1.Referral
	for _, step := range steps {
		if booked, err = step(); err != nil {
			t.Fatal(err)
		}
	}
	w.clock.Advance(23 * time.Hour)
	if _, err := w.events.Client.CheckInRegistration(host(ctx), &eventv1.CheckInRegistrationRequest{Name: booked.GetBookings()[0].GetRegistration()}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 20*time.Second, "the referral to learn of the attendance", func() bool {
		got, err := c.GetReferral(ctx, &referralv1.GetReferralRequest{Name: name})
		return err == nil && len(got.GetBookings()) == 1 && got.GetBookings()[0].GetState() == "ATTENDED"
	})
	if _, err := c.CompleteReferral(lw(ctx), &referralv1.CompleteReferralRequest{Name: name, Note: "Goes weekly."}); err != nil {
		t.Fatal(err)
	}
	return name
}

// Both sides' systems are told of every change of the loop they may see, once each, in order,
// signed, with ids and states only; a third organisation's webhook is told nothing.
func TestWebhooksFollowTheLoop(t *testing.T) {
	w := newWorldConfig(t, 1, 10, fastWebhooks)
	referrer, receiving, other := newReceiver(t, nil), newReceiver(t, nil), newReceiver(t, nil)
	hr := subscribe(t, w, clinicSystemID, referrer.URL+"/hooks")
	hc := subscribe(t, w, chcSystemID, receiving.URL+"/hooks")
	ho := subscribe(t, w, otherSystemID, other.URL+"/hooks")
	name := w.loop(t)

	wantReferrer := []string{"referral.created", "referral.submitted", "referral.accepted", "referral.started",
		"booking.confirmed", "booking.attended", "referral.completed"}
	wantReceiving := wantReferrer[1:] // a draft is the referrer's alone
	testenv.Eventually(t, 20*time.Second, "both receivers to get the whole loop", func() bool {
		return len(types(t, referrer.requests())) >= len(wantReferrer) && len(types(t, receiving.requests())) >= len(wantReceiving)
	})
	time.Sleep(300 * time.Millisecond) // anything more would come now
	for _, tc := range []struct {
		who    string
		rc     *receiver
		secret string
		want   []string
	}{{"referrer", referrer, hr.GetSecret(), wantReferrer}, {"receiving", receiving, hc.GetSecret(), wantReceiving}} {
		got := tc.rc.requests()
		if len(got) != len(tc.want) {
			t.Errorf("%s: %d requests for %d changes, all answered 200", tc.who, len(got), len(tc.want))
		}
		if gt := types(t, got); !slices.Equal(gt, tc.want) {
			t.Errorf("%s got %v, want %v", tc.who, gt, tc.want)
		}
		for _, r := range got {
			verify(t, tc.secret, r)
			var e event
			_ = json.Unmarshal(r.body, &e)
			if e.Data.Referral != name {
				t.Errorf("%s: event of %q, want %q", tc.who, e.Data.Referral, name)
			}
			for _, personal := range []string{"Margaret", "Okafor", "1948", "margaret@", "gardening", "step-free"} {
				if strings.Contains(string(r.body), personal) {
					t.Errorf("%s: body carries personal data (%q): %s", tc.who, personal, r.body)
				}
			}
		}
	}
	if got := other.requests(); len(got) != 0 {
		t.Errorf("another organisation's webhook got %d deliveries of this referral", len(got))
	}
	// The log says the same.
	log, err := w.webhooks().ListWebhookDeliveries(as(ctxT(t), chcSystemID), &referralv1.ListWebhookDeliveriesRequest{Parent: hc.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if len(log.GetDeliveries()) != len(wantReceiving) {
		t.Fatalf("log has %d deliveries, want %d", len(log.GetDeliveries()), len(wantReceiving))
	}
	for _, d := range log.GetDeliveries() {
		if d.GetState() != referralv1.WebhookDelivery_STATE_SUCCEEDED || len(d.GetAttempts()) != 1 || d.GetAttempts()[0].GetStatusCode() != 200 {
			t.Fatalf("delivery %v", d)
		}
	}
	if empty, err := w.webhooks().ListWebhookDeliveries(as(ctxT(t), otherSystemID), &referralv1.ListWebhookDeliveriesRequest{Parent: ho.GetName()}); err != nil || len(empty.GetDeliveries()) != 0 {
		t.Fatalf("the other organisation's log: %v, %v", empty, err)
	}
	// Nobody reads another organisation's webhooks or their log.
	_, err = w.webhooks().GetWebhook(as(ctxT(t), otherSystemID), &referralv1.GetWebhookRequest{Name: hc.GetName()})
	testenv.WantCode(t, err, codes.PermissionDenied, apierror.ReasonPermissionDenied)
	_, err = w.webhooks().ListWebhookDeliveries(as(ctxT(t), linkWorkerID), &referralv1.ListWebhookDeliveriesRequest{Parent: hc.GetName()})
	testenv.WantCode(t, err, codes.PermissionDenied, apierror.ReasonPermissionDenied)
	// The secret is shown once.
	got, err := w.webhooks().GetWebhook(as(ctxT(t), chcSystemID), &referralv1.GetWebhookRequest{Name: hc.GetName()})
	if err != nil || got.GetSecret() != "" {
		t.Fatalf("GetWebhook: secret %q, %v", got.GetSecret(), err)
	}
}

// A receiver that fails five times gets the delivery on the sixth attempt, under one webhook-id;
// the log shows each attempt.
func TestWebhookRetriedUntilItSucceeds(t *testing.T) {
	w := newWorldConfig(t, 1, 10, fastWebhooks)
	rc := newReceiver(t, func(n int) int {
		if n <= 5 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	h := subscribe(t, w, clinicSystemID, rc.URL, referralv1.WebhookEventType_WEBHOOK_EVENT_TYPE_REFERRAL_CREATED)
	if _, err := w.rc().CreateReferral(ctxT(t), &referralv1.CreateReferralRequest{Referral: referraltest.Draft(true)}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 20*time.Second, "the sixth attempt", func() bool { return len(rc.requests()) >= 6 })
	time.Sleep(300 * time.Millisecond)
	got := rc.requests()
	if len(got) != 6 {
		t.Fatalf("%d attempts, want 6 (the sixth succeeded)", len(got))
	}
	for _, r := range got {
		if r.id != got[0].id {
			t.Fatalf("webhook-ids %q and %q for one delivery", got[0].id, r.id)
		}
		verify(t, h.GetSecret(), r)
	}
	log, err := w.webhooks().ListWebhookDeliveries(as(ctxT(t), clinicSystemID), &referralv1.ListWebhookDeliveriesRequest{Parent: h.GetName()})
	if err != nil || len(log.GetDeliveries()) != 1 {
		t.Fatalf("log %v, %v", log, err)
	}
	d := log.GetDeliveries()[0]
	var codesSeen []int32
	for _, a := range d.GetAttempts() {
		codesSeen = append(codesSeen, a.GetStatusCode())
	}
	if want := []int32{503, 503, 503, 503, 503, 200}; !slices.Equal(codesSeen, want) || d.GetState() != referralv1.WebhookDelivery_STATE_SUCCEEDED {
		t.Fatalf("log: state %v, status codes %v, want SUCCEEDED and %v", d.GetState(), codesSeen, want)
	}
	if !strings.HasSuffix(d.GetName(), "/deliveries/"+got[0].id) {
		t.Fatalf("delivery %s is not named by its webhook-id %s", d.GetName(), got[0].id)
	}
	// Asked to, it is delivered again under the same id.
	if _, err := w.webhooks().RedeliverWebhookDelivery(as(ctxT(t), clinicSystemID), &referralv1.RedeliverWebhookDeliveryRequest{Name: d.GetName()}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 20*time.Second, "the redelivery", func() bool { return len(rc.requests()) == 7 })
	if again := rc.requests()[6]; again.id != got[0].id || string(again.body) != string(got[0].body) {
		t.Fatalf("redelivered as %s %s, want %s %s", again.id, again.body, got[0].id, got[0].body)
	}
}

// A receiver that never answers has its webhook disabled once deliveries have failed for the
// configured time, and the webhook and its log say why.
func TestWebhookThatNeverAnswersIsDisabled(t *testing.T) {
	w := newWorldConfig(t, 1, 10, func(c *referral.Config) {
		fastWebhooks(c)
		c.Webhooks.Timeout = 150 * time.Millisecond
		c.Webhooks.DisableAfter = time.Second
	})
	var calls atomic.Int32
	var answer atomic.Bool
	stop := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if answer.Load() {
			return
		}
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(stop) })
	h := subscribe(t, w, clinicSystemID, hang.URL)
	if _, err := w.rc().CreateReferral(ctxT(t), &referralv1.CreateReferralRequest{Referral: referraltest.Draft(true)}); err != nil {
		t.Fatal(err)
	}
	var got *referralv1.Webhook
	testenv.Eventually(t, 20*time.Second, "the webhook to be disabled", func() bool {
		var err error
		got, err = w.webhooks().GetWebhook(as(ctxT(t), clinicSystemID), &referralv1.GetWebhookRequest{Name: h.GetName()})
		return err == nil && got.GetState() == referralv1.Webhook_STATE_DISABLED
	})
	if r := got.GetDisabledReason(); !strings.Contains(r, "failed for") || !strings.Contains(r, "timeout") && !strings.Contains(r, "deadline") {
		t.Fatalf("disabled reason %q does not say the deliveries timed out for a second", r)
	}
	if got.GetDisableTime() == nil {
		t.Fatal("no disable time")
	}
	after := calls.Load()
	time.Sleep(300 * time.Millisecond)
	if calls.Load() != after {
		t.Fatal("a disabled webhook is still delivered to")
	}
	log, err := w.webhooks().ListWebhookDeliveries(as(ctxT(t), clinicSystemID), &referralv1.ListWebhookDeliveriesRequest{Parent: h.GetName()})
	if err != nil || len(log.GetDeliveries()) != 1 {
		t.Fatalf("log %v, %v", log, err)
	}
	d := log.GetDeliveries()[0]
	if d.GetState() != referralv1.WebhookDelivery_STATE_HELD || len(d.GetAttempts()) < 2 || d.GetAttempts()[0].GetError() == "" || d.GetAttempts()[0].GetStatusCode() != 0 {
		t.Fatalf("log of a never-answering receiver: %v", d)
	}
	// Enabled again, it delivers what it held.
	answer.Store(true)
	if _, err := w.webhooks().UpdateWebhook(as(ctxT(t), clinicSystemID), &referralv1.UpdateWebhookRequest{
		Webhook: &referralv1.Webhook{Name: h.GetName(), State: referralv1.Webhook_STATE_ACTIVE}, UpdateMask: mask("state")}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 20*time.Second, "the held delivery", func() bool {
		log, err := w.webhooks().ListWebhookDeliveries(as(ctxT(t), clinicSystemID), &referralv1.ListWebhookDeliveriesRequest{Parent: h.GetName()})
		return err == nil && log.GetDeliveries()[0].GetState() == referralv1.WebhookDelivery_STATE_SUCCEEDED
	})
}

// After a rotation both secrets sign until the old one expires.
func TestRotatedSecretSignsBesideThePrevious(t *testing.T) {
	w := newWorldConfig(t, 1, 10, fastWebhooks)
	rc := newReceiver(t, nil)
	h := subscribe(t, w, clinicSystemID, rc.URL, referralv1.WebhookEventType_WEBHOOK_EVENT_TYPE_REFERRAL_CREATED)
	rotated, err := w.webhooks().RotateWebhookSecret(as(ctxT(t), clinicSystemID), &referralv1.RotateWebhookSecretRequest{Name: h.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if rotated.GetSecret() == h.GetSecret() || rotated.GetPreviousSecretExpireTime() == nil {
		t.Fatalf("rotated: %v", rotated)
	}
	if _, err := w.rc().CreateReferral(ctxT(t), &referralv1.CreateReferralRequest{Referral: referraltest.Draft(true)}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 20*time.Second, "the delivery", func() bool { return len(rc.requests()) == 1 })
	r := rc.requests()[0]
	verify(t, h.GetSecret(), r)
	verify(t, rotated.GetSecret(), r)
}

// staticResolver answers each name from a table that the test may change.
type staticResolver struct {
	mu    sync.Mutex
	names map[string]string
}

func (s *staticResolver) set(name, ip string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.names[name] = ip
}

func (s *staticResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ip, ok := s.names[host]
	if !ok {
		return nil, errors.New("no such host")
	}
	return []net.IPAddr{{IP: net.ParseIP(ip)}}, nil
}

// Targets that lead inside are refused at creation, naming the url; one that resolves inside
// only at delivery (DNS rebinding) is refused by the dialer, logged, and reached by nothing.
func TestWebhookTargetsInsideAreRefused(t *testing.T) {
	resolver := &staticResolver{names: map[string]string{"internal.example": "10.1.2.3", "rebind.example": "93.184.216.34"}}
	var reached atomic.Int32
	inside := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached.Add(1) }))
	t.Cleanup(inside.Close)
	pool := x509.NewCertPool()
	pool.AddCert(inside.Certificate())
	w := newWorldConfig(t, 1, 10, func(c *referral.Config) {
		fastWebhooks(c)
		c.Webhooks.Guard.AllowInsecureLoopback = false
		c.Webhooks.Guard.Resolver = resolver
		c.Webhooks.TLS = &tls.Config{RootCAs: pool, ServerName: "example.com"}
	})
	_, port, _ := net.SplitHostPort(inside.Listener.Addr().String())
	for _, url := range []string{
		"http://127.0.0.1:" + port + "/",
		"https://127.0.0.1:" + port + "/",
		"http://169.254.169.254/",
		"https://169.254.169.254/latest/meta-data/",
		"https://internal.example/hooks",
		"file:///etc/passwd",
		"https://nowhere.example/",
	} {
		t.Run(url, func(t *testing.T) {
			_, err := w.webhooks().CreateWebhook(as(ctxT(t), clinicSystemID), &referralv1.CreateWebhookRequest{Parent: clinic,
				Webhook: &referralv1.Webhook{Url: url}})
			testenv.WantCode(t, err, codes.InvalidArgument, apierror.ReasonInvalidArgument)
			if f := apierror.ErrorInfo(err).GetMetadata()["field"]; f != "webhook.url" {
				t.Fatalf("error names %q, want webhook.url", f)
			}
		})
	}
	h := subscribe(t, w, clinicSystemID, "https://rebind.example:"+port+"/hooks")
	_, err := w.webhooks().UpdateWebhook(as(ctxT(t), clinicSystemID), &referralv1.UpdateWebhookRequest{
		Webhook: &referralv1.Webhook{Name: h.GetName(), Url: "https://169.254.169.254/"}, UpdateMask: mask("url")})
	testenv.WantCode(t, err, codes.InvalidArgument, apierror.ReasonInvalidArgument)
	if f := apierror.ErrorInfo(err).GetMetadata()["field"]; f != "webhook.url" {
		t.Fatalf("update error names %q, want webhook.url", f)
	}
	resolver.set("rebind.example", "127.0.0.1")
	if _, err := w.rc().CreateReferral(ctxT(t), &referralv1.CreateReferralRequest{Referral: referraltest.Draft(true)}); err != nil {
		t.Fatal(err)
	}
	var log *referralv1.ListWebhookDeliveriesResponse
	testenv.Eventually(t, 20*time.Second, "a refused attempt in the log", func() bool {
		var err error
		log, err = w.webhooks().ListWebhookDeliveries(as(ctxT(t), clinicSystemID), &referralv1.ListWebhookDeliveriesRequest{Parent: h.GetName()})
		return err == nil && len(log.GetDeliveries()) == 1 && len(log.GetDeliveries()[0].GetAttempts()) >= 2
	})
	a := log.GetDeliveries()[0].GetAttempts()[0]
	if !strings.Contains(a.GetError(), "refused") || !strings.Contains(a.GetError(), "loopback") || a.GetStatusCode() != 0 {
		t.Fatalf("attempt %v, want a refusal of the loopback address", a)
	}
	if n := reached.Load(); n != 0 {
		t.Fatalf("%d requests reached the loopback server", n)
	}
}

// A redirect is not followed: the attempt fails saying so, and its target gets nothing.
func TestWebhookRedirectIsNotFollowed(t *testing.T) {
	w := newWorldConfig(t, 1, 10, fastWebhooks)
	target := newReceiver(t, nil)
	redirect := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		http.Redirect(rw, r, target.URL+"/stolen", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirect.Close)
	h := subscribe(t, w, clinicSystemID, redirect.URL)
	if _, err := w.rc().CreateReferral(ctxT(t), &referralv1.CreateReferralRequest{Referral: referraltest.Draft(true)}); err != nil {
		t.Fatal(err)
	}
	var log *referralv1.ListWebhookDeliveriesResponse
	testenv.Eventually(t, 20*time.Second, "a failed attempt in the log", func() bool {
		var err error
		log, err = w.webhooks().ListWebhookDeliveries(as(ctxT(t), clinicSystemID), &referralv1.ListWebhookDeliveriesRequest{Parent: h.GetName()})
		return err == nil && len(log.GetDeliveries()) == 1 && len(log.GetDeliveries()[0].GetAttempts()) >= 2
	})
	d := log.GetDeliveries()[0]
	if a := d.GetAttempts()[0]; a.GetStatusCode() != 307 || !strings.Contains(a.GetError(), "not followed") || d.GetState() != referralv1.WebhookDelivery_STATE_PENDING {
		t.Fatalf("delivery %v", d)
	}
	if got := target.requests(); len(got) != 0 {
		t.Fatalf("the redirect's target got %d requests", len(got))
	}
}

func mask(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }

// Two replicas deliver side by side: every change reaches the receiver once, in order, and no
// attempt is made twice.
func TestTwoReplicasDeliverEachChangeOnce(t *testing.T) {
	w := newWorldConfig(t, 2, 10, fastWebhooks)
	rc := newReceiver(t, nil)
	h := subscribe(t, w, clinicSystemID, rc.URL, referralv1.WebhookEventType_WEBHOOK_EVENT_TYPE_REFERRAL_CREATED)
	const n = 20
	var want []string
	for i := range n {
		r, err := w.referrals[i%2].Client.CreateReferral(ctxT(t), &referralv1.CreateReferralRequest{Referral: referraltest.Draft(true)})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, r.GetName())
	}
	testenv.Eventually(t, 20*time.Second, "every delivery", func() bool { return len(rc.requests()) >= n })
	time.Sleep(500 * time.Millisecond)
	got := rc.requests()
	if len(got) != n {
		t.Fatalf("%d requests for %d changes, all answered 200", len(got), n)
	}
	var order []string
	for _, r := range got {
		verify(t, h.GetSecret(), r)
		var e event
		_ = json.Unmarshal(r.body, &e)
		order = append(order, e.Data.Referral)
	}
	if !slices.Equal(order, want) {
		t.Fatalf("delivered in the order %v, want the order of the changes %v", order, want)
	}
}
