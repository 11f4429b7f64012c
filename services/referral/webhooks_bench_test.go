package referral_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

// arrivals records when each webhook (by path) first received each referral's event.
type arrivals struct {
	mu    sync.Mutex
	at    map[string]time.Time // path + " " + referral
	delay time.Duration
}

func (a *arrivals) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	time.Sleep(a.delay)
	var e event
	_ = json.Unmarshal(body, &e)
	k := r.URL.Path + " " + e.Data.Referral
	a.mu.Lock()
	if _, ok := a.at[k]; !ok {
		a.at[k] = time.Now()
	}
	a.mu.Unlock()
}

func (a *arrivals) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.at)
}

// benchWebhooks starts a world with subs webhooks of the clinic on one receiver answering after
// delay, each wanting referral.created.
func benchWebhooks(b *testing.B, subs int, delay time.Duration) (*world, *arrivals, []string) {
	w := newWorldConfig(b, 1, 10, func(c *referral.Config) {
		c.Webhooks.Guard.AllowInsecureLoopback = true
		c.Webhooks.Timeout = 5 * time.Second
	})
	rc := &arrivals{at: map[string]time.Time{}, delay: delay}
	srv := httptest.NewServer(rc)
	b.Cleanup(srv.Close)
	var paths []string
	for i := range subs {
		p := fmt.Sprintf("/h/%d", i)
		paths = append(paths, p)
		if _, err := w.webhooks().CreateWebhook(as(ctxT(b), clinicSystemID), &referralv1.CreateWebhookRequest{Parent: clinic,
			Webhook: &referralv1.Webhook{Url: srv.URL + p, EventTypes: []referralv1.WebhookEventType{
				referralv1.WebhookEventType_WEBHOOK_EVENT_TYPE_REFERRAL_CREATED}}}); err != nil {
			b.Fatal(err)
		}
	}
	return w, rc, paths
}

func percentile(d []time.Duration, p float64) time.Duration {
	slices.Sort(d)
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

// Latency from a change (the start of the call making it) to each subscriber's 2xx, at 1 and 200 subscriptions.
func BenchmarkWebhookLatency(b *testing.B) {
	for _, subs := range []int{1, 200} {
		b.Run(fmt.Sprintf("subscriptions=%d", subs), func(b *testing.B) {
			w, rc, paths := benchWebhooks(b, subs, 0)
			var lat []time.Duration
			b.ResetTimer()
			for range b.N {
				want := rc.count() + subs
				changed := time.Now() // the call's start: its own time is counted too
				r, err := w.rc().CreateReferral(ctxT(b), &referralv1.CreateReferralRequest{Referral: referraltest.Draft(true)})
				if err != nil {
					b.Fatal(err)
				}
				if !testenv.Poll(60*time.Second, func() bool { return rc.count() >= want }) {
					b.Fatalf("%d of %d deliveries", rc.count(), want)
				}
				rc.mu.Lock()
				for _, p := range paths {
					lat = append(lat, rc.at[p+" "+r.GetName()].Sub(changed))
				}
				rc.mu.Unlock()
			}
			b.StopTimer()
			b.ReportMetric(float64(percentile(lat, 0.5).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(percentile(lat, 0.95).Microseconds())/1000, "p95-ms")
		})
	}
}

// Deliveries per second when every receiver answers in 200 ms: 50 subscriptions, each told of
// b.N changes.
func BenchmarkWebhookThroughputSlowReceiver(b *testing.B) {
	const subs = 50
	w, rc, _ := benchWebhooks(b, subs, 200*time.Millisecond)
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if _, err := w.rc().CreateReferral(ctxT(b), &referralv1.CreateReferralRequest{Referral: referraltest.Draft(true)}); err != nil {
			b.Fatal(err)
		}
	}
	want := subs * b.N
	if !testenv.Poll(10*time.Minute, func() bool { return rc.count() >= want }) {
		b.Fatalf("%d of %d deliveries", rc.count(), want)
	}
	b.StopTimer()
	b.ReportMetric(float64(want)/time.Since(start).Seconds(), "deliveries/s")
}
