package processtest

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// stack is one replica of every service and the gateway on one database.
type stack struct {
	db                             *database
	directory, event, referral, gw *service
	base                           string
}

func startStack(t *testing.T) *stack { return startStackWith(t) }

// startStackWith is startStack with more environment (name, value, ...) for the referral
// service.
func startStackWith(t *testing.T, referralEnv ...string) *stack {
	t.Helper()
	s := &stack{db: startDatabase(t)}
	env := serviceEnv(t, s.db)
	s.directory = newService(t, "directory", "directory", "DIRECTORY_GRPC_ADDR", env)
	s.directory.startServing(t, directoryService)
	s.event = newService(t, "event", "event", "EVENT_GRPC_ADDR", with(env, "DIRECTORY_ADDR", s.directory.addr))
	s.event.startServing(t, eventService)
	s.referral = newService(t, "referral", "referral", "REFERRAL_GRPC_ADDR",
		with(with(env, "DIRECTORY_ADDR", s.directory.addr, "EVENT_ADDR", s.event.addr), referralEnv...))
	s.referral.startServing(t, referralService)
	s.gw = newService(t, "gateway", "gateway", "GATEWAY_HTTP_ADDR", map[string]string{
		"GATEWAY_RATE_LIMIT": "-1", // the load is one machine's callers; the limit has its own tests

		"DIRECTORY_ADDR": s.directory.addr, "EVENT_ADDR": s.event.addr, "REFERRAL_ADDR": s.referral.addr})
	s.gw.start(t)
	s.base = "http://" + s.gw.addr
	waitHealthz(t, s.base)
	return s
}

func dial(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// When the database goes away every service reports NOT_SERVING within two seconds, calls fail
// with UNAVAILABLE within their timeouts instead of hanging, and when it comes back everything
// serves again without a restart.
func TestDatabaseOutageIsReportedFailsFastAndRecovers(t *testing.T) {
	s := startStack(t)
	r1 := seed(t, s.base)
	directory := directoryv1.NewDirectoryServiceClient(dial(t, s.directory.addr))
	events := eventv1.NewEventServiceClient(dial(t, s.event.addr))
	referrals := referralv1.NewReferralServiceClient(dial(t, s.referral.addr))
	calls := map[string]func(ctx context.Context) error{
		"directory GetOrganization": func(ctx context.Context) error {
			_, err := directory.GetOrganization(ctx, &directoryv1.GetOrganizationRequest{Name: "organizations/chc"})
			return err
		},
		"event GetEvent": func(ctx context.Context) error {
			_, err := events.GetEvent(ctx, &eventv1.GetEventRequest{Name: "events/tea"})
			return err
		},
		"referral GetReferral": func(ctx context.Context) error {
			_, err := referrals.GetReferral(ctx, &referralv1.GetReferralRequest{Name: r1})
			return err
		},
	}
	for name, call := range calls {
		if err := call(testenv.WithIdentity(context.Background(), linkWorkerID)); err != nil {
			t.Fatalf("%s before the outage: %v", name, err)
		}
	}

	s.db.proc.kill()
	lost := time.Now()

	// Readiness: each service says NOT_SERVING within 2 s of losing its database.
	pending := map[string]string{s.directory.addr: directoryService, s.event.addr: eventService, s.referral.addr: referralService}
	testenv.Poll(10*time.Second-time.Since(lost), func() bool {
		for addr, name := range pending {
			if st, err := health(addr, name); err == nil && st == healthpb.HealthCheckResponse_NOT_SERVING {
				took := time.Since(lost)
				t.Logf("%s NOT_SERVING %s after the database went away", name, took.Round(time.Millisecond))
				if took > 2*time.Second {
					t.Errorf("%s said NOT_SERVING %s after the database went away, want within 2s", name, took.Round(time.Millisecond))
				}
				delete(pending, addr)
			}
		}
		return len(pending) == 0
	})
	for _, name := range pending {
		t.Errorf("%s still SERVING 10s after the database went away", name)
	}
	// Liveness is not readiness: nothing should restart a replica because its database is down.
	for _, addr := range []string{s.directory.addr, s.event.addr, s.referral.addr} {
		if st, err := health(addr, "liveness"); err != nil || st != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("liveness at %s without a database: %s (err %v), want SERVING", addr, st, err)
		}
	}

	// Calls: UNAVAILABLE, and well before a client's patience runs out. The bound is the
	// configured timeouts twice over: a correctness bound, not a speed target.
	bound := 2 * (serverSelectionTimeout + operationTimeout)
	for name, call := range calls {
		ctx, cancel := context.WithTimeout(testenv.WithIdentity(context.Background(), linkWorkerID), 30*time.Second)
		begin := time.Now()
		err := call(ctx)
		took := time.Since(begin)
		cancel()
		t.Logf("%s without a database: %s in %s", name, status.Code(err), took.Round(time.Millisecond))
		if status.Code(err) != codes.Unavailable {
			t.Errorf("%s without a database: %v, want UNAVAILABLE", name, err)
		}
		if took > bound {
			t.Errorf("%s without a database took %s, want under %s", name, took.Round(time.Millisecond), bound)
		}
	}
	begin := time.Now()
	code, body := rest(t, &http.Client{Timeout: 30 * time.Second}, "GET", s.base+"/v1/organizations/chc", "")
	if took := time.Since(begin); code != http.StatusServiceUnavailable || took > bound {
		t.Errorf("GET /v1/organizations/chc without a database: %d in %s, want 503 under %s: %s", code, took.Round(time.Millisecond), bound, body)
	}
	if code, body := rest(t, http.DefaultClient, "GET", s.base+"/healthz", ""); code != http.StatusServiceUnavailable {
		t.Errorf("gateway /healthz without a database: %d %s, want 503", code, body)
	}

	// Recovery, without restarting anything.
	s.db.start(t)
	for _, svc := range []struct{ addr, name string }{{s.directory.addr, directoryService}, {s.event.addr, eventService}, {s.referral.addr, referralService}} {
		waitHealth(t, svc.addr, svc.name, healthpb.HealthCheckResponse_SERVING, 30*time.Second)
	}
	for name, call := range calls {
		if err := call(testenv.WithIdentity(context.Background(), linkWorkerID)); err != nil {
			t.Errorf("%s after the database came back: %v", name, err)
		}
	}
	mustREST(t, "GET", s.base+"/healthz", "")
	mustREST(t, "POST", s.base+"/v1/organizations?organizationId=after-outage", `{"displayName": "Opened after the outage"}`, as(adminID)...)
	booked := mustREST(t, "POST", s.base+"/v1/"+r1+":bookEvent", `{"session": "events/tea/sessions/s1"}`, as(linkWorkerID)...)
	if !strings.Contains(booked, "BUSINESS_STATUS_EVENT_BOOKED") {
		t.Errorf("booking after the outage: %s", booked)
	}
}
