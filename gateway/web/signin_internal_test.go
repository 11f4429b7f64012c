package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/socialrx/socialrx/gateway/web/sessiondb"
	"github.com/socialrx/socialrx/services/platform/auth"
)

func TestExpiringIsBoundedAndDropsTheSoonestFirst(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	m := newExpiring[int](3)
	m.put("a", 1, now.Add(3*time.Minute), now)
	m.put("b", 2, now.Add(time.Minute), now)
	m.put("c", 3, now.Add(2*time.Minute), now)
	m.put("d", 4, now.Add(4*time.Minute), now)
	if m.len() != 3 {
		t.Fatalf("%d entries; want at most 3", m.len())
	}
	if _, found, _ := m.get("b", now); found {
		t.Fatal("the entry expiring soonest was kept when the map was full")
	}
	for _, k := range []string{"a", "c", "d"} {
		if _, found, live := m.get(k, now); !found || !live {
			t.Errorf("%s: found %v, live %v; want both", k, found, live)
		}
	}
	// An expired entry is still found (its subject guards a stashed form) but not live, and
	// is the first to go.
	later := now.Add(150 * time.Second)
	if v, found, live := m.get("c", later); !found || live || v != 3 {
		t.Fatalf("expired c: %v, found %v, live %v", v, found, live)
	}
	m.put("e", 5, later.Add(time.Hour), later)
	if _, found, _ := m.get("c", later); found {
		t.Fatal("an expired entry survived a put into a full map")
	}
	// take is once only, and never returns an expired value.
	if v, ok := m.take("a", later); !ok || v != 1 {
		t.Fatalf("take a: %v %v", v, ok)
	}
	if _, ok := m.take("a", later); ok {
		t.Fatal("a was taken twice")
	}
	if _, ok := m.take("d", now.Add(5*time.Minute)); ok {
		t.Fatal("an expired value was taken")
	}
}

func TestAFloodOfSignInsStaysBounded(t *testing.T) {
	now := time.Now()
	m := newExpiring[pendingSignIn](maxPending)
	for i := 0; i < 3*maxPending; i++ {
		m.put(fmt.Sprint(i), pendingSignIn{}, now.Add(signInLifetime), now)
	}
	if m.len() != maxPending {
		t.Fatalf("%d pending sign-ins kept; want %d", m.len(), maxPending)
	}
}

// newSignInHandler is a handler whose sign-in goes to a provider that is not running.
func newSignInHandler(t *testing.T) *Handler {
	t.Helper()
	conn, err := grpc.NewClient("127.0.0.1:9", grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	h, err := New(Config{LinkKey: strings.Repeat("k", 32), TimeZone: "America/Toronto", OIDCClientID: "web",
		Access: auth.OIDC{Issuer: "http://127.0.0.1:9", Audience: "socialrx"}},
		Backends{Directory: conn, Event: conn}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if h.signin == nil {
		t.Fatal("sign-in is off with an issuer and a client id")
	}
	return h
}

func TestFormPageIsTheNearestPageAbove(t *testing.T) {
	h := newSignInHandler(t)
	tests := map[string]string{
		"/host/events/new":                                      "/host/events/new",
		"/host/events/e1/edit":                                  "/host/events/e1/edit",
		"/host/events/e1/sessions":                              "/host/events/e1",
		"/host/events/e1/submit":                                "/host/events/e1",
		"/host/events/e1/sessions/s1/no-shows":                  "/host/events/e1/sessions/s1",
		"/host/events/e1/sessions/s1/registrations/r1/check-in": "/host/events/e1/sessions/s1",
		"/moderate/events/e1/reject":                            "/moderate",
		"/sign-out":                                             "/",
	}
	for post, want := range tests {
		if got := h.formPage(post); got != want {
			t.Errorf("formPage(%s) = %s; want %s", post, got, want)
		}
	}
}

// A form posted without a session is kept for the sign-in and given back once, on its page, to
// the person who posted it only.
func TestAStashedFormGoesBackOnceToWhoPostedIt(t *testing.T) {
	h := newSignInHandler(t)
	now := time.Now()
	nimmi := signedIn{person: Person{Subject: "practitioners/nimmi", Roles: []string{"event_host"}},
		token: &oauth2.Token{AccessToken: "t"}, started: now.Add(-2 * time.Hour)}
	h.signin.putTestSession(t, "old", nimmi, now.Add(-time.Minute)) // ended a minute ago

	post := httptest.NewRequest("POST", "/host/events/new", strings.NewReader(url.Values{
		"title": {"Tea and talk"}, "csrf": {"x"}, "s1_capacity": {"12"}}.Encode()))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	post.AddCookie(&http.Cookie{Name: sessionCookie, Value: "old"})
	if err := post.ParseForm(); err != nil {
		t.Fatal(err)
	}
	st := h.stashFor(t, post)
	if st.subject != nimmi.person.Subject || st.page != "/host/events/new" || st.values.Get("title") != "Tea and talk" {
		t.Fatalf("stashed %+v", st)
	}
	if st.values.Has("csrf") {
		t.Fatal("the CSRF token was stashed")
	}

	resume := func(path, key string, who signedIn) url.Values {
		h.signin.records.remove(t.Context(), sessiondb.Sessions, "new")
		h.signin.putTestSession(t, "new", who, now.Add(time.Hour))
		r := httptest.NewRequest("GET", path+"?resume="+url.QueryEscape(key), nil)
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: "new"})
		_, v := h.resumed(r)
		return v
	}
	key := h.stashAgain(st)
	beatriz := nimmi
	beatriz.person.Subject = "practitioners/beatriz"
	if v := resume("/host/events/new", key, beatriz); v != nil {
		t.Fatalf("another person got the form back: %v", v)
	}
	if v := resume("/host/events/new", key, nimmi); v != nil {
		t.Fatalf("a key was used twice: %v", v)
	}
	key = h.stashAgain(st)
	if v := resume("/moderate", key, nimmi); v != nil {
		t.Fatalf("the form came back on another page: %v", v)
	}
	key = h.stashAgain(st)
	if v := resume("/host/events/new", key, nimmi); v.Get("title") != "Tea and talk" || v.Get("s1_capacity") != "12" {
		t.Fatalf("the form came back as %v", v)
	}
}

// stashFor runs signInAgain for r (its redirect to the provider fails: none is running) and
// returns what it stashed.
func (h *Handler) stashFor(t *testing.T, r *http.Request) stashedForm {
	t.Helper()
	forms := h.signin.records.(*memoryRecords).kinds[sessiondb.Forms]
	before := forms.len()
	h.signInAgain(httptest.NewRecorder(), r)
	if forms.len() != before+1 {
		t.Fatalf("%d stashed forms, want %d", forms.len(), before+1)
	}
	kept := h.signin.keptForms(t)
	forms.mu.Lock()
	clear(forms.entries)
	forms.mu.Unlock()
	return kept[0]
}

func (h *Handler) stashAgain(st stashedForm) string {
	key := randomKey()
	if err := h.signin.putForm(context.Background(), key, st, time.Now().Add(stashLifetime)); err != nil {
		panic(err)
	}
	return key
}

func TestSignInSettingsAreChecked(t *testing.T) {
	for name, c := range map[string]Config{
		"WEB_OIDC_ISSUER":     {OIDCClientID: "web", OIDCIssuer: "idp.example.org"},
		"WEB_PUBLIC_URL":      {OIDCClientID: "web", OIDCIssuer: "https://idp.example.org", PublicURL: "https://events.example.org/app?x"},
		"WEB_SESSION_MAX_AGE": {OIDCClientID: "web", OIDCIssuer: "https://idp.example.org", SessionMaxAge: -time.Hour},
	} {
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v; want an error naming %s", name, err, name)
		}
	}
	if (Config{OIDCIssuer: "https://idp.example.org"}).SignIn() {
		t.Error("sign-in is on without a client id")
	}
	if !(Config{OIDCClientID: "web", Access: auth.OIDC{Issuer: "https://idp.example.org"}}).SignIn() {
		t.Error("sign-in is off with a client id and the services' issuer")
	}
}

// A callback is refused unless it carries the state of a sign-in this browser started: one
// started in another browser (login CSRF), a state used before, or none.
func TestACallbackNeedsThisBrowsersSignIn(t *testing.T) {
	h := newSignInHandler(t)
	now := time.Now()
	if err := h.signin.putPending(t.Context(), "state-1", pendingSignIn{back: "/host"}, now.Add(signInLifetime)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, query, cookie string
	}{
		{"no state", "code=c", "state-1"},
		{"no cookie", "state=state-1&code=c", ""},
		{"another browser's state", "state=state-1&code=c", "state-2"},
		{"a state nobody started", "state=state-2&code=c", "state-2"},
	}
	for _, tc := range tests {
		r := httptest.NewRequest("GET", "/callback?"+tc.query, nil)
		if tc.cookie != "" {
			r.AddCookie(&http.Cookie{Name: signInCookie, Value: tc.cookie})
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "Signing in did not work") {
			t.Errorf("%s: %d %q; want 400 explaining", tc.name, rec.Code, rec.Body.String())
		}
		for _, c := range rec.Result().Cookies() {
			if c.Name == sessionCookie && c.Value != "" {
				t.Errorf("%s: a session cookie was set", tc.name)
			}
		}
	}
	// The provider said no: refused, and the state is used up.
	r := httptest.NewRequest("GET", "/callback?state=state-1&error=access_denied", nil)
	r.AddCookie(&http.Cookie{Name: signInCookie, Value: "state-1"})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("an error from the provider: %d", rec.Code)
	}
	if _, err := h.signin.takePending(t.Context(), "state-1"); err == nil {
		t.Fatal("a state was left to use again")
	}
}

func TestOnlyLocalPathsToGoBackTo(t *testing.T) {
	for in, want := range map[string]string{"/host": "/host", "//evil.example": "/", "/\\evil.example": "/",
		"https://evil.example/": "/", "": "/", "/moderate?x=1": "/moderate?x=1"} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q; want %q", in, got, want)
		}
	}
}

// A session ends when its access token does, and at the latest maxAge after the sign-in.
func TestASessionEndsWithItsTokenOrItsMaximumAge(t *testing.T) {
	o := &oidcSignIn{maxAge: 8 * time.Hour}
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	jwt := func(exp time.Time) string {
		return "e30." + b64.EncodeToString([]byte(fmt.Sprintf(`{"exp":%d}`, exp.Unix()))) + ".sig"
	}
	tests := []struct {
		name   string
		expiry time.Time // from the token response's expires_in
		access string
		want   time.Time
	}{
		{"token for an hour", start.Add(time.Hour), jwt(start.Add(time.Hour)), start.Add(time.Hour)},
		{"exp sooner than expires_in", start.Add(time.Hour), jwt(start.Add(30 * time.Minute)), start.Add(30 * time.Minute)},
		{"no expires_in", time.Time{}, jwt(start.Add(2 * time.Hour)), start.Add(2 * time.Hour)},
		{"token longer than the maximum age", start.Add(24 * time.Hour), jwt(start.Add(24 * time.Hour)), start.Add(8 * time.Hour)},
		{"opaque token without expiry", time.Time{}, "opaque", start.Add(8 * time.Hour)},
	}
	for _, tc := range tests {
		s := signedIn{started: start, token: &oauth2.Token{AccessToken: tc.access, Expiry: tc.expiry}}
		if got := o.end(s, tc.access); !got.Equal(tc.want) {
			t.Errorf("%s: ends %s; want %s", tc.name, got, tc.want)
		}
	}
}

// putTestSession stores s as the session id, ending at end.
func (o *oidcSignIn) putTestSession(t *testing.T, id string, s signedIn, end time.Time) {
	t.Helper()
	s.end = end
	if err := o.createSession(t.Context(), id, s); err != nil {
		t.Fatal(err)
	}
}

// keptForms are the forms kept in memory.
func (o *oidcSignIn) keptForms(t *testing.T) []stashedForm {
	t.Helper()
	forms := o.records.(*memoryRecords).kinds[sessiondb.Forms]
	forms.mu.Lock()
	var keys []string
	for k := range forms.entries {
		keys = append(keys, k)
	}
	forms.mu.Unlock()
	var kept []stashedForm
	for _, k := range keys {
		r, _, _ := forms.get(k, o.now())
		var d formRecord
		if err := json.Unmarshal(r.Data, &d); err != nil {
			t.Fatal(err)
		}
		kept = append(kept, stashedForm{subject: d.Subject, action: d.Action, page: d.Page, values: d.Values})
	}
	return kept
}
