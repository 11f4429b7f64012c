package gateway_test

import (
	"strings"
	"testing"

	"github.com/socialrx/socialrx/gateway"
	"github.com/socialrx/socialrx/gateway/web"
)

// With a database and sign-in, the gateway keeps sessions sealed and will not start without a
// usable key; the message names the variable to set.
func TestSessionKeyIsRequiredWithTheDatabase(t *testing.T) {
	signIn := web.Config{OIDCClientID: "web", OIDCIssuer: "https://idp.example.org"}
	for name, tc := range map[string]struct {
		key, previous, want string
	}{
		"missing":            {"", "", "WEB_SESSION_KEY"},
		"16 bytes":           {"MDEyMzQ1Njc4OWFiY2RlZg==", "", "WEB_SESSION_KEY"},
		"a bad previous key": {"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "short", "WEB_SESSION_KEY_PREVIOUS"},
	} {
		cfg := gateway.Config{MongoURI: "mongodb://127.0.0.1:9", Web: signIn}
		cfg.Web.SessionKey, cfg.Web.SessionKeyPrevious = tc.key, tc.previous
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want+":") {
			t.Errorf("%s: %v; want an error naming %s", name, err, tc.want)
		}
	}
	ok := gateway.Config{MongoURI: "mongodb://127.0.0.1:9", Web: signIn}
	ok.Web.SessionKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	if err := ok.Validate(); err != nil {
		t.Errorf("a 32-byte key: %v", err)
	}
	if err := (gateway.Config{Web: signIn}).Validate(); err != nil {
		t.Errorf("sessions in memory need no key: %v", err)
	}
}
