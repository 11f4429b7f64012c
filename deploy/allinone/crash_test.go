package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// The whole system, as the all-in-one binary on its embedded database, is killed (SIGKILL to its
// process group) at a random moment of a load of referrals taken through their lifecycle, event
// bookings, cancellations and public registrations, then restarted on the same data, ten times.
// After each restart, before any retry, once the reconciler has run: nothing acknowledged is
// lost, no booking is left pending, and the referrals and the event service agree (a recorded
// live booking has a live registration, and every live registration of a referral is recorded
// by it: no orphan seat); the session is never over capacity. Then the call each worker had in
// flight is retried once, and none is refused with 409 (ABORTED or ALREADY_EXISTS).
func TestCrashCycles(t *testing.T) {
	const cycles, workers, capacity = 10, 6, 20
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	t.Logf("seed %d", seed)

	dir := t.TempDir()
	bin := filepath.Join(dir, "socialrx")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the all-in-one: %v\n%s", err, out)
	}
	sys := &system{t: t, bin: bin, data: filepath.Join(dir, "data"), log: filepath.Join(dir, "log")}
	issuer := testenv.TestIssuer(t)
	sys.env = []string{"SOCIALRX_DATA_DIR=" + sys.data, "SOCIALRX_NO_DEMO=true", "LOG_LEVEL=error",
		"REFERRAL_RECONCILE_INTERVAL=200ms", "REFERRAL_RECONCILE_GRACE=1s", "REFERRAL_EVENT_POLL=100ms",
		// The test's own issuer (on loopback in this process) instead of the development provider.
		"OIDC_ISSUER=" + issuer.Issuer(), "REFERRAL_OIDC_CLIENT_ID=" + testenv.ReferralClientID,
		"REFERRAL_OIDC_CLIENT_SECRET=" + issuer.ReferralSecret}
	for _, env := range []string{"EMBEDDED_DB_ADDR", "DIRECTORY_GRPC_ADDR", "EVENT_GRPC_ADDR", "REFERRAL_GRPC_ADDR", "GATEWAY_HTTP_ADDR", "METRICS_ADDR"} {
		sys.env = append(sys.env, env+"="+freeAddr(t))
	}

	sys.start()
	defer sys.kill()
	session := sys.setup(capacity)
	load := newLoad(session, workers)
	for cycle := range cycles {
		ctx, stop := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() { defer wg.Done(); load.referrals(ctx, sys, w) }()
		}
		wg.Add(1)
		go func() { defer wg.Done(); load.registrations(ctx, sys) }()
		time.Sleep(time.Duration(150+rng.IntN(750)) * time.Millisecond) // a crash at a moment no code chose
		sys.kill()
		stop()
		wg.Wait()

		sys.start()
		t.Logf("cycle %d: killed with in flight: %s", cycle, load.inFlight())
		// Before any retry: what the crash left half done is the reconciler's to finish.
		if problems := sys.agree(load, capacity); len(problems) > 0 {
			t.Fatalf("cycle %d, after reconciliation:\n%s", cycle, strings.Join(problems, "\n"))
		}
		if n := load.retry(sys); n > 0 {
			t.Errorf("cycle %d: %d first retries after the restart were refused with 409", cycle, n)
		}
		t.Logf("cycle %d: %d referrals, %d bookings, %d public registrations acknowledged so far",
			cycle, len(load.refs), load.bookings(), len(load.public))
	}
	if problems := sys.agree(load, capacity); len(problems) > 0 {
		t.Fatalf("at the end:\n%s", strings.Join(problems, "\n"))
	}
}

// system is the all-in-one process under test.
type system struct {
	t              *testing.T
	bin, data, log string
	env            []string
	cmd            *exec.Cmd

	dir      directoryv1.DirectoryServiceClient
	events   eventv1.EventServiceClient
	referral referralv1.ReferralServiceClient
	conns    []*grpc.ClientConn
}

// listenEnvs are the all-in-one's listen addresses, fresh for every start.
var listenEnvs = []string{"EMBEDDED_DB_ADDR", "DIRECTORY_GRPC_ADDR", "EVENT_GRPC_ADDR", "REFERRAL_GRPC_ADDR", "GATEWAY_HTTP_ADDR"}

// freeAddr is a loopback address that is free now, below the kernel's ephemeral port range so
// that the machine's outgoing connections do not take it before the all-in-one binds it.
func freeAddr(t *testing.T) string {
	t.Helper()
	for range 100 {
		addr := fmt.Sprintf("127.0.0.1:%d", 20000+rand.IntN(12000))
		if l, err := net.Listen("tcp", addr); err == nil {
			l.Close()
			return addr
		}
	}
	t.Fatal("no free port")
	return ""
}

// addr is the latest value of env.
func (s *system) addr(env string) string {
	for _, kv := range slices.Backward(s.env) {
		if v, ok := strings.CutPrefix(kv, env+"="); ok {
			return v
		}
	}
	s.t.Fatalf("no %s", env)
	return ""
}

// start runs the binary in its own process group, on fresh ports, and waits until it says it
// is running. A port taken by another process in the meantime is given up for others.
func (s *system) start() {
	s.t.Helper()
	for attempt := 0; ; attempt++ {
		for _, env := range listenEnvs {
			s.env = append(s.env, env+"="+freeAddr(s.t))
		}
		log, ok := s.run()
		if ok {
			break
		}
		if attempt < 3 && strings.Contains(log, "address already in use") {
			continue
		}
		s.t.Fatalf("the all-in-one stopped before it was ready:\n%s", log)
	}
	dial := func(env string) *grpc.ClientConn {
		conn, err := grpc.NewClient(s.addr(env), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			s.t.Fatal(err)
		}
		s.conns = append(s.conns, conn)
		return conn
	}
	s.dir = directoryv1.NewDirectoryServiceClient(dial("DIRECTORY_GRPC_ADDR"))
	s.events = eventv1.NewEventServiceClient(dial("EVENT_GRPC_ADDR"))
	s.referral = referralv1.NewReferralServiceClient(dial("REFERRAL_GRPC_ADDR"))
}

// run starts the binary and reports whether it became ready; if not, it returns what it logged.
func (s *system) run() (string, bool) {
	s.t.Helper()
	out, err := os.Create(s.log)
	if err != nil {
		s.t.Fatal(err)
	}
	defer out.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		s.t.Fatal(err)
	}
	cmd := exec.Command(s.bin)
	cmd.Env = append(os.Environ(), s.env...)
	cmd.Stdout, cmd.Stderr = pw, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	pw.Close()
	ready := make(chan bool, 2)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "socialrx is running") {
				ready <- true
			}
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if ok {
			s.cmd = cmd
			return "", true
		}
		_ = cmd.Wait()
		b, _ := os.ReadFile(s.log)
		return string(b), false
	case <-time.After(60 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		s.t.Fatal("the all-in-one was not ready within a minute")
		return "", false
	}
}

// kill sends SIGKILL to the whole process group and reaps the process.
func (s *system) kill() {
	if s.cmd == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	_ = s.cmd.Wait()
	s.cmd = nil
	for _, c := range s.conns {
		_ = c.Close()
	}
	s.conns = nil
}

// The callers of the test, with tokens of the test issuer the all-in-one is pointed at.
var (
	adminID      = auth.Identity{Subject: "practitioners/admin", Roles: []string{auth.RoleDirectoryAdmin}}
	hostID       = auth.Identity{Subject: "practitioners/host", Organization: "organizations/chc", Roles: []string{auth.RoleEventHost}}
	moderatorID  = auth.Identity{Subject: "practitioners/mod", Roles: []string{auth.RoleModerator}}
	clinicianID  = auth.Identity{Subject: "practitioners/dr-lee", Organization: "organizations/clinic", Roles: []string{auth.RoleClinician}}
	linkWorkerID = auth.Identity{Subject: "practitioners/lw", Organization: "organizations/chc", Roles: []string{auth.RoleLinkWorker}}
	serviceID    = auth.Identity{Subject: "services/crash-test", Roles: []string{auth.RoleService}}
)

func as(ctx context.Context, id auth.Identity) context.Context { return testenv.WithIdentity(ctx, id) }

func call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, 10*time.Second)
}

// setup makes the clinic, the centre, their practitioners and a published session.
func (s *system) setup(capacity int32) string {
	t := s.t
	t.Helper()
	ctx, cancel := call(context.Background())
	defer cancel()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	admin, host := as(ctx, adminID), as(ctx, hostID)
	must(s.dir.CreateOrganization(admin, &directoryv1.CreateOrganizationRequest{OrganizationId: "clinic", Organization: &directoryv1.Organization{DisplayName: "Family Health Team"}}))
	must(s.dir.CreateOrganization(admin, &directoryv1.CreateOrganizationRequest{OrganizationId: "chc", Organization: &directoryv1.Organization{DisplayName: "Riverdale CHC", MemberCentre: true}}))
	must(s.dir.CreatePractitioner(admin, &directoryv1.CreatePractitionerRequest{PractitionerId: "dr-lee", Practitioner: &directoryv1.Practitioner{
		Organization: "organizations/clinic", GivenName: "Lee", FamilyName: "Doctor", Role: directoryv1.PractitionerRole_PRACTITIONER_ROLE_CLINICIAN}}))
	must(s.dir.CreatePractitioner(admin, &directoryv1.CreatePractitionerRequest{PractitionerId: "lw", Practitioner: &directoryv1.Practitioner{
		Organization: "organizations/chc", GivenName: "Amara", FamilyName: "Worker", Role: directoryv1.PractitionerRole_PRACTITIONER_ROLE_LINK_WORKER}}))
	ev, err := s.events.CreateEvent(host, &eventv1.CreateEventRequest{EventId: "tea", Event: &eventv1.Event{Title: "Tea and talk",
		Category: eventv1.EventCategory_EVENT_CATEGORY_STORYTELLING_CIRCLE, HostOrganization: "organizations/chc", OnlineUrl: "https://meet.example.org/tea"}})
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now().Add(48 * time.Hour)
	ss, err := s.events.CreateSession(host, &eventv1.CreateSessionRequest{Parent: ev.GetName(), SessionId: "s1", Session: &eventv1.Session{
		StartTime: timestamppb.New(begin), EndTime: timestamppb.New(begin.Add(2 * time.Hour)), TimeZone: "America/Toronto", Capacity: capacity}})
	if err != nil {
		t.Fatal(err)
	}
	must(s.events.SubmitEvent(host, &eventv1.SubmitEventRequest{Name: ev.GetName()}))
	must(s.events.PublishEvent(as(ctx, moderatorID), &eventv1.PublishEventRequest{Name: ev.GetName()}))
	return ss.GetName()
}

// The steps each referral goes through; odd referrals are cancelled after booking.
const (
	stepCreate = iota
	stepSubmit
	stepAccept
	stepStart
	stepBook
	stepCancel
)

var stepNames = []string{"create", "submit", "accept", "start", "book", "cancel"}

// ref is what the test was told about one referral.
type ref struct {
	n     int
	name  string
	acked int    // last acknowledged step, -1 before the create
	reg   string // the registration of the acknowledged booking
}

func (r *ref) last() int {
	if r.n%2 == 0 {
		return stepBook
	}
	return stepCancel
}

// load is the bounded load and what it was told.
type load struct {
	session string
	mu      sync.Mutex
	refs    []*ref
	next    int
	current []*ref // per worker: the referral in hand
	inPub   int    // the public registration in flight, -1 if none
	public  map[int]string
}

func newLoad(session string, workers int) *load {
	return &load{session: session, current: make([]*ref, workers), inPub: -1, public: map[int]string{}}
}

func (l *load) bookings() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.refs {
		if r.reg != "" {
			n++
		}
	}
	return n
}

// do runs step of r; it returns the call's error.
func (l *load) do(ctx context.Context, s *system, r *ref, step int) error {
	ctx, cancel := call(ctx)
	defer cancel()
	c := s.referral
	var out *referralv1.Referral
	var err error
	// The clinician creates, sends and cancels; the link worker takes it on and books.
	if step == stepAccept || step == stepStart || step == stepBook {
		ctx = as(ctx, linkWorkerID)
	} else {
		ctx = as(ctx, clinicianID)
	}
	switch step {
	case stepCreate:
		out, err = c.CreateReferral(ctx, &referralv1.CreateReferralRequest{RequestId: fmt.Sprintf("crash-referral-%d", r.n), Referral: &referralv1.Referral{
			Subject: &referralv1.Subject{GivenName: fmt.Sprintf("Person%d", r.n), FamilyName: "Crash", DateOfBirth: "1950-01-02",
				Email: fmt.Sprintf("person%d@example.org", r.n)},
			Consent:               &referralv1.Consent{GrantedBy: "subject", GrantTime: timestamppb.Now(), Scope: []string{"share-with-event-hosts"}},
			ReferringPractitioner: "practitioners/dr-lee", ReferringOrganization: "organizations/clinic",
			ReceivingOrganization: "organizations/chc", Needs: []referralv1.Need{referralv1.Need_NEED_LONELINESS},
			Priority: referralv1.Priority_PRIORITY_ROUTINE,
		}})
	case stepSubmit:
		out, err = c.SubmitReferral(ctx, &referralv1.SubmitReferralRequest{Name: r.name})
	case stepAccept:
		out, err = c.AcceptReferral(ctx, &referralv1.AcceptReferralRequest{Name: r.name, Assignee: "practitioners/lw"})
	case stepStart:
		out, err = c.StartReferral(ctx, &referralv1.StartReferralRequest{Name: r.name})
	case stepBook:
		out, err = c.BookEvent(ctx, &referralv1.BookEventRequest{Name: r.name, Session: l.session})
	case stepCancel:
		out, err = c.CancelReferral(ctx, &referralv1.CancelReferralRequest{Name: r.name, Reason: "moved away"})
	}
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	r.acked = step
	if step == stepCreate {
		r.name = out.GetName()
	}
	if step == stepBook {
		for _, b := range out.GetBookings() {
			if b.GetSession() == l.session && (b.GetState() == "CONFIRMED" || b.GetState() == "WAITLISTED") {
				r.reg = b.GetRegistration()
			}
		}
	}
	return nil
}

// referrals takes referrals through their steps until ctx ends or a call fails (the process
// died); the referral in hand, with its unacknowledged step, is left for retry.
func (l *load) referrals(ctx context.Context, s *system, w int) {
	for ctx.Err() == nil {
		l.mu.Lock()
		r := l.current[w]
		if r == nil || r.acked == r.last() {
			r = &ref{n: l.next, acked: -1}
			l.next++
			l.refs = append(l.refs, r)
			l.current[w] = r
		}
		step := r.acked + 1
		l.mu.Unlock()
		err := l.do(ctx, s, r, step)
		if status.Code(err) == codes.FailedPrecondition && ctx.Err() == nil {
			err = l.resync(ctx, s, r) // the step was applied, its answer lost in a crash
		}
		if err != nil {
			return
		}
	}
}

// resync learns from the stored referral which steps were applied: one whose call was cut off
// by a crash may have been.
func (l *load) resync(ctx context.Context, s *system, r *ref) error {
	ctx, cancel := call(ctx)
	defer cancel()
	got, err := s.referral.GetReferral(as(ctx, clinicianID), &referralv1.GetReferralRequest{Name: r.name})
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	done := statusRank[got.GetStatus()]
	if done == stepBook {
		done = stepStart
		for _, b := range got.GetBookings() {
			if b.GetSession() == l.session && (b.GetState() == "CONFIRMED" || b.GetState() == "WAITLISTED") {
				done, r.reg = stepBook, b.GetRegistration()
			}
		}
	}
	r.acked = max(r.acked, done)
	return nil
}

// registrations makes public registrations at the session until ctx ends or a call fails.
func (l *load) registrations(ctx context.Context, s *system) {
	for ctx.Err() == nil {
		l.mu.Lock()
		if l.inPub < 0 {
			l.inPub = len(l.public)
		}
		n := l.inPub
		l.mu.Unlock()
		if err := l.register(ctx, s, n); err != nil {
			return
		}
		time.Sleep(20 * time.Millisecond) // leave the machine to the referral workers, mostly
	}
}

func (l *load) register(ctx context.Context, s *system, n int) error {
	ctx, cancel := call(ctx)
	defer cancel()
	reg, err := s.events.CreateRegistration(ctx, &eventv1.CreateRegistrationRequest{Parent: l.session, RequestId: fmt.Sprintf("crash-public-%d", n),
		Registration: &eventv1.Registration{Person: &eventv1.Person{GivenName: fmt.Sprintf("Public%d", n), Email: fmt.Sprintf("public%d@example.org", n)}}})
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.public[n] = reg.GetName()
	l.inPub = -1
	return nil
}

// inFlight names the calls that were in flight at the kill.
func (l *load) inFlight() string {
	var out []string
	for _, r := range l.current {
		if r != nil && r.acked < r.last() {
			out = append(out, stepNames[r.acked+1])
		}
	}
	if l.inPub >= 0 {
		out = append(out, "register")
	}
	return strings.Join(out, " ")
}

// retry repeats once, after a restart, every call that was in flight at the kill, and returns
// how many were refused with a code that HTTP maps to 409.
func (l *load) retry(s *system) int {
	refused := 0
	count := func(err error) {
		if c := status.Code(err); c == codes.Aborted || c == codes.AlreadyExists {
			s.t.Logf("first retry refused: %v", err)
			refused++
		}
	}
	ctx := context.Background()
	for _, r := range l.current {
		if r != nil && r.acked < r.last() {
			err := l.do(ctx, s, r, r.acked+1)
			count(err)
			if status.Code(err) == codes.FailedPrecondition {
				if err := l.resync(ctx, s, r); err != nil {
					s.t.Errorf("after a refused retry: %v", err)
				}
			}
		}
	}
	if l.inPub >= 0 {
		count(l.register(ctx, s, l.inPub))
	}
	return refused
}

// agree waits for the reconciler and returns what still disagrees after 20 s, if anything.
func (s *system) agree(l *load, capacity int) []string {
	var problems []string
	testenv.Poll(20*time.Second, func() bool {
		problems = s.check(l, capacity)
		return len(problems) == 0
	})
	return problems
}

var statusRank = map[referralv1.ReferralStatus]int{
	referralv1.ReferralStatus_REFERRAL_STATUS_DRAFT:       stepCreate,
	referralv1.ReferralStatus_REFERRAL_STATUS_REQUESTED:   stepSubmit,
	referralv1.ReferralStatus_REFERRAL_STATUS_ACCEPTED:    stepAccept,
	referralv1.ReferralStatus_REFERRAL_STATUS_IN_PROGRESS: stepBook, // started, and maybe booked
	referralv1.ReferralStatus_REFERRAL_STATUS_CANCELLED:   stepCancel,
}

func live(s eventv1.RegistrationState) bool {
	return s == eventv1.RegistrationState_REGISTRATION_STATE_CONFIRMED || s == eventv1.RegistrationState_REGISTRATION_STATE_WAITLISTED
}

func (s *system) check(l *load, capacity int) []string {
	ctx, cancel := call(context.Background())
	defer cancel()
	var problems []string
	report := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	// The event service's view, as a service sees it (with the referral of each registration).
	regs := map[string]*eventv1.Registration{}
	token := ""
	for {
		resp, err := s.events.ListRegistrations(as(ctx, serviceID), &eventv1.ListRegistrationsRequest{Parent: l.session, PageSize: 1000, PageToken: token})
		if err != nil {
			return []string{fmt.Sprintf("list registrations: %v", err)}
		}
		for _, r := range resp.GetRegistrations() {
			regs[r.GetName()] = r
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	confirmed := 0
	for _, r := range regs {
		if r.GetState() == eventv1.RegistrationState_REGISTRATION_STATE_CONFIRMED {
			confirmed++
		}
	}
	if confirmed > capacity {
		report("%d confirmed registrations for %d seats", confirmed, capacity)
	}
	for n, name := range l.public {
		if r, ok := regs[name]; !ok || !live(r.GetState()) {
			report("acknowledged public registration %d (%s) is missing or not live", n, name)
		}
	}
	// Each referral's view, against what was acknowledged and against the event service.
	recorded := map[string]bool{}
	for _, r := range l.refs {
		if r.name == "" {
			continue // its create was never acknowledged, and its retry did not answer
		}
		got, err := s.referral.GetReferral(as(ctx, clinicianID), &referralv1.GetReferralRequest{Name: r.name})
		if err != nil {
			report("%s (acknowledged %s): %v", r.name, stepNames[r.acked], err)
			continue
		}
		rank, ok := statusRank[got.GetStatus()]
		if !ok || rank < r.acked {
			report("%s is %v, but %s was acknowledged", r.name, got.GetStatus(), stepNames[r.acked])
		}
		hasReg := false
		for _, b := range got.GetBookings() {
			reg := regs[b.GetRegistration()]
			switch {
			case b.GetState() == "PENDING":
				report("%s keeps a pending booking", r.name)
			case b.GetState() == "CONFIRMED" || b.GetState() == "WAITLISTED":
				recorded[b.GetRegistration()] = true
				if reg == nil || !live(reg.GetState()) {
					report("%s records a live booking whose registration %s is not live", r.name, b.GetRegistration())
				}
			}
			hasReg = hasReg || (r.reg != "" && b.GetRegistration() == r.reg)
		}
		if r.reg != "" && !hasReg {
			report("%s lost its acknowledged booking %s", r.name, r.reg)
		}
		if r.acked == stepCancel && r.reg != "" && live(regs[r.reg].GetState()) {
			report("cancelled %s still holds %s", r.name, r.reg)
		}
	}
	for name, r := range regs {
		if r.GetReferral() != "" && live(r.GetState()) && !recorded[name] {
			report("orphan seat: %s of %s is live but not recorded", name, r.GetReferral())
		}
	}
	return problems
}
