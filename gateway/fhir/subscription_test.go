package fhir_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

// hookReceiver is a loopback rest-hook endpoint that keeps every body it gets.
type hookReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	bodies [][]byte
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.bodies = append(r.bodies, b)
		r.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *hookReceiver) got() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.bodies...)
}

func subscriptionBody(criteria, channelType, endpoint string, headers ...string) string {
	ch := map[string]any{"type": channelType, "endpoint": endpoint, "payload": "application/fhir+json",
		"_payload": map[string]any{"extension": []any{map[string]any{
			"url": "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content", "valueCode": "id-only"}}}}
	if len(headers) > 0 {
		ch["header"] = headers
	}
	b, _ := json.Marshal(map[string]any{"resourceType": "Subscription", "status": "requested", "reason": "referral changes",
		"criteria": criteria, "channel": ch})
	return string(b)
}

func subscriber(id auth.Identity) auth.Identity {
	id.Scopes = append(append([]string(nil), id.Scopes...), "system/Subscription.crds")
	return id
}

func TestSubscriptionNotifiedIDOnlyPerTaskChange(t *testing.T) {
	s := start(t, 1, referraltest.LoopbackWebhooks)
	emrID := auth.Identity{Subject: "clients/" + testenv.SystemClientID, Organization: emrOrg, Roles: []string{auth.RoleSystem},
		ClientID: testenv.SystemClientID, Scopes: allScopes}
	emrSub := s.asID(t, subscriber(emrID))
	otherSub := s.asID(t, subscriber(otherEMRID))
	mine, theirs := newHookReceiver(t), newHookReceiver(t)

	// Refusals name the element.
	for _, c := range []struct {
		who        *client
		body       string
		status     int
		code, expr string
	}{
		{s.asID(t, emrID), subscriptionBody("Task?requester=Organization/test-health-system", "rest-hook", mine.URL), http.StatusForbidden, "forbidden", ""},
		{emrSub, subscriptionBody("Task?requester=Organization/test-health-system", "websocket", mine.URL), http.StatusBadRequest, "not-supported", "Subscription.channel.type"},
		{emrSub, subscriptionBody("Task?status=completed", "rest-hook", mine.URL), http.StatusBadRequest, "not-supported", "Subscription.criteria"},
		{emrSub, subscriptionBody("Task?owner=Organization/chc", "rest-hook", mine.URL), http.StatusForbidden, "forbidden", "Subscription.criteria"},
		{emrSub, subscriptionBody("Task?requester=Organization/test-health-system", "rest-hook", "http://169.254.169.254/latest"), http.StatusBadRequest, "invalid", "Subscription.channel.endpoint"},
		{emrSub, subscriptionBody("Task?requester=Organization/test-health-system", "rest-hook", mine.URL, "X-Key: 1"), http.StatusBadRequest, "not-supported", "Subscription.channel.header"},
	} {
		a := c.who.do(t, "POST", "/Subscription", c.body)
		code, expr := a.issue()
		if a.status != c.status || code != c.code || (c.expr != "" && expr != c.expr) {
			t.Errorf("POST %s: %d %s %s, want %d %s %s: %s", c.body, a.status, code, expr, c.status, c.code, c.expr, a.raw)
		}
	}

	created := emrSub.do(t, "POST", "/Subscription", subscriptionBody("Task?requester=Organization/test-health-system", "rest-hook", mine.URL)).
		must(t, http.StatusCreated, "create the Subscription")
	sid := getS(created.body, "id")
	if sid == "" || getS(created.body, "status") != "active" || getS(created.body, "channel.endpoint") != mine.URL ||
		getS(created.body, "criteria") != "Task?requester=Organization/test-health-system" ||
		getS(created.body, "channel._payload.extension.0.valueCode") != "id-only" {
		t.Fatalf("created: %s", created.raw)
	}
	otherSub.do(t, "POST", "/Subscription", subscriptionBody("Task?requester=Organization/other-clinic", "rest-hook", theirs.URL)).
		must(t, http.StatusCreated, "the other organisation's Subscription")
	read := emrSub.do(t, "GET", "/Subscription/"+sid, "").must(t, http.StatusOK, "read the Subscription")
	if getS(read.body, "id") != sid || getS(read.body, "status") != "active" {
		t.Fatalf("read: %s", read.raw)
	}
	otherSub.do(t, "GET", "/Subscription/"+sid, "").must(t, http.StatusNotFound, "another organisation reads it")
	for q, n := range map[string]int{"": 1, "?status=active": 1, "?status=off": 0} {
		found := emrSub.do(t, "GET", "/Subscription"+q, "").must(t, http.StatusOK, "search "+q)
		if entries, _ := get(found.body, "entry").([]any); len(entries) != n || (n == 1 && getS(found.body, "entry.0.resource.id") != sid) {
			t.Errorf("search %q: %s, want %d", q, found.raw, n)
		}
	}

	// A referral loop: the EMR refers, the link worker accepts, the centre's system starts it.
	emr := s.as(emrToken(t, ""))
	sent := emr.do(t, "POST", "/", referralBundle("rx-2001", nil)).must(t, http.StatusOK, "inbound Bundle")
	rid := getS(get(sent.body, "entry.2.resource"), "id")
	lw := testenv.As(context.Background(), t, referraltest.LinkWorkerID)
	if _, err := s.referrals.Client.AcceptReferral(lw, &referralv1.AcceptReferralRequest{Name: "referrals/" + rid, Assignee: referraltest.LinkWorker}); err != nil {
		t.Fatal(err)
	}
	task := s.asID(t, performerID).do(t, "GET", "/Task/"+rid, "").must(t, http.StatusOK, "the performer reads the Task")
	s.asID(t, performerID).do(t, "PATCH", "/Task/"+rid, `[{"op": "replace", "path": "/status", "value": "in-progress"}]`,
		"Content-Type", "application/json-patch+json", "If-Match", task.header.Get("ETag")).must(t, http.StatusOK, "start")

	// The engine's own log of the webhook says how many changes it delivered.
	whCtx := testenv.As(context.Background(), t, emrID)
	wc := referralv1.NewWebhookServiceClient(s.referrals.Conn)
	var logged int
	deadline := time.Now().Add(20 * time.Second)
	for {
		d, err := wc.ListWebhookDeliveries(whCtx, &referralv1.ListWebhookDeliveriesRequest{Parent: emrOrg + "/webhooks/" + sid, PageSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		logged = len(d.GetDeliveries())
		if logged >= 3 && len(mine.got()) >= logged {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries logged, %d received; want at least 3 (referred, accepted, started)", logged, len(mine.got()))
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // a repeat would arrive by now
	// Read again: a change made just before may have been logged after the wait above ended.
	d, err := wc.ListWebhookDeliveries(whCtx, &referralv1.ListWebhookDeliveriesRequest{Parent: emrOrg + "/webhooks/" + sid, PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	logged = len(d.GetDeliveries())
	got := mine.got()
	if len(got) != logged {
		t.Fatalf("%d notifications for %d changes", len(got), logged)
	}
	seen := map[string]bool{}
	for i, b := range got {
		s.check.resource(t, "notification "+itoa(i), b)
		var n map[string]any
		if err := json.Unmarshal(b, &n); err != nil {
			t.Fatal(err)
		}
		key := getS(n, "entry.0.fullUrl")
		if getS(n, "resourceType") != "Bundle" || getS(n, "type") != "history" || seen[key] ||
			getS(n, "entry.1.fullUrl") != "Task/"+rid || get(n, "entry.1.resource") != nil ||
			!strings.HasSuffix(getS(n, "entry.0.request.url"), "Subscription/"+sid+"/$status") {
			t.Fatalf("notification %d: %s", i, b)
		}
		seen[key] = true
	}
	if n := len(theirs.got()); n != 0 {
		t.Fatalf("the other organisation's Subscription got %d notifications of this organisation's referral", n)
	}

	emrSub.do(t, "DELETE", "/Subscription/"+sid, "").must(t, http.StatusNoContent, "delete")
	emrSub.do(t, "GET", "/Subscription/"+sid, "").must(t, http.StatusNotFound, "read after delete")
}
