package processtest

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/socialrx/socialrx/services/platform/testenv"
)

// Restarting every replica of the directory and of the event service in turn, each with a
// SIGTERM as Kubernetes sends, while clients keep calling through the gateway (and the referral
// service through to the event service), fails no call: a stopping replica reports NOT_SERVING
// first, its clients move to the other replica, and it stops only after draining.
func TestRollingRestartUnderLoadFailsNoCall(t *testing.T) {
	db := startDatabase(t)
	env := serviceEnv(t, db)
	dirs := []*service{
		newService(t, "directory-1", "directory", "DIRECTORY_GRPC_ADDR", env),
		newService(t, "directory-2", "directory", "DIRECTORY_GRPC_ADDR", env),
	}
	for _, d := range dirs {
		d.startServing(t, directoryService)
	}
	dirAddrs := dirs[0].addr + "," + dirs[1].addr
	events := []*service{
		newService(t, "event-1", "event", "EVENT_GRPC_ADDR", with(env, "DIRECTORY_ADDR", dirAddrs)),
		newService(t, "event-2", "event", "EVENT_GRPC_ADDR", with(env, "DIRECTORY_ADDR", dirAddrs)),
	}
	for _, e := range events {
		e.startServing(t, eventService)
	}
	eventAddrs := events[0].addr + "," + events[1].addr
	ref := newService(t, "referral", "referral", "REFERRAL_GRPC_ADDR", with(env, "DIRECTORY_ADDR", dirAddrs, "EVENT_ADDR", eventAddrs))
	ref.startServing(t, referralService)
	gw := newService(t, "gateway", "gateway", "GATEWAY_HTTP_ADDR", map[string]string{
		"GATEWAY_RATE_LIMIT": "-1", // the load is one machine's callers; the limit has its own tests

		"DIRECTORY_ADDR": dirAddrs, "EVENT_ADDR": eventAddrs, "REFERRAL_ADDR": ref.addr})
	gw.start(t)
	base := "http://" + gw.addr
	waitHealthz(t, base)
	r1 := seed(t, base)

	// A steady unary load, one caller per kind of call: reads of the directory and of the event
	// service through the gateway, and bookings (idempotent, so repeatable; one caller, since
	// concurrent changes of one referral are refused with ABORTED by design) that go
	// gateway → referral → event.
	load := []struct {
		method, path, body string
		who                []string
	}{
		{"GET", "/v1/organizations/chc", "", nil},
		{"GET", "/v1/events/tea/sessions/s1", "", nil},
		{"POST", "/v1/" + r1 + ":bookEvent", `{"session": "events/tea/sessions/s1"}`, as(linkWorkerID)},
	}
	var (
		ok       atomic.Int64
		mu       sync.Mutex
		failures []string
		stop     = make(chan struct{})
		wg       sync.WaitGroup
	)
	client := &http.Client{Timeout: 30 * time.Second}
	for _, c := range load {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				code, body := rest(t, client, c.method, base+c.path, c.body, c.who...)
				if code == http.StatusOK {
					ok.Add(1)
					continue
				}
				mu.Lock()
				failures = append(failures, fmt.Sprintf("%s %s at %s: %d %s", c.method, c.path,
					time.Now().Format("15:04:05.000"), code, strings.TrimSpace(body)))
				mu.Unlock()
			}
		})
	}
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	}()

	restart := func(s *service, name string) {
		t.Helper()
		before := ok.Load()
		s.proc.terminate(t, 15*time.Second)
		s.start(t)
		waitHealth(t, s.addr, name, healthpb.HealthCheckResponse_SERVING, 60*time.Second)
		// Move on only once the clients use the new process again, as a rollout waits for
		// readiness; otherwise the next restart could take down the only replica in use.
		if !testenv.Poll(30*time.Second, func() bool {
			n, _ := scrape(t, s.metrics, "grpc_server_handled_total", `grpc_service="`+name+`"`)
			return n > 0
		}) {
			t.Fatalf("%s: no call reached the restarted replica within 30s", s.label)
		}
		t.Logf("restarted %s; %d calls succeeded meanwhile", s.label, ok.Load()-before)
	}
	// The restarts happen under load, and the load goes on after them: wait for calls to succeed.
	succeed := func(when string) {
		t.Helper()
		n := ok.Load()
		testenv.Eventually(t, 30*time.Second, "30 calls succeeding "+when, func() bool { return ok.Load() >= n+30 })
	}
	succeed("before the restarts")
	for _, d := range dirs {
		restart(d, directoryService)
	}
	for _, e := range events {
		restart(e, eventService)
	}
	succeed("after the restarts")
	close(stop)
	wg.Wait()

	if len(failures) > 0 {
		t.Errorf("%d of %d calls failed during the rolling restart:\n%s", len(failures), int(ok.Load())+len(failures),
			strings.Join(failures[:min(len(failures), 20)], "\n"))
	}
	if ok.Load() < 100 {
		t.Errorf("only %d calls succeeded: the load was not steady enough to show anything", ok.Load())
	}
	t.Logf("%d calls succeeded, %d failed", ok.Load(), len(failures))
}
