package loadtest

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/socialrx/socialrx/gateway"
	"github.com/socialrx/socialrx/gateway/gatewaytest"
	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/directory"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/event/eventtest"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// The operations of the mix, with their weights.
var mix = []struct {
	op     string
	weight int
}{
	{"listing search", 40},
	{"directory search", 30},
	{"registration", 20},
	{"referral loop", 10},
}

// system is one deployment: replicas of each service, and a gateway in front of each set.
type system struct {
	dirs     []directoryv1.DirectoryServiceClient
	events   []eventv1.EventServiceClient
	refs     []referralv1.ReferralServiceClient
	gateways []string
	sessions []string // published sessions to register for and book
	stops    []func()
}

// stop stops every service of the deployment, so the next one has the machine to itself.
func (s *system) stop() {
	for _, stop := range s.stops {
		stop()
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func BenchmarkLoad(b *testing.B) {
	clients, secs := envInt("LOAD_CLIENTS", 16), envInt("LOAD_SECONDS", 10)
	type key struct {
		replicas int
		mode, op string
	}
	results := map[key]result{}
	for _, replicas := range []int{1, 2} {
		sys := deploy(b, replicas)
		for _, mode := range []string{"grpc", "rest"} {
			for op, r := range run(b, sys, mode, clients, time.Duration(secs)*time.Second) {
				results[key{replicas, mode, op}] = r
			}
		}
		sys.stop()
	}
	fmt.Printf("\n%d clients, %d s per run, operations mixed %v\n", clients, secs, mix)
	fmt.Printf("%-9s %-5s %-17s %7s %9s %9s %9s %9s\n", "replicas", "mode", "operation", "count", "ops/s", "p50 ms", "p95 ms", "p99 ms")
	for _, replicas := range []int{1, 2} {
		for _, mode := range []string{"grpc", "rest"} {
			for _, m := range mix {
				r := results[key{replicas, mode, m.op}]
				fmt.Printf("%-9d %-5s %-17s %7d %9.1f %9.2f %9.2f %9.2f\n", replicas, mode, m.op, r.count, r.rate, ms(r.p50), ms(r.p95), ms(r.p99))
			}
		}
	}
	fmt.Printf("\n%-17s %14s %14s %16s %16s\n", "operation", "REST/gRPC x1", "REST/gRPC x2", "2/1 replicas gRPC", "2/1 replicas REST")
	for _, m := range mix {
		ratio := func(a, b key) float64 { return results[a].rate / max(results[b].rate, 1e-9) }
		fmt.Printf("%-17s %14.2f %14.2f %16.2f %16.2f\n", m.op,
			ratio(key{1, "rest", m.op}, key{1, "grpc", m.op}), ratio(key{2, "rest", m.op}, key{2, "grpc", m.op}),
			ratio(key{2, "grpc", m.op}, key{1, "grpc", m.op}), ratio(key{2, "rest", m.op}, key{1, "rest", m.op}))
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// deploy starts replicas of each service (as deployed: default read staleness) over fresh
// databases, demo-like data, and a gateway per replica set.
func deploy(b *testing.B, replicas int) *system {
	ctx := context.Background()
	clock := testenv.NewClock(time.Now())
	dirDB, evDB, refDB := testenv.DatabaseName(b), testenv.DatabaseName(b), testenv.DatabaseName(b)
	sys := &system{}
	var dirAddrs, evAddrs []string
	for range replicas {
		d := directorytest.Start(b, directorytest.Options{Database: dirDB, Configure: func(c *directory.Config) { c.ReadStaleness = changefeed.DefaultStaleness }})
		dirAddrs = append(dirAddrs, d.Addr)
		sys.dirs = append(sys.dirs, d.Client)
		sys.stops = append(sys.stops, d.Stop)
	}
	for i := range replicas {
		e := eventtest.Start(b, eventtest.Options{Database: evDB, DirectoryAddr: dirAddrs[i], Now: clock.Now})
		evAddrs = append(evAddrs, e.Addr)
		sys.events = append(sys.events, e.Client)
		sys.stops = append(sys.stops, e.Stop)
	}
	for i := range replicas {
		r := referraltest.Start(b, referraltest.Options{Database: refDB, DirectoryAddr: dirAddrs[i], EventAddr: evAddrs[i]})
		sys.refs = append(sys.refs, r.Client)
		sys.stops = append([]func(){r.Stop}, sys.stops...)
		sys.gateways = append(sys.gateways, gatewaytest.Start(b, gateway.Config{DirectoryAddr: dirAddrs[i], EventAddr: evAddrs[i], ReferralAddr: r.Addr}))
	}
	dir, ev := sys.dirs[0], sys.events[0]
	admin, host := testenv.WithIdentity(ctx, loadAdmin), testenv.WithIdentity(ctx, loadHost)
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	for _, o := range []struct {
		id     string
		member bool
	}{{"clinic", false}, {"chc", true}} {
		_, err := dir.CreateOrganization(admin, &directoryv1.CreateOrganizationRequest{OrganizationId: o.id,
			Organization: &directoryv1.Organization{DisplayName: o.id, MemberCentre: o.member}})
		must(err)
	}
	for _, p := range []struct {
		id, org string
		role    directoryv1.PractitionerRole
	}{{"dr-lee", "organizations/clinic", directoryv1.PractitionerRole_PRACTITIONER_ROLE_CLINICIAN},
		{"lw-amara", "organizations/chc", directoryv1.PractitionerRole_PRACTITIONER_ROLE_LINK_WORKER}} {
		_, err := dir.CreatePractitioner(admin, &directoryv1.CreatePractitionerRequest{PractitionerId: p.id,
			Practitioner: &directoryv1.Practitioner{Organization: p.org, GivenName: "G", FamilyName: "F", Role: p.role}})
		must(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 300 {
		lat, lng := 43.5+rng.Float64()*0.4, -79.6+rng.Float64()*0.5
		loc, err := dir.CreateLocation(admin, &directoryv1.CreateLocationRequest{Location: &directoryv1.Location{
			Organization: "organizations/chc", DisplayName: fmt.Sprintf("Site %d", i), Latitude: &lat, Longitude: &lng}})
		must(err)
		kind := []string{"Nature walk", "Community garden", "Friendly calls", "Art group", "Café des aînés"}[i%5]
		_, err = dir.CreateService(admin, &directoryv1.CreateServiceRequest{Service: &directoryv1.Service{
			Organization: "organizations/chc", DisplayName: fmt.Sprintf("%s %d", kind, i), Description: "Company and activity: " + kind,
			Languages: []string{"en", "fr"}, Locations: []string{loc.GetName()}}})
		must(err)
	}
	mod := testenv.WithIdentity(ctx, auth.Identity{Subject: "practitioners/load-moderator", Roles: []string{auth.RoleModerator}})
	for i := range 100 {
		lat, lng := 43.5+rng.Float64()*0.4, -79.6+rng.Float64()*0.5
		e, err := ev.CreateEvent(host, &eventv1.CreateEventRequest{EventId: fmt.Sprintf("e%d", i), Event: &eventv1.Event{
			Title: fmt.Sprintf("Walk and talk %d", i), Description: "A gentle walk in the park.", HostOrganization: "organizations/chc",
			Category: eventv1.EventCategory(1 + i%10),
			Venue: &eventv1.Venue{Place: &eventv1.Venue_Address{Address: &eventv1.PlaceAddress{
				Address_1: "1 Main St", City: "Toronto", Latitude: lat, Longitude: lng}}}}})
		must(err)
		begin := clock.Now().Add(24 * time.Hour)
		ss, err := ev.CreateSession(host, &eventv1.CreateSessionRequest{Parent: e.GetName(), SessionId: "s", Session: &eventv1.Session{
			StartTime: timestamppb.New(begin), EndTime: timestamppb.New(begin.Add(2 * time.Hour)), TimeZone: "America/Toronto", Capacity: 10000}})
		must(err)
		_, err = ev.SubmitEvent(host, &eventv1.SubmitEventRequest{Name: e.GetName()})
		must(err)
		_, err = ev.PublishEvent(mod, &eventv1.PublishEventRequest{Name: e.GetName()})
		must(err)
		sys.sessions = append(sys.sessions, ss.GetName())
	}
	clock.Advance(23 * time.Hour) // check-in opens two hours before the start
	return sys
}

// result is the measure of one operation in one run.
type result struct {
	count         int
	rate          float64
	p50, p95, p99 time.Duration
}

var seq atomic.Int64

// run drives the mix from clients goroutines for d, each client on one replica (round robin).
func run(b *testing.B, sys *system, mode string, clients int, d time.Duration) map[string]result {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var mu sync.Mutex
	lat := map[string][]time.Duration{}
	var wg sync.WaitGroup
	var failed atomic.Value
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 7))
			w := worker{sys: sys, replica: c % len(sys.dirs), mode: mode, rng: rng}
			for ctx.Err() == nil {
				op := pick(rng)
				t := time.Now()
				if err := w.do(op); err != nil {
					if ctx.Err() == nil {
						failed.Store(fmt.Errorf("%s %s: %w", mode, op, err))
						cancel()
					}
					return
				}
				mu.Lock()
				lat[op] = append(lat[op], time.Since(t))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	out := map[string]result{}
	for op, l := range lat {
		slices.Sort(l)
		at := func(p float64) time.Duration { return l[int(p*float64(len(l)-1))] }
		out[op] = result{count: len(l), rate: float64(len(l)) / elapsed.Seconds(), p50: at(0.5), p95: at(0.95), p99: at(0.99)}
	}
	return out
}

func pick(rng *rand.Rand) string {
	total := 0
	for _, m := range mix {
		total += m.weight
	}
	n := rng.IntN(total)
	for _, m := range mix {
		if n < m.weight {
			return m.op
		}
		n -= m.weight
	}
	return mix[0].op
}

// worker is one client.
type worker struct {
	sys     *system
	replica int
	mode    string
	rng     *rand.Rand
}

func (w *worker) do(op string) error {
	ctx := context.Background()
	lat, lng := 43.5+w.rng.Float64()*0.4, -79.6+w.rng.Float64()*0.5
	session := w.sys.sessions[w.rng.IntN(len(w.sys.sessions))]
	n := seq.Add(1)
	if w.mode == "rest" {
		base := w.sys.gateways[w.replica]
		switch op {
		case "listing search":
			return get(base + "/v1/events:search?" + url.Values{"near.latitude": {fmt.Sprint(lat)}, "near.longitude": {fmt.Sprint(lng)},
				"near.radiusMeters": {"5000"}, "query": {"walk"}, "pageSize": {"20"}}.Encode())
		case "directory search":
			return get(base + "/v1/services:search?" + url.Values{"query": {"cafe"}, "near.latitude": {fmt.Sprint(lat)},
				"near.longitude": {fmt.Sprint(lng)}, "near.radiusMeters": {"10000"}, "pageSize": {"20"}}.Encode())
		case "registration":
			return testenv.PostJSON(auth.Anonymous, base+"/v1/"+session+"/registrations", fmt.Sprintf(`{"person": {"givenName": "P", "email": "l%d@example.org"}}`, n), nil)
		}
		return w.restLoop(base, session, n)
	}
	switch op {
	case "listing search":
		_, err := w.sys.events[w.replica].SearchEvents(ctx, &eventv1.SearchEventsRequest{Query: "walk", PageSize: 20,
			Near: &eventv1.GeoCircle{Latitude: lat, Longitude: lng, RadiusMeters: 5000}})
		return err
	case "directory search":
		_, err := w.sys.dirs[w.replica].SearchServices(ctx, &directoryv1.SearchServicesRequest{Query: "cafe", PageSize: 20,
			Near: &directoryv1.GeoCircle{Latitude: lat, Longitude: lng, RadiusMeters: 10000}})
		return err
	case "registration":
		_, err := w.sys.events[w.replica].CreateRegistration(ctx, &eventv1.CreateRegistrationRequest{Parent: session,
			Registration: &eventv1.Registration{Person: &eventv1.Person{GivenName: "P", Email: fmt.Sprintf("l%d@example.org", n)}}})
		return err
	}
	return w.grpcLoop(ctx, session, n)
}

// The callers of the load: who sets it up, who refers, who takes referrals on.
var (
	loadAdmin      = auth.Identity{Subject: "practitioners/load-admin", Roles: []string{auth.RoleDirectoryAdmin}}
	loadHost       = auth.Identity{Subject: "practitioners/load-host", Organization: "organizations/chc", Roles: []string{auth.RoleEventHost}}
	loadClinician  = auth.Identity{Subject: "practitioners/dr-lee", Organization: "organizations/clinic", Roles: []string{auth.RoleClinician}}
	loadLinkWorker = auth.Identity{Subject: "practitioners/lw-amara", Organization: "organizations/chc", Roles: []string{auth.RoleLinkWorker}}
)

func (w *worker) grpcLoop(ctx context.Context, session string, n int64) error {
	c := w.sys.refs[w.replica]
	clin, lw := testenv.WithIdentity(ctx, loadClinician), testenv.WithIdentity(ctx, loadLinkWorker)
	r, err := c.CreateReferral(clin, &referralv1.CreateReferralRequest{Referral: &referralv1.Referral{
		Subject:               &referralv1.Subject{GivenName: "P", FamilyName: "Q", DateOfBirth: "1950-01-01", Email: fmt.Sprintf("r%d@example.org", n)},
		Consent:               &referralv1.Consent{GrantedBy: "subject", GrantTime: timestamppb.New(time.Now().Add(-time.Minute)), Scope: []string{"share-with-event-hosts"}},
		ReferringPractitioner: "practitioners/dr-lee", ReferringOrganization: "organizations/clinic", ReceivingOrganization: "organizations/chc",
		Needs: []referralv1.Need{referralv1.Need_NEED_LONELINESS}}})
	if err != nil {
		return err
	}
	if _, err := c.SubmitReferral(clin, &referralv1.SubmitReferralRequest{Name: r.GetName()}); err != nil {
		return err
	}
	if _, err := c.AcceptReferral(lw, &referralv1.AcceptReferralRequest{Name: r.GetName(), Assignee: "practitioners/lw-amara"}); err != nil {
		return err
	}
	if _, err := c.StartReferral(lw, &referralv1.StartReferralRequest{Name: r.GetName()}); err != nil {
		return err
	}
	booked, err := c.BookEvent(lw, &referralv1.BookEventRequest{Name: r.GetName(), Session: session})
	if err != nil {
		return err
	}
	host := testenv.WithIdentity(ctx, loadHost)
	if _, err := w.sys.events[w.replica].CheckInRegistration(host, &eventv1.CheckInRegistrationRequest{Name: booked.GetBookings()[0].GetRegistration()}); err != nil {
		return err
	}
	_, err = c.CompleteReferral(lw, &referralv1.CompleteReferralRequest{Name: r.GetName()})
	return err
}

func (w *worker) restLoop(base, session string, n int64) error {
	var created map[string]any
	body := fmt.Sprintf(`{"subject": {"givenName": "P", "familyName": "Q", "dateOfBirth": "1950-01-01", "email": "r%d@example.org"},
		"consent": {"grantedBy": "subject", "grantTime": "%s", "scope": ["share-with-event-hosts"]},
		"referringPractitioner": "practitioners/dr-lee", "referringOrganization": "organizations/clinic",
		"receivingOrganization": "organizations/chc", "needs": ["NEED_LONELINESS"]}`, n, time.Now().Add(-time.Minute).UTC().Format(time.RFC3339))
	if err := testenv.PostJSON(loadClinician, base+"/v1/referrals", body, &created); err != nil {
		return err
	}
	name, _ := created["name"].(string)
	for _, step := range []struct {
		who        auth.Identity
		verb, body string
	}{
		{loadClinician, "submit", `{}`}, {loadLinkWorker, "accept", `{"assignee": "practitioners/lw-amara"}`}, {loadLinkWorker, "start", `{}`},
	} {
		if err := testenv.PostJSON(step.who, base+"/v1/"+name+":"+step.verb, step.body, nil); err != nil {
			return err
		}
	}
	var booked struct {
		Bookings []struct {
			Registration string `json:"registration"`
		} `json:"bookings"`
	}
	if err := testenv.PostJSON(loadLinkWorker, base+"/v1/"+name+":bookEvent", `{"session": "`+session+`"}`, &booked); err != nil {
		return err
	}
	if len(booked.Bookings) == 0 {
		return fmt.Errorf("book %s: no booking", name)
	}
	if err := testenv.PostJSON(loadHost, base+"/v1/"+booked.Bookings[0].Registration+":checkIn", `{}`, nil); err != nil {
		return err
	}
	return testenv.PostJSON(loadLinkWorker, base+"/v1/"+name+":complete", `{}`, nil)
}

func get(u string) error {
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s %s", u, resp.Status, raw)
	}
	return nil
}
