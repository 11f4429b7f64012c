package web

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/platform/apierror"
)

// newTestHandler builds the handler against backends that are not running: pages that need
// them explain that the service is unavailable.
func newTestHandler(t *testing.T) *Handler {
	t.Helper()
	conn, err := grpc.NewClient("127.0.0.1:9", grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	h, err := New(Config{LinkKey: strings.Repeat("k", 32), TimeZone: "America/Toronto"},
		Backends{Directory: conn, Event: conn}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestNewRefusesAShortLinkKey(t *testing.T) {
	_, err := New(Config{LinkKey: "short", TimeZone: "UTC"}, Backends{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil || !strings.Contains(err.Error(), "WEB_LINK_KEY") {
		t.Fatalf("error %v; want one naming WEB_LINK_KEY", err)
	}
}

func TestCancelToken(t *testing.T) {
	h := newTestHandler(t)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	h.now = func() time.Time { return now }
	link := privateLink{Registration: "events/e1/sessions/s1/registrations/r1", CancelToken: "svc-token-1",
		State: "WAITLISTED", Position: 2, At: now.Unix(), Expires: now.Add(time.Hour).Unix()}
	tok := h.cancelToken(link)
	if got, err := h.openCancelToken(tok); err != nil || got != link {
		t.Fatalf("open a fresh token: %+v, %v", got, err)
	}
	if strings.Contains(tok, "registrations/") || strings.Contains(tok, "svc-token-1") {
		t.Fatalf("the token shows the registration or its cancel token in clear: %s", tok)
	}
	body, sig, _ := strings.Cut(tok, ".")
	payload := mustDecode(t, body)
	resigned := func(from, to string) string {
		return b64.EncodeToString([]byte(strings.Replace(payload, from, to, 1))) + "." + sig
	}
	other := newSigner([]byte(strings.Repeat("k", 32)), "csrf")
	tests := []struct{ name, token string }{
		{"other registration, same signature", resigned(`registrations/r1"`, `registrations/r2"`)},
		{"later expiry, same signature", resigned(fmt.Sprint(link.Expires), "9999999999")},
		{"another state, same signature", resigned(`"WAITLISTED"`, `"CONFIRMED"`)},
		{"signature of another purpose", body + "." + b64.EncodeToString(other.sign(payload))},
		{"no signature", body},
		{"empty", ""},
		{"garbage", "!!!.???"},
		{"registration id alone", "r1"},
	}
	for _, tc := range tests {
		if got, err := h.openCancelToken(tc.token); err != ErrBadLink {
			t.Errorf("%s: opened as %+v, %v; want ErrBadLink", tc.name, got, err)
		}
	}
	// Signed, but not a registration or without the service's token: refused too.
	for _, bad := range []privateLink{
		{Registration: "events/e1/sessions/s1", CancelToken: "x", Expires: link.Expires},
		{Registration: link.Registration, Expires: link.Expires},
	} {
		if got, err := h.openCancelToken(h.cancelToken(bad)); err != ErrBadLink {
			t.Errorf("%+v: opened as %+v, %v; want ErrBadLink", bad, got, err)
		}
	}
	now = now.Add(time.Hour)
	if _, err := h.openCancelToken(tok); err != ErrBadLink {
		t.Errorf("expired token: %v; want ErrBadLink", err)
	}
}

func mustDecode(t *testing.T, s string) string {
	t.Helper()
	b, err := b64.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// csrfPair returns a CSRF cookie and its form token from a page of h.
func csrfPair(t *testing.T, h *Handler) (*http.Cookie, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/nope", nil)
	tok := h.csrf.token(rec, req, false)
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteLaxMode {
		t.Fatalf("CSRF cookie: %+v; want one HttpOnly SameSite=Lax cookie", cookies)
	}
	return cookies[0], tok
}

func TestCSRFGuardsEveryPost(t *testing.T) {
	h := newTestHandler(t)
	cookie, tok := csrfPair(t, h)
	_, otherTok := csrfPair(t, h)
	tests := []struct {
		name   string
		cookie bool
		token  string
		origin string
		want   int
	}{
		{"no cookie", false, tok, "", http.StatusForbidden},
		{"no token", true, "", "", http.StatusForbidden},
		{"token of another cookie", true, otherTok, "", http.StatusForbidden},
		{"another site's origin", true, tok, "https://evil.example", http.StatusForbidden},
		// The form reaches its handler, which refuses the link with 404.
		{"cookie and token", true, tok, "", http.StatusNotFound},
		{"cookie, token and this origin", true, tok, "http://example.com", http.StatusNotFound},
	}
	for _, tc := range tests {
		form := url.Values{"csrf": {tc.token}, "t": {"bad"}}
		req := httptest.NewRequest("POST", "/registration/cancel", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if tc.cookie {
			req.AddCookie(cookie)
		}
		if tc.origin != "" {
			req.Header.Set("Origin", tc.origin)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("%s: %d; want %d", tc.name, rec.Code, tc.want)
		}
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	h := newTestHandler(t)
	for _, path := range []string{"/", "/nope", "/static/site.css", "/registration?t=x"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		hd := rec.Header()
		csp := hd.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: Content-Security-Policy %q", path, csp)
		}
		if hd.Get("X-Content-Type-Options") != "nosniff" || hd.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: nosniff %q, referrer policy %q", path, hd.Get("X-Content-Type-Options"), hd.Get("Referrer-Policy"))
		}
	}
}

func TestCookiesSecureOverTLS(t *testing.T) {
	h := newTestHandler(t)
	req := httptest.NewRequest("GET", "https://example.com/language?to=fr&back=/", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
			t.Errorf("cookie %s over TLS: %+v", c.Name, c)
		}
	}
}

func TestLanguageSwitchStaysOnThisSite(t *testing.T) {
	h := newTestHandler(t)
	tests := []struct{ back, want string }{
		{"/events/x?lang=fr", "/events/x?lang=fr"},
		{"//evil.example/", "/"},
		{"https://evil.example/", "/"},
		{"/\\evil.example", "/"},
		{"", "/"},
	}
	for _, tc := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/language?"+url.Values{"to": {"fr"}, "back": {tc.back}}.Encode(), nil))
		if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || loc != tc.want {
			t.Errorf("back %q: %d to %q; want 303 to %q", tc.back, rec.Code, loc, tc.want)
		}
	}
}

func TestChooseLanguage(t *testing.T) {
	tr, err := newTranslations()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, cookie, accept, want string }{
		{"nothing", "", "", "en"},
		{"French Canadian browser", "", "fr-CA,fr;q=0.9,en;q=0.5", "fr"},
		{"English browser", "", "en-CA,en;q=0.9", "en"},
		{"German browser", "", "de-DE", "en"},
		{"switch to French", "fr", "en-CA", "fr"},
		{"switch to English", "en", "fr-CA", "en"},
	}
	for _, tc := range tests {
		req := httptest.NewRequest("GET", "/", nil)
		if tc.cookie != "" {
			req.AddCookie(&http.Cookie{Name: languageCookie, Value: tc.cookie})
		}
		if tc.accept != "" {
			req.Header.Set("Accept-Language", tc.accept)
		}
		if got := tr.choose(req).String(); got != tc.want {
			t.Errorf("%s: %s; want %s", tc.name, got, tc.want)
		}
	}
}

func TestExplainInThePageLanguage(t *testing.T) {
	h := newTestHandler(t)
	fr := h.i18n.localizer(french)
	invalid := apierror.InvalidArgument("", apierror.FieldViolation{Field: "registration.person.phone", Description: "value does not match regex pattern"},
		apierror.FieldViolation{Field: "registration.needs[3]", Description: "value length must be at most 100 characters"})
	tests := []struct {
		name   string
		err    error
		code   int
		fields map[string]string
	}{
		{"field violations beside their fields", invalid, http.StatusUnprocessableEntity, map[string]string{
			"phone":       "Indiquez un numéro de téléphone avec des chiffres, des espaces, +, - ou des parenthèses.",
			"needs_other": "Chaque besoin compte 100 caractères au plus, dix besoins au maximum.",
		}},
		{"a field the form does not have", apierror.Field("registration.referral", "bad"), http.StatusUnprocessableEntity, map[string]string{
			"": "Veuillez vérifier les champs signalés.",
		}},
		{"session started", apierror.FailedPrecondition("SESSION_STARTED", "the session has already started", nil), http.StatusConflict, map[string]string{
			"": "Cette séance a déjà commencé : les inscriptions sont closes.",
		}},
		{"unknown precondition: a refusal, not a fault on our side", apierror.FailedPrecondition("SOMETHING_NEW", "x", nil), http.StatusConflict, map[string]string{
			"": "C’est impossible pour le moment.",
		}},
		{"check-in window, with its time from the metadata", apierror.FailedPrecondition("CHECK_IN_WINDOW", "x", map[string]string{
			"check_in_open_time": "2031-05-04T17:30:00Z", "check_in_close_time": "2031-05-06T19:30:00Z", "time_zone": "America/Toronto"}),
			http.StatusConflict, map[string]string{
				"": "L’accueil ouvre le dimanche 4 mai 2031 à 13 h 30, deux heures avant la séance.",
			}},
		{"refusal naming a field of the form", apierror.FailedPrecondition("CONSENT_REQUIRED", "x", map[string]string{"field": "registration.person.phone"}),
			http.StatusConflict, map[string]string{
				"phone": "Enregistrez le consentement de la personne avant l’envoi.",
			}},
		{"stale etag", apierror.Aborted(apierror.ReasonEtagMismatch, "events/e1", "etag mismatch"), http.StatusConflict, map[string]string{
			"": "Quelqu’un a modifié ceci en même temps. Voici la dernière version ; veuillez réessayer.",
		}},
		{"not found", apierror.NotFound("events/e1"), http.StatusNotFound, map[string]string{
			"": "Nous n’avons pas trouvé cette page. Elle a peut-être été retirée, ou l’adresse contient une erreur.",
		}},
		{"service down", status.Error(codes.Unavailable, "connection refused"), http.StatusServiceUnavailable, map[string]string{
			"": "Ce service n’est pas disponible pour le moment. Veuillez réessayer dans quelques minutes.",
		}},
		{"internal", status.Error(codes.Internal, "panic: nil map"), http.StatusInternalServerError, map[string]string{
			"": "Un problème est survenu de notre côté. Veuillez réessayer plus tard.",
		}},
	}
	for _, tc := range tests {
		got, code := h.explain(fr, tc.err, registrationFields)
		if code != tc.code || len(got) != len(tc.fields) {
			t.Errorf("%s: %d %v; want %d %v", tc.name, code, got, tc.code, tc.fields)
			continue
		}
		for f, msg := range tc.fields {
			if got[f] != msg {
				t.Errorf("%s: field %q says %q; want %q", tc.name, f, got[f], msg)
			}
		}
	}
}

func TestServiceDownIsExplainedNotDumped(t *testing.T) {
	h := newTestHandler(t)
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Accept-Language", "fr")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body := rec.Body.String()
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(body, "Ce service n’est pas disponible pour le moment.") {
		t.Fatalf("%d %s", rec.Code, body)
	}
	for _, raw := range []string{"rpc error", "Unavailable", "UNAVAILABLE", "goroutine", "127.0.0.1:9"} {
		if strings.Contains(body, raw) {
			t.Errorf("the page shows %q", raw)
		}
	}
}

// Every message a template or the code asks for exists, in both languages (the table has both
// columns, so a key present is present in both).
func TestTemplatesUseKnownMessages(t *testing.T) {
	tr, err := newTranslations()
	if err != nil {
		t.Fatal(err)
	}
	uses := regexp.MustCompile(`(?:\.(?:T|Label)|\(field \$?\.? (?:"[^"]+"|\([^)]*\))) "([^"]+)"`)
	files, err := templateFiles.ReadDir("templates")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := templateFiles.ReadFile("templates/" + f.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range uses.FindAllStringSubmatch(string(b), -1) {
			if !tr.keys[m[1]] {
				t.Errorf("%s uses message %q, which the catalogue lacks", f.Name(), m[1])
			}
		}
	}
	var keys []string
	for _, fm := range []fieldMap{listingFields, registrationFields, directoryFields} {
		for _, f := range fm {
			keys = append(keys, "error.field."+f)
		}
	}
	keys = append(keys, "error.field.contact", "error.field.centre")
	for i := int32(1); i < int32(len(eventv1.EventCategory_name)); i++ {
		keys = append(keys, "category."+strings.TrimPrefix(eventv1.EventCategory(i).String(), "EVENT_CATEGORY_"))
	}
	for i := int32(1); i < int32(len(eventv1.RegistrationState_name)); i++ {
		keys = append(keys, "confirm.status."+strings.TrimPrefix(eventv1.RegistrationState(i).String(), "REGISTRATION_STATE_"))
	}
	for i := int32(1); i < int32(len(eventv1.EventState_name)); i++ {
		st := strings.TrimPrefix(eventv1.EventState(i).String(), "EVENT_STATE_")
		keys = append(keys, "event.state."+st, "host.state."+st)
	}
	for _, f := range []string{"s1_date", "s2_start", "s1_end", "s2_capacity"} {
		if h := (&Handler{i18n: tr}); h.fieldMessage(tr.localizer(english), f) == tr.localizer(english).T("error.field.invalid") {
			t.Errorf("form field %s has no message of its own", f)
		}
	}
	for _, f := range commonFeatures {
		keys = append(keys, "feature."+f)
	}
	for _, k := range keys {
		if !tr.keys[k] {
			t.Errorf("the code needs message %q, which the catalogue lacks", k)
		}
	}
	// No template writes a user-facing word itself: outside tags and actions, only
	// punctuation is left.
	actions := regexp.MustCompile(`(?s)\{\{.*?\}\}`)
	tags := regexp.MustCompile(`(?s)<[^>]*>`)
	word := regexp.MustCompile(`\p{L}{2,}`)
	for _, f := range files {
		b, _ := templateFiles.ReadFile("templates/" + f.Name())
		text := tags.ReplaceAllString(actions.ReplaceAllString(string(b), " "), " ")
		for _, w := range word.FindAllString(text, -1) {
			t.Errorf("%s has the literal word %q; put it in the catalogue", f.Name(), w)
		}
	}
}

func TestPagesAreCompressedForClientsThatAcceptGzip(t *testing.T) {
	h := newTestHandler(t)
	for _, tc := range []struct {
		path, accept string
		gzipped      bool
	}{
		{"/static/site.css", "gzip, deflate, br", true},
		{"/static/site.css", "", false},
		{"/nope", "br;q=1, gzip;q=0.8", true},
	} {
		req := httptest.NewRequest("GET", tc.path, nil)
		if tc.accept != "" {
			req.Header.Set("Accept-Encoding", tc.accept)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		body := rec.Body.Bytes()
		got := rec.Header().Get("Content-Encoding") == "gzip"
		if got != tc.gzipped || (got && (len(body) < 2 || body[0] != 0x1f || body[1] != 0x8b)) {
			t.Errorf("%s with Accept-Encoding %q: gzip %v (body starts %x); want %v", tc.path, tc.accept, got, body[:min(2, len(body))], tc.gzipped)
		}
	}
}

type tokenSession struct{ token string }

func (s tokenSession) Token() string  { return s.token }
func (s tokenSession) Person() Person { return Person{Subject: "practitioners/p1"} }

type fixedSessions struct{ s Session }

func (f fixedSessions) Session(*http.Request) Session { return f.s }

// The one place calls get their identity: the bearer token of a signed-in person, nothing for
// the public, and never an identity header.
func TestCallsCarryTheSessionsToken(t *testing.T) {
	h := newTestHandler(t)
	host := signedIn{person: Person{Subject: "practitioners/h1", Organization: "organizations/o1", Roles: []string{"event_host"}},
		token: &oauth2.Token{AccessToken: "access-tok"}}
	tests := []struct {
		name    string
		session Session
		want    map[string]string
	}{
		{"public", publicSession{}, map[string]string{}},
		{"signed in", tokenSession{"tok-123"}, map[string]string{"authorization": "Bearer tok-123"}},
		{"signed in at the provider", host, map[string]string{"authorization": "Bearer access-tok"}},
	}
	for _, tc := range tests {
		h.sessions = fixedSessions{tc.session}
		md, _ := metadata.FromOutgoingContext(h.callContext(httptest.NewRequest("GET", "/", nil)))
		if len(md) != len(tc.want) {
			t.Errorf("%s: metadata %v; want %v", tc.name, md, tc.want)
		}
		for k, v := range tc.want {
			if got := md.Get(k); len(got) != 1 || got[0] != v {
				t.Errorf("%s: %s = %v; want %q", tc.name, k, got, v)
			}
		}
	}
}
