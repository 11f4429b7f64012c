package web_test

import (
	"bytes"
	"context"
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/socialrx/socialrx/services/platform/testenv"
)

// makeRun starts the all-in-one as `make run` does (go run ./deploy/allinone: the embedded
// database, the services, the gateway, the development OpenID provider and the demo data, in a
// fresh folder), on free ports, and returns the web app's address as it prints it.
func makeRun(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "socialrx")
	build := exec.Command("go", "build", "-o", bin, "./deploy/allinone")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the all-in-one: %v\n%s", err, out)
	}
	// A port found free may be taken by another process before the all-in-one binds it: then
	// start again on other ports.
	for attempt := 1; ; attempt++ {
		out, exited := startAllInOne(t, bin)
		running := testenv.Poll(2*time.Minute, func() bool {
			select {
			case <-exited:
				return true
			default:
				return strings.Contains(out.String(), "socialrx is running")
			}
		})
		if running && strings.Contains(out.String(), "socialrx is running") {
			m := regexp.MustCompile(`(?m)^web app\s+(http://\S+?)/?$`).FindStringSubmatch(out.String())
			if m == nil {
				t.Fatalf("the all-in-one does not print the web app's address:\n%s", out.String())
			}
			return m[1]
		}
		if attempt < 3 && strings.Contains(out.String(), "address already in use") {
			continue
		}
		t.Fatalf("the all-in-one did not start:\n%s", out.String())
	}
}

// startAllInOne runs bin in a fresh folder with every listen address on a free loopback port;
// exited closes when it ends.
func startAllInOne(t *testing.T, bin string) (out *syncBuffer, exited <-chan struct{}) {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Dir = t.TempDir() // its ./data, as under make run
	cmd.Env = append(cmd.Environ(), "LOG_LEVEL=error")
	for _, v := range []string{"EMBEDDED_DB_ADDR", "DIRECTORY_GRPC_ADDR", "EVENT_GRPC_ADDR", "REFERRAL_GRPC_ADDR",
		"GATEWAY_HTTP_ADDR", "METRICS_ADDR", "DEV_IDP_ADDR"} {
		cmd.Env = append(cmd.Env, v+"="+loopbackAddr(t))
	}
	out = &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
	return out, done
}

func loopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The walkthrough finds what it presses by the words the README gives, as a reader would.

// findJS marks with data-walk the first link, button, summary or label whose visible words are
// (or begin with) the words asked for, inside the smallest section, card, row or fieldset whose
// words include within ("" for the whole page); it answers whether there is one.
const findJS = `((words, within) => {
	const norm = s => s.replace(/\s+/g, " ").trim();
	document.querySelectorAll("[data-walk]").forEach(e => e.removeAttribute("data-walk"));
	const all = [...document.querySelectorAll("a, button, summary, label")].filter(e => e.getClientRects().length > 0);
	// The smallest sections, cards, rows and fieldsets that say within: a question's answers,
	// not those of the whole questionnaire.
	const boxes = [...document.querySelectorAll("section, li, tr, fieldset, details, .card")].filter(c => norm(c.innerText).includes(within));
	const smallest = boxes.filter(c => !boxes.some(d => d !== c && c.contains(d)));
	const inside = e => !within || smallest.some(c => c.contains(e));
	const el = all.find(e => norm(e.innerText) === words && inside(e)) || all.find(e => norm(e.innerText).startsWith(words) && inside(e));
	if (!el) return false;
	el.setAttribute("data-walk", "");
	return true;
})`

func mark(t *testing.T, ctx context.Context, words, within string) {
	t.Helper()
	if !eval[bool](t, ctx, findJS+"("+jsString(words)+", "+jsString(within)+")") {
		t.Fatalf("the page has nothing to press that says %q (within %q); it says:\n%s", words, within, eval[string](t, ctx, "document.body.innerText"))
	}
}

// press presses what says words (inside what says within) and waits for the page it leads to.
func press(t *testing.T, ctx context.Context, words, within string) {
	t.Helper()
	mark(t, ctx, words, within)
	follow(t, ctx, "[data-walk]")
}

// pick clicks what says words (a label, a summary) on the page, which stays.
func pick(t *testing.T, ctx context.Context, words, within string) {
	t.Helper()
	mark(t, ctx, words, within)
	eval[bool](t, ctx, `(document.querySelector("[data-walk]").click(), true)`)
}

// fill types value into the field labelled label (a select chooses the option that says value).
func fill(t *testing.T, ctx context.Context, label, value string) {
	t.Helper()
	ok := eval[bool](t, ctx, `((label, value) => {
		const l = [...document.querySelectorAll("label")].find(l => l.innerText.replace(/\s+/g, " ").trim().startsWith(label));
		const f = l && document.getElementById(l.htmlFor);
		if (!f) return false;
		if (f.tagName === "SELECT") {
			const o = [...f.options].find(o => o.text.trim() === value || o.text.trim().startsWith(value));
			if (!o) return false;
			f.value = o.value;
		} else {
			f.value = value;
		}
		return true;
	})(`+jsString(label)+", "+jsString(value)+")")
	if !ok {
		t.Fatalf("the page has no field %q to fill with %q", label, value)
	}
}

// signIn goes from "Sign in" at the top of the page to the development provider and signs in
// as the demo person named.
func signIn(t *testing.T, ctx context.Context, base, name string) {
	t.Helper()
	visit(t, ctx, base+"/")
	press(t, ctx, "Sign in", "")
	press(t, ctx, name, "")
	if got := text(t, ctx, ".signed-in span"); got != "Signed in as "+name {
		t.Fatalf("after signing in as %s the page says %q", name, got)
	}
}

// followUpAndComplete records the follow-up loneliness questionnaire on the referral page that is open and
// completes the referral, as the README's steps 3 and 4 say.
func followUpAndComplete(t *testing.T, ctx context.Context, wantChange string) {
	t.Helper()
	pick(t, ctx, "Loneliness (UCLA 3-item scale)", "Outcome measures")
	pick(t, ctx, "Follow-up, after activities", "Loneliness (UCLA 3-item scale)")
	pick(t, ctx, "Hardly ever", "How often do you feel that you lack companionship?")
	pick(t, ctx, "Some of the time", "How often do you feel left out?")
	pick(t, ctx, "Hardly ever", "How often do you feel isolated from others?")
	press(t, ctx, "Record the answers", "Loneliness (UCLA 3-item scale)")
	if got := text(t, ctx, "#measure-results tbody tr:last-child .change"); got != wantChange {
		t.Fatalf("the change from the baseline: %q, want %s", got, wantChange)
	}
	press(t, ctx, "Complete", "Close the referral")
	if got := text(t, ctx, "#status"); got != "Completed" {
		t.Fatalf("the referral after completing is %q", got)
	}
}

// completedFor checks, signed in as the clinician, that "My referrals" shows the person's
// referral completed.
func completedFor(t *testing.T, ctx context.Context, base, person string) {
	t.Helper()
	signIn(t, ctx, base, "Tomasz Kowalczyk")
	press(t, ctx, "My referrals", "")
	if got := eval[string](t, ctx, `[...document.querySelectorAll("tr, li")].filter(e => e.innerText.includes(`+jsString(person)+`)).map(e => e.innerText).join(" | ")`); !strings.Contains(got, "Completed") {
		t.Fatalf("my referrals shows %s as %q", person, got)
	}
	press(t, ctx, "Sign out", "")
}

// The README's walkthrough "Close the loop on the booked referral", in its words, against the
// all-in-one as make run starts it, with only the demo data: the host checks Marguerite in at
// today's seed swap, the link worker sees it attended, records the follow-up and completes the
// referral, and the clinician sees it completed.
func TestBrowserREADMEWalkthroughBookedReferral(t *testing.T) {
	base := makeRun(t)
	ctx := newBrowser(t)
	viewport(t, ctx, 1280, 900)

	// 1. Beatriz Alvarado checks Marguerite in.
	signIn(t, ctx, base, "Beatriz Alvarado")
	press(t, ctx, "My events", "")
	press(t, ctx, "Seed Swap and Balcony Gardening", "")
	press(t, ctx, "Registrants and check-in", "")
	if n := eval[int](t, ctx, `[...document.querySelectorAll("main li, main tr")].filter(e => /^\s*\d*\.?\s*Odile/.test(e.innerText)).length`); n != 2 {
		t.Fatalf("the check-in list shows %d people called Odile; the README says two", n)
	}
	press(t, ctx, "Check in", "Marguerite")
	press(t, ctx, "Sign out", "")

	// 2. Anneliese Wong: "Worklist" → Marguerite Okafor, whose booking now says "Attended" and
	// whose timeline names the event and its time.
	signIn(t, ctx, base, "Anneliese Wong")
	press(t, ctx, "Worklist", "")
	press(t, ctx, "Marguerite Okafor", "")
	if got := text(t, ctx, "#booking-list"); !strings.Contains(got, "Attended") {
		t.Fatalf("the booking after the check-in: %q", got)
	}
	if got := text(t, ctx, "#timeline-list"); !strings.Contains(got, "Seed Swap and Balcony Gardening (") || strings.Contains(got, "events/") {
		t.Fatalf("the timeline does not name the event and its time: %q", got)
	}
	// 3 and 4. The follow-up questionnaire (her baseline in the demo is 7), then "Close the
	// referral" → "Complete".
	followUpAndComplete(t, ctx, "-3")
	press(t, ctx, "Sign out", "")
	completedFor(t, ctx, base, "Marguerite Okafor")
}

// The README's walkthrough "Or walk it from a new referral", step by step in its words, against
// the all-in-one as make run starts it, with only the demo data: a clinician refers, the link
// worker accepts, records the baseline and books today's seed swap, the host checks the person
// in, the referral shows it attended, and the link worker records the follow-up and completes it.
func TestBrowserREADMEWalkthrough(t *testing.T) {
	base := makeRun(t)
	ctx := newBrowser(t)
	viewport(t, ctx, 1280, 900)
	const given, family, whole = "Rosalind", "Mbeki", "Rosalind Mbeki"

	// 1. Tomasz Kowalczyk refers a person to Riverdale.
	signIn(t, ctx, base, "Tomasz Kowalczyk")
	press(t, ctx, "New social prescription", "")
	fill(t, ctx, "Given name", given)
	fill(t, ctx, "Family name", family)
	fill(t, ctx, "Date of birth", "1951-02-03")
	fill(t, ctx, "Preferred language", "English")
	pick(t, ctx, "The person", "Consent given by")
	pick(t, ctx, "Share their details with the link worker", "")
	pick(t, ctx, "Share their first name and needs with event hosts", "")
	pick(t, ctx, "Loneliness", "Needs")
	fill(t, ctx, "What matters to the person", "Gardening with others, now that her own garden is gone.")
	fill(t, ctx, "Link-worker organisation", "Riverdale")
	press(t, ctx, "Send the referral", "")
	if got := text(t, ctx, "#status"); got != "Requested" {
		t.Fatalf("the referral after sending is %q", got)
	}
	refPath := eval[string](t, ctx, `location.pathname`)
	press(t, ctx, "Sign out", "")

	// 2. Anneliese Wong accepts it from the top of her worklist, starts, records the baseline and
	// books today's seed swap.
	signIn(t, ctx, base, "Anneliese Wong")
	press(t, ctx, "Worklist", "")
	press(t, ctx, whole, "Requested to my organisation")
	press(t, ctx, "Accept", "")
	press(t, ctx, "Start: contact made", "")
	pick(t, ctx, "Loneliness (UCLA 3-item scale)", "Outcome measures")
	pick(t, ctx, "Often", "How often do you feel that you lack companionship?")
	pick(t, ctx, "Often", "How often do you feel left out?")
	pick(t, ctx, "Some of the time", "How often do you feel isolated from others?")
	press(t, ctx, "Record the answers", "Loneliness (UCLA 3-item scale)")
	press(t, ctx, "Book a place", "Seed Swap and Balcony Gardening")
	if got := text(t, ctx, "#booking-list"); !strings.Contains(got, "Seed Swap and Balcony Gardening") || !strings.Contains(got, "Place confirmed") {
		t.Fatalf("the bookings after booking: %q", got)
	}
	press(t, ctx, "Sign out", "")

	// 3. Beatriz Alvarado checks the person in at today's session.
	signIn(t, ctx, base, "Beatriz Alvarado")
	press(t, ctx, "My events", "")
	press(t, ctx, "Seed Swap and Balcony Gardening", "")
	press(t, ctx, "Registrants and check-in", "")
	press(t, ctx, "Check in", given)
	press(t, ctx, "Sign out", "")

	// Anneliese Wong sees it attended, records the follow-up and completes the referral.
	signIn(t, ctx, base, "Anneliese Wong")
	visit(t, ctx, base+refPath)
	if got := text(t, ctx, "#booking-list"); !strings.Contains(got, "Attended") {
		t.Fatalf("the booking after the check-in: %q", got)
	}
	followUpAndComplete(t, ctx, "-4")
	press(t, ctx, "Sign out", "")
	completedFor(t, ctx, base, whole)
}
