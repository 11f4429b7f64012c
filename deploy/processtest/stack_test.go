package processtest

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// gRPC service names, as the health service reports them.
const (
	directoryService = "socialrx.directory.v1.DirectoryService"
	eventService     = "socialrx.event.v1.EventService"
	referralService  = "socialrx.referral.v1.ReferralService"
)

// Database timeouts of the services under test: calls must fail within a small multiple of them.
const (
	serverSelectionTimeout = time.Second
	operationTimeout       = 2 * time.Second
)

// database is the embedded database in its own process, on a fixed address and folder so that
// it can be stopped and started again with its data.
type database struct {
	addr, dir string
	proc      *proc
}

func startDatabase(t *testing.T) *database {
	t.Helper()
	db := &database{addr: freeAddr(t), dir: t.TempDir()}
	db.start(t)
	return db
}

func (db *database) uri() string { return "mongodb://" + db.addr + "/" }

func (db *database) start(t *testing.T) {
	t.Helper()
	db.proc = start(t, "embeddeddb", "embeddeddb", nil, "-data-dir", db.dir, "-addr", db.addr)
	if !testenv.Poll(30*time.Second, func() bool { return strings.Contains(db.log(), "mongodb://") }) {
		t.Fatalf("embedded database did not start: %s", db.log())
	}
}

func (db *database) log() string {
	w := db.proc.cmd.Stdout.(*lockedBuffer)
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// service is one replica of a service or the gateway.
type service struct {
	label, binary string
	addr, metrics string // gRPC (or HTTP) and /metrics addresses
	env           map[string]string
	proc          *proc
}

// newService prepares a replica of binary whose listen address is read from addrEnv.
func newService(t *testing.T, label, binary, addrEnv string, env map[string]string) *service {
	s := &service{label: label, binary: binary, addr: freeAddr(t), metrics: freeAddr(t), env: maps.Clone(env)}
	s.env[addrEnv] = s.addr
	s.env["METRICS_ADDR"] = s.metrics
	return s
}

func (s *service) start(t *testing.T) { s.proc = start(t, s.label, s.binary, s.env) }

// serviceEnv is what every service replica of the tests is given: they accept tokens of the
// test issuer (on loopback in the test process), and the referral service has its own client.
func serviceEnv(t *testing.T, db *database) map[string]string {
	in := testenv.TestIssuer(t)
	return map[string]string{
		"OIDC_ISSUER":                      in.Issuer(),
		"REFERRAL_OIDC_CLIENT_ID":          testenv.ReferralClientID,
		"REFERRAL_OIDC_CLIENT_SECRET":      in.ReferralSecret,
		"MONGODB_URI":                      db.uri(),
		"MONGODB_SERVER_SELECTION_TIMEOUT": serverSelectionTimeout.String(),
		"MONGODB_TIMEOUT":                  operationTimeout.String(),
		"DRAIN_PERIOD":                     "1s",
		"SHUTDOWN_TIMEOUT":                 "5s",
		"LOG_LEVEL":                        "info",
	}
}

func with(env map[string]string, kv ...string) map[string]string {
	out := maps.Clone(env)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// startServing starts s and waits until it reports SERVING for name.
func (s *service) startServing(t *testing.T, name string) {
	t.Helper()
	s.start(t)
	waitHealth(t, s.addr, name, healthpb.HealthCheckResponse_SERVING, 60*time.Second)
}

// The callers of the tests, and the Authorization header each sends.
var (
	adminID      = auth.Identity{Subject: "practitioners/admin", Roles: []string{auth.RoleDirectoryAdmin}}
	hostID       = auth.Identity{Subject: "practitioners/host", Organization: "organizations/chc", Roles: []string{auth.RoleEventHost}}
	moderatorID  = auth.Identity{Subject: "practitioners/mod", Roles: []string{auth.RoleModerator}}
	clinicianID  = auth.Identity{Subject: "practitioners/dr-lee", Organization: "organizations/chc", Roles: []string{auth.RoleClinician}}
	linkWorkerID = auth.Identity{Subject: "practitioners/lw", Organization: "organizations/chc", Roles: []string{auth.RoleLinkWorker}}
)

func as(id auth.Identity) []string { return []string{"Authorization", "Bearer " + testenv.Bearer(id)} }

// rest calls the gateway at base and returns the status code and body.
func rest(t *testing.T, client *http.Client, method, url, body string, headers ...string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// mustREST is rest that fails the test unless the call returns 200.
func mustREST(t *testing.T, method, url, body string, headers ...string) string {
	t.Helper()
	code, raw := rest(t, http.DefaultClient, method, url, body, headers...)
	if code != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, url, code, raw)
	}
	return raw
}

// seed creates, through the gateway, what a booking needs: a centre with a clinician and a link
// worker, a published event with a session, and a referral in progress, whose name it returns.
func seed(t *testing.T, base string) string {
	t.Helper()
	mustREST(t, "POST", base+"/v1/organizations?organizationId=chc", `{"displayName": "Riverdale CHC"}`, as(adminID)...)
	mustREST(t, "POST", base+"/v1/practitioners?practitionerId=dr-lee", `{"organization": "organizations/chc", "givenName": "Sam", "familyName": "Lee", "role": "PRACTITIONER_ROLE_CLINICIAN"}`, as(adminID)...)
	mustREST(t, "POST", base+"/v1/practitioners?practitionerId=lw", `{"organization": "organizations/chc", "givenName": "Amara", "familyName": "Osei", "role": "PRACTITIONER_ROLE_LINK_WORKER"}`, as(adminID)...)
	mustREST(t, "POST", base+"/v1/events?eventId=tea", `{"title": "Tea and talk", "category": "EVENT_CATEGORY_STORYTELLING_CIRCLE",
		"hostOrganization": "organizations/chc", "onlineUrl": "https://meet.example.org/tea"}`, as(hostID)...)
	begin := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	mustREST(t, "POST", base+"/v1/events/tea/sessions?sessionId=s1", `{"startTime": "`+begin.Format(time.RFC3339)+`", "endTime": "`+
		begin.Add(time.Hour).Format(time.RFC3339)+`", "timeZone": "America/Toronto", "capacity": 5}`, as(hostID)...)
	mustREST(t, "POST", base+"/v1/events/tea:submit", `{}`, as(hostID)...)
	mustREST(t, "POST", base+"/v1/events/tea:publish", `{}`, as(moderatorID)...)
	grant := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	created := mustREST(t, "POST", base+"/v1/referrals?requestId=r1", `{"subject": {"givenName": "Margaret", "familyName": "Okafor", "dateOfBirth": "1948-03-14"},
		"consent": {"grantedBy": "subject", "grantTime": "`+grant+`", "scope": ["share-with-link-worker", "share-with-event-hosts"]},
		"referringPractitioner": "practitioners/dr-lee", "referringOrganization": "organizations/chc",
		"receivingOrganization": "organizations/chc", "needs": ["NEED_LONELINESS"]}`, as(clinicianID)...)
	var referral struct{ Name string }
	if err := json.Unmarshal([]byte(created), &referral); err != nil || referral.Name == "" {
		t.Fatalf("created referral %s: %v", created, err)
	}
	r1 := base + "/v1/" + referral.Name
	mustREST(t, "POST", r1+":submit", `{}`, as(clinicianID)...)
	mustREST(t, "POST", r1+":accept", `{"assignee": "practitioners/lw"}`, as(linkWorkerID)...)
	mustREST(t, "POST", r1+":start", `{}`, as(linkWorkerID)...)
	return referral.Name
}
