package web_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/socialrx/socialrx/deploy/demodata"
	"github.com/socialrx/socialrx/gateway"
	"github.com/socialrx/socialrx/gateway/gatewaytest"
	"github.com/socialrx/socialrx/gateway/web"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/event/eventtest"
	"github.com/socialrx/socialrx/services/platform/auth/devidp"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// replicas are gateways in front of the same services that share what the web app keeps.
type replicas struct {
	dirAddr, eventAddr string
	// database is the gateways' own database.
	database string
}

func startReplicas(t *testing.T) *replicas {
	t.Helper()
	dir := directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t)})
	ev := eventtest.Start(t, eventtest.Options{Database: testenv.DatabaseName(t), DirectoryAddr: dir.Addr})
	return &replicas{dirAddr: dir.Addr, eventAddr: ev.Addr, database: testenv.DatabaseName(t)}
}

// gateway starts one more gateway replica, with the session key key.
func (rs *replicas) gateway(t *testing.T, key string) string {
	t.Helper()
	return gatewaytest.Start(t, gateway.Config{
		DirectoryAddr: rs.dirAddr, EventAddr: rs.eventAddr, ReferralAddr: "127.0.0.1:9",
		MongoURI: testenv.MongoURI(t), Database: rs.database,
		Web: web.Config{LinkKey: "test key for signing private links, 32+ bytes", TimeZone: "America/Toronto",
			OIDCClientID: devidp.DevClientID, Access: testenv.OIDC(t), SessionKey: key},
	})
}

const (
	sessionKey      = "c2Vzc2lvbiBrZXkgb2YgdGhlIHJlcGxpY2EgdGVzdHM=" // 32 bytes
	otherSessionKey = "YW5vdGhlciBrZXksIHRoYXQgbm8gc2Vzc2lvbiB1c2Q="
)

// browser is an HTTP client with a cookie jar; cookies do not depend on the port, so every
// gateway on 127.0.0.1 gets the same session cookie, as replicas behind one address would.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

// httpSignIn signs in at base as subject: the gateway sends the browser to the provider, whose
// sign-in form sends it back to the gateway's callback.
func httpSignIn(t *testing.T, c *http.Client, base, subject string) {
	t.Helper()
	resp, err := c.Get(base + "/sign-in?back=/host")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	id := resp.Request.URL.Query().Get("authRequestID")
	if !strings.HasPrefix(resp.Request.URL.String(), testenv.TestIssuer(t).Issuer()+"/login?") || id == "" {
		t.Fatalf("sign-in led to %s; want the provider's sign-in page", resp.Request.URL)
	}
	resp, err = c.PostForm(testenv.TestIssuer(t).Issuer()+"/login", url.Values{"authRequestID": {id}, "user": {subject}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Request.URL.String(), base+"/host") {
		t.Fatalf("the provider's sign-in ended at %s with %d: %s", resp.Request.URL, resp.StatusCode, body)
	}
}

// hostPage opens /host at base without following redirects and returns the page when it is
// served to a signed-in person, or "" when the gateway sends the browser to sign in.
func hostPage(t *testing.T, c *http.Client, base string) string {
	t.Helper()
	noFollow := *c
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noFollow.Get(base + "/host")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	switch {
	case resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), testenv.TestIssuer(t).Issuer()):
		return ""
	case resp.StatusCode != http.StatusOK:
		t.Fatalf("/host at %s answered %d: %s", base, resp.StatusCode, body)
	}
	return string(body)
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// httpSignOut sends the sign-out form of page to base.
func httpSignOut(t *testing.T, c *http.Client, base, page string) {
	t.Helper()
	m := csrfInput.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the page has no sign-out form")
	}
	resp, err := c.PostForm(base+"/sign-out", url.Values{"csrf": {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-out answered %d", resp.StatusCode)
	}
}

// A person signed in through one gateway is signed in on every replica on the same database,
// stays signed in when a gateway starts afresh, and signing out on one signs them out on all.
func TestSessionIsServedByEveryReplica(t *testing.T) {
	rs := startReplicas(t)
	a, b := rs.gateway(t, sessionKey), rs.gateway(t, sessionKey)
	c := browser(t)
	httpSignIn(t, c, a, demodata.HostHamiltonFood)
	if page := hostPage(t, c, a); !strings.Contains(page, "Nimmi Fernando") {
		t.Fatal("the gateway that signed Nimmi in does not show her /host")
	}
	page := hostPage(t, c, b)
	if !strings.Contains(page, "Nimmi Fernando") {
		t.Fatal("a second gateway on the same database does not know the session")
	}
	restarted := rs.gateway(t, sessionKey)
	if !strings.Contains(hostPage(t, c, restarted), "Nimmi Fernando") {
		t.Fatal("a gateway started after the sign-in does not know the session")
	}
	httpSignOut(t, c, b, page)
	for _, base := range []string{a, b, restarted} {
		if hostPage(t, c, base) != "" {
			t.Fatalf("signed out on one gateway, still signed in on %s", base)
		}
	}
}

// A gateway with another session key cannot read the sessions: its people are the public.
func TestSessionNeedsTheKeyItWasSealedWith(t *testing.T) {
	rs := startReplicas(t)
	a := rs.gateway(t, sessionKey)
	c := browser(t)
	httpSignIn(t, c, a, demodata.HostHamiltonFood)
	if hostPage(t, c, rs.gateway(t, otherSessionKey)) != "" {
		t.Fatal("a gateway with another key served the session")
	}
	if hostPage(t, c, a) == "" {
		t.Fatal("the session ended when another key failed to read it")
	}
}
