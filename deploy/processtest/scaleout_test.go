package processtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	"github.com/socialrx/socialrx/services/platform/headers"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// scaleOutHeading heads the README's section that adds a replica of every part to `make run`.
const scaleOutHeading = "### A second replica of every part beside `make run`"

// makeRunAddrs are the all-in-one's default listen addresses, by the variable that moves each;
// the embedded database's is 127.0.0.1:27017.
var makeRunAddrs = map[string]string{
	"DEV_IDP_ADDR":        "127.0.0.1:8081",
	"DIRECTORY_GRPC_ADDR": "127.0.0.1:9090",
	"EVENT_GRPC_ADDR":     "127.0.0.1:9091",
	"REFERRAL_GRPC_ADDR":  "127.0.0.1:9092",
	"GATEWAY_HTTP_ADDR":   "127.0.0.1:8080",
	"METRICS_ADDR":        "127.0.0.1:9464",
}

const makeRunDatabase = "127.0.0.1:27017"

// ports gives each fixed loopback address of `make run` and the README a free one, the same
// wherever it appears, so the test runs beside anything else on the machine.
type ports map[string]string

func (p ports) of(t *testing.T, addr string) string {
	if _, ok := p[addr]; !ok {
		p[addr] = freeAddr(t)
	}
	return p[addr]
}

var loopbackAddr = regexp.MustCompile(`127\.0\.0\.1:\d+`)

func (p ports) rewrite(t *testing.T, s string) string {
	return loopbackAddr.ReplaceAllStringFunc(s, func(a string) string { return p.of(t, a) })
}

// readmeBlock returns the first sh block after heading in README.md.
func readmeBlock(t *testing.T, heading string) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), heading+"\n")
	if !ok {
		t.Fatalf("README.md has no section %q", heading)
	}
	_, block, ok := strings.Cut(section, "```sh\n")
	if !ok {
		t.Fatalf("README.md's section %q has no sh block", heading)
	}
	block, _, _ = strings.Cut(block, "```")
	return block
}

var goRun = regexp.MustCompile(`go run \./(\S+)`)

// Following the README's stand-alone section as written (other ports aside), a second replica of
// every part and a second gateway join a running all-in-one and are healthy; a referral goes
// round its loop through the second gateway; a replica whose token is refused says so; and when
// the database stops and comes back, every part turns NOT_SERVING and back without a restart
// and no acknowledged write is lost. Inside the all-in-one the embedded database cannot be
// stopped alone, so here it runs as its own process (deploy/embeddeddb, with SOCIALRX_DEV_IDP).
func TestREADMEScaleOutBesideMakeRun(t *testing.T) {
	began := time.Now()
	step := func(what string) { t.Logf("%s after %s", what, time.Since(began).Round(100*time.Millisecond)) }
	p := ports{}
	work := t.TempDir()
	db := &database{addr: p.of(t, makeRunDatabase), dir: t.TempDir()}
	db.start(t)
	step("the binaries are built and the database runs")

	env := map[string]string{"MONGODB_URI": db.uri(), "SOCIALRX_DEV_IDP": "true"}
	for k, addr := range makeRunAddrs {
		env[k] = p.of(t, addr)
	}
	aio := exec.Command(binary(t, "allinone"))
	aio.Dir = work
	all := startCmd(t, "allinone", aio, env)
	if !testenv.Poll(90*time.Second, func() bool { return strings.Contains(all.output(), "socialrx is running") }) {
		t.Fatalf("the all-in-one did not start:\n%s", all.output())
	}
	step("the all-in-one runs")
	secretFile := filepath.Join("data", "dev-idp", "socialrx-referral.secret")
	if !strings.Contains(all.output(), secretFile) {
		t.Errorf("the all-in-one does not say where the referral client's secret is (%s):\n%s", secretFile, all.output())
	}
	if info, err := os.Stat(filepath.Join(work, secretFile)); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v, mode %v; want a file of mode 0600", secretFile, err, info.Mode().Perm())
	}

	// The README's block, as a reader pastes it, with the binaries built once.
	block := p.rewrite(t, readmeBlock(t, scaleOutHeading))
	script := goRun.ReplaceAllStringFunc(block, func(m string) string { return binary(t, path.Base(strings.TrimPrefix(m, "go run ./"))) })
	sh := exec.Command("bash", "-c", script+"\nwait\n")
	sh.Dir = work
	sh.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	startCmd(t, "README block", sh, nil)
	grpcAddrs := regexp.MustCompile(`-grpc-addr (\S+)`).FindAllStringSubmatch(block, -1)
	httpAddrs := regexp.MustCompile(`-http-addr (\S+)`).FindAllStringSubmatch(block, -1)
	if len(grpcAddrs) != 3 || len(httpAddrs) != 1 {
		t.Fatalf("the README's block starts %d services and %d gateways, want 3 and 1:\n%s", len(grpcAddrs), len(httpAddrs), block)
	}
	parts := []struct{ label, addr, service string }{
		{"all-in-one directory", p.of(t, makeRunAddrs["DIRECTORY_GRPC_ADDR"]), directoryService},
		{"all-in-one event", p.of(t, makeRunAddrs["EVENT_GRPC_ADDR"]), eventService},
		{"all-in-one referral", p.of(t, makeRunAddrs["REFERRAL_GRPC_ADDR"]), referralService},
		{"second directory", grpcAddrs[0][1], directoryService},
		{"second event", grpcAddrs[1][1], eventService},
		{"second referral", grpcAddrs[2][1], referralService},
	}
	gateways := []string{"http://" + p.of(t, makeRunAddrs["GATEWAY_HTTP_ADDR"]), "http://" + httpAddrs[0][1]}
	for _, part := range parts {
		waitHealth(t, part.addr, part.service, healthpb.HealthCheckResponse_SERVING, 60*time.Second)
	}
	for _, gw := range gateways {
		waitHealthz(t, gw)
	}

	step("every replica and both gateways serve")
	issuer := "http://" + p.of(t, makeRunAddrs["DEV_IDP_ADDR"])
	admin, clinician, linkWorker := devToken(t, issuer, "li-na-chen"), devToken(t, issuer, "tomasz-kowalczyk"), devToken(t, issuer, "anneliese-wong")

	// A replica whose own token is refused says which dependency and why, in its health check
	// and its log.
	badAddr := freeAddr(t)
	bad := start(t, "referral with a wrong secret", "referral", map[string]string{
		"MONGODB_URI": db.uri(), "OIDC_ISSUER": issuer, "REFERRAL_OIDC_CLIENT_ID": "socialrx-referral",
		"REFERRAL_OIDC_CLIENT_SECRET": "not-the-secret", "DIRECTORY_ADDR": parts[0].addr, "EVENT_ADDR": parts[1].addr,
		"REFERRAL_GRPC_ADDR": badAddr, "METRICS_ADDR": freeAddr(t)})
	var reason string
	if !testenv.Poll(30*time.Second, func() bool {
		st, why, err := healthReason(badAddr, referralService)
		reason = why
		return err == nil && st == healthpb.HealthCheckResponse_NOT_SERVING && strings.HasPrefix(why, "oidc_token: ")
	}) {
		t.Errorf("a referral replica with a wrong secret: health reason %q, want one naming oidc_token", reason)
	}
	if !strings.Contains(reason, "socialrx-referral") {
		t.Errorf("the reason %q does not name the client", reason)
	}
	if !testenv.Poll(5*time.Second, func() bool { return strings.Contains(bad.output(), `"dependency":"oidc_token"`) }) {
		t.Errorf("the log of a referral replica with a wrong secret does not name the dependency:\n%s", tail(bad.output(), 10))
	}
	bad.kill()
	step("a replica with a wrong secret said why")

	// A referral goes round its loop through the second gateway, and the first sees it.
	second := gateways[1]
	grant := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	created := mustREST(t, "POST", second+"/v1/referrals?requestId=scale-out-margaret", `{"subject": {"givenName": "Margaret", "familyName": "Okafor", "dateOfBirth": "1948-03-14"},
		"consent": {"grantedBy": "subject", "grantTime": "`+grant+`", "scope": ["share-with-link-worker", "share-with-event-hosts"]},
		"referringPractitioner": "practitioners/tomasz-kowalczyk", "referringOrganization": "organizations/riverdale-chc",
		"receivingOrganization": "organizations/riverdale-chc", "needs": ["NEED_LONELINESS"]}`, bearer(clinician)...)
	var referral struct{ Name string }
	if err := json.Unmarshal([]byte(created), &referral); err != nil || referral.Name == "" {
		t.Fatalf("created referral %s: %v", created, err)
	}
	r := "/v1/" + referral.Name
	mustREST(t, "POST", second+r+":submit", `{}`, bearer(clinician)...)
	mustREST(t, "POST", second+r+":accept", `{"assignee": "practitioners/anneliese-wong"}`, bearer(linkWorker)...)
	mustREST(t, "POST", second+r+":start", `{}`, bearer(linkWorker)...)
	booked := mustREST(t, "POST", second+r+":bookEvent", `{"session": "events/riverdale-art-afternoon/sessions/day-1"}`, bearer(linkWorker)...)
	if !strings.Contains(booked, "BUSINESS_STATUS_EVENT_BOOKED") {
		t.Fatalf("booking through the second gateway: %s", booked)
	}
	if got := mustREST(t, "GET", gateways[0]+r, "", bearer(clinician)...); !strings.Contains(got, "BUSINESS_STATUS_EVENT_BOOKED") {
		t.Fatalf("the first gateway's view of the booked referral: %s", got)
	}

	step("a referral went round its loop")
	// Writes through both gateways go on while the database stops and comes back.
	w := startWriter(gateways, admin)
	defer w.stop()
	w.waitAcks(t, 5, "before the outage")

	db.proc.kill()
	for _, part := range parts {
		waitHealth(t, part.addr, part.service, healthpb.HealthCheckResponse_NOT_SERVING, 10*time.Second)
		if _, why, _ := healthReason(part.addr, part.service); !strings.Contains(why, "mongodb: ") {
			t.Errorf("%s without its database: reason %q, want one naming mongodb", part.label, why)
		}
	}
	for _, gw := range gateways {
		code, body := rest(t, http.DefaultClient, "GET", gw+"/healthz", "")
		if code != http.StatusServiceUnavailable || !strings.Contains(body, "mongodb: ") {
			t.Errorf("%s/healthz without a database: %d %s; want 503 naming mongodb", gw, code, body)
		}
	}

	step("every part NOT_SERVING")
	db.start(t)
	for _, part := range parts {
		waitHealth(t, part.addr, part.service, healthpb.HealthCheckResponse_SERVING, 30*time.Second)
	}
	for _, gw := range gateways {
		waitHealthz(t, gw)
	}
	step("every part serving again")
	w.waitAcks(t, 5, "after the outage")
	acked := w.stop()
	t.Logf("%d writes acknowledged across the outage, %d refused", len(acked), w.refused)
	for i, id := range acked {
		if code, body := rest(t, http.DefaultClient, "GET", gateways[i%2]+"/v1/organizations/"+id, ""); code != http.StatusOK {
			t.Errorf("acknowledged organizations/%s after the outage: %d %s", id, code, body)
		}
	}
	if got := mustREST(t, "GET", second+r, "", bearer(clinician)...); !strings.Contains(got, "BUSINESS_STATUS_EVENT_BOOKED") {
		t.Errorf("the booked referral after the outage: %s", got)
	}
}

func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

// devToken gets a demo user's token from the development provider, as the README's curl does.
func devToken(t *testing.T, issuer, user string) string {
	t.Helper()
	resp, err := http.PostForm(issuer+"/dev/token", url.Values{"user": {user}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("token for %s: %d %s", user, resp.StatusCode, b)
	}
	return string(b)
}

// healthReason returns the gRPC health of service at addr and why it is not serving.
func healthReason(addr, service string) (healthpb.HealthCheckResponse_ServingStatus, string, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return 0, "", err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var trailer metadata.MD
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: service}, grpc.Trailer(&trailer))
	return resp.GetStatus(), strings.Join(trailer.Get(headers.NotServingReason), "; "), err
}

// writer creates organisations through the gateways in turn and keeps the ids of those whose
// creation was acknowledged.
type writer struct {
	mu      sync.Mutex
	acked   []string
	refused int
	done    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once
}

func startWriter(gateways []string, token string) *writer {
	w := &writer{done: make(chan struct{})}
	client := &http.Client{Timeout: 15 * time.Second}
	w.wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-w.done:
				return
			case <-time.After(50 * time.Millisecond):
			}
			id := fmt.Sprintf("acknowledged-%d", i)
			req, _ := http.NewRequest("POST", gateways[i%len(gateways)]+"/v1/organizations?organizationId="+id,
				strings.NewReader(`{"displayName": "Written across an outage"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := client.Do(req)
			ok := err == nil && resp.StatusCode == http.StatusOK
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			w.mu.Lock()
			if ok {
				w.acked = append(w.acked, id)
			} else {
				w.refused++
			}
			w.mu.Unlock()
		}
	})
	return w
}

// waitAcks waits for n more acknowledged writes.
func (w *writer) waitAcks(t *testing.T, n int, when string) {
	t.Helper()
	w.mu.Lock()
	want := len(w.acked) + n
	w.mu.Unlock()
	testenv.Eventually(t, 30*time.Second, fmt.Sprintf("%d writes acknowledged %s", n, when), func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return len(w.acked) >= want
	})
}

// stop ends the writes and returns the acknowledged ids.
func (w *writer) stop() []string {
	w.once.Do(func() { close(w.done) })
	w.wg.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.acked...)
}
