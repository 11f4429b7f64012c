package devidp_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/socialrx/socialrx/services/platform/auth/devidp"
)

// beginSignIn starts an authorization code request for redirectURI and returns the status of
// the provider's answer, and the sign-in request's id when it showed its page.
func beginSignIn(t *testing.T, f *fixture, redirectURI string) (int, string) {
	t.Helper()
	q := url.Values{"client_id": {devidp.DevClientID}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"scope": {"openid"}, "state": {"st4te"}, "code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"},
		"code_challenge_method": {"S256"}}
	noRedirect := &http.Client{CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(r.URL.String(), f.p.Issuer()) {
			return nil
		}
		return http.ErrUseLastResponse
	}}
	resp, err := noRedirect.Get(f.p.Issuer() + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`name="authRequestID" value="([^"]+)"`).FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		return resp.StatusCode, ""
	}
	return resp.StatusCode, string(m[1])
}

// finishSignIn signs in as user on request id and returns the status and where it leads.
func finishSignIn(t *testing.T, f *fixture, id, user string) (int, string) {
	t.Helper()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.PostForm(f.p.Issuer()+"/login", url.Values{"authRequestID": {id}, "user": {user}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

// The sign-in form takes the short ids the launcher prints as well as the full subject.
func TestSignInTakesShortUserIDs(t *testing.T) {
	cases := []struct {
		name, user string
		want       int
	}{
		{"short id", "tomasz-kowalczyk", http.StatusFound},
		{"subject", "practitioners/tomasz-kowalczyk", http.StatusFound},
		{"unknown short id", "nobody", http.StatusBadRequest},
		{"short id of another kind of subject", "services/tomasz-kowalczyk", http.StatusBadRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := start(t)
			if st, id := beginSignIn(t, f, redirect); id == "" {
				t.Fatalf("authorize: %d, no sign-in page", st)
			} else if st, loc := finishSignIn(t, f, id, c.user); st != c.want {
				t.Fatalf("sign in as %q: %d to %q, want %d", c.user, st, loc, c.want)
			}
		})
	}
}

func TestCallbackURIsFollowTheWebAppsAddress(t *testing.T) {
	cases := []struct {
		name, addr, publicURL string
		want                  []string
	}{
		{"loopback address", "127.0.0.1:8090", "", []string{"http://localhost:8090/callback", "http://127.0.0.1:8090/callback"}},
		{"localhost", "localhost:8095", "", []string{"http://localhost:8095/callback", "http://127.0.0.1:8095/callback"}},
		{"every interface", ":8095", "", []string{"http://localhost:8095/callback", "http://127.0.0.1:8095/callback"}},
		{"IPv6 loopback", "[::1]:8095", "", []string{"http://localhost:8095/callback", "http://127.0.0.1:8095/callback", "http://[::1]:8095/callback"}},
		{"a named host", "192.0.2.7:8095", "", []string{"http://192.0.2.7:8095/callback"}},
		{"public URL", "127.0.0.1:8090", "https://events.example.org/", []string{"https://events.example.org/callback"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := devidp.CallbackURIs(c.addr, c.publicURL); !slices.Equal(got, c.want) {
				t.Errorf("CallbackURIs(%q, %q) = %q, want %q", c.addr, c.publicURL, got, c.want)
			}
		})
	}
}

// A web app moved to another address signs in there, and the old default is no longer accepted.
func TestSignInRedirectsToTheWebAppsConfiguredAddress(t *testing.T) {
	f := startWith(t, devidp.CallbackURIs("192.0.2.7:8095", ""))
	st, id := beginSignIn(t, f, "http://192.0.2.7:8095/callback")
	if id == "" {
		t.Fatalf("authorize to the moved web app: %d, no sign-in page", st)
	}
	if st, loc := finishSignIn(t, f, id, "tomasz-kowalczyk"); st != http.StatusFound {
		t.Fatalf("sign in: %d to %q", st, loc)
	}
	for _, old := range []string{"http://localhost:8080/callback", "http://192.0.2.7:8080/callback"} {
		if st, id := beginSignIn(t, f, old); id != "" {
			t.Errorf("authorize to %s: %d with a sign-in page, want refused", old, st)
		}
	}
}
