package web

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/socialrx/socialrx/services/platform/auth/devidp"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// A token the services refuse while the web session still looks alive (revoked, or a clock
// ahead): the session ends, the form is kept for its person, and the browser goes to sign in.
func TestAFormTheServicesRefuseAsUnauthenticatedIsKept(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.UnknownServiceHandler(func(any, grpc.ServerStream) error {
		return status.Error(codes.Unauthenticated, "access token expired")
	}))
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	h, err := New(Config{LinkKey: strings.Repeat("k", 32), TimeZone: "America/Toronto", OIDCClientID: devidp.DevClientID,
		Access: testenv.OIDC(t)}, Backends{Directory: conn, Event: conn}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	nimmi := signedIn{person: Person{Subject: "practitioners/nimmi", Organization: "organizations/food", Roles: []string{"event_host"}},
		token: &oauth2.Token{AccessToken: "refused"}, started: now}
	h.signin.putTestSession(t, "sid", nimmi, now.Add(time.Hour))

	cookie, tok := csrfPair(t, h)
	form := url.Values{"csrf": {tok}, "title": {"Tea and talk"}, "description": {"Tea."}, "category": {"STORYTELLING_CIRCLE"},
		"location": {"locations/hall"}, "time_zone": {"America/Toronto"}, "s1_date": {"2026-12-20"}, "s1_start": {"10:00"},
		"s1_end": {"11:00"}, "s1_capacity": {"10"}, "action": {"submit"}}
	req := httptest.NewRequest("POST", "/host/events/new", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(cookie)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: "sid"})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)

	if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, testenv.TestIssuer(t).Issuer()+"/authorize?") {
		t.Fatalf("the refused form answered %d, Location %q; want a redirect to the provider's /authorize", rec.Code, loc)
	}
	if got := h.sessions.Session(req).Person(); got.SignedIn() {
		t.Fatalf("the session the services refused still signs in %+v", got)
	}
	kept := h.signin.keptForms(t)
	if len(kept) != 1 || kept[0].subject != nimmi.person.Subject || kept[0].page != "/host/events/new" ||
		kept[0].values.Get("title") != "Tea and talk" || kept[0].values.Has("csrf") {
		t.Fatalf("kept %+v; want the form, for Nimmi, without its CSRF token", kept)
	}
}
