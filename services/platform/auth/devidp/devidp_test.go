package devidp_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/auth/devidp"
)

type fixture struct {
	p         *devidp.Provider
	srv       *httptest.Server
	verifier  *auth.Verifier
	systemKey *ecdsa.PrivateKey
}

const (
	redirect = "http://127.0.0.1:9999/callback"
	secret   = "s3cret-of-the-referral-service"
)

var clinician = devidp.User{Subject: "practitioners/tomasz-kowalczyk", Name: "Tomasz Kowalczyk", Title: "Family Physician",
	Organization: "organizations/riverdale-chc", Roles: []string{auth.RoleClinician}}

func start(t *testing.T) *fixture {
	t.Helper()
	return startWith(t, []string{redirect})
}

// startWith starts a provider whose web client has redirects.
func startWith(t *testing.T, redirects []string) *fixture {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p, err := devidp.New(devidp.Config{
		Issuer: "http://" + srv.Listener.Addr().String(),
		Users:  []devidp.User{clinician},
		Clients: []devidp.Client{
			{ID: "socialrx-referral", Secret: secret, Subject: "services/referral", Roles: []string{auth.RoleService}},
			{ID: "riverdale-emr", Subject: "clients/riverdale-emr", Organization: "organizations/riverdale-chc",
				Roles:     []string{auth.RoleSystem},
				Scopes:    []string{"system/Task.rs", "system/ServiceRequest.c"},
				PublicKey: &jose.JSONWebKey{Key: key.Public(), KeyID: "emr-1", Algorithm: "ES256", Use: "sig"}},
		},
		RedirectURIs: redirects,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = p.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	v, err := auth.NewVerifier(auth.OIDC{Issuer: p.Issuer(), ClockSkew: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{p: p, srv: srv, verifier: v, systemKey: key}
}

func (f *fixture) token(t *testing.T, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(f.p.TokenURL(), form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("token response: %v", err)
	}
	return resp.StatusCode, body
}

func (f *fixture) identity(t *testing.T, token any) auth.Identity {
	t.Helper()
	s, _ := token.(string)
	id, err := f.verifier.Verify(context.Background(), s)
	if err != nil {
		t.Fatalf("the provider's token is refused: %v", err)
	}
	return id
}

// A browser signs in with authorization code + PKCE on the page that lists the demo users.
func TestAuthorizationCodeWithPKCE(t *testing.T) {
	f := start(t)
	verifier := "a-code-verifier-that-is-long-enough-for-pkce-0123456789"
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"client_id": {devidp.DevClientID}, "redirect_uri": {redirect}, "response_type": {"code"},
		"scope": {"openid"}, "state": {"st4te"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"}}
	jar := &http.Client{CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(r.URL.String(), redirect) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := jar.Get(f.p.Issuer() + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "DEVELOPMENT ONLY") || !strings.Contains(string(page), clinician.Name) {
		t.Fatalf("sign-in page (%d) does not list the demo users under a development warning:\n%s", resp.StatusCode, page)
	}
	m := regexp.MustCompile(`name="authRequestID" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatal("sign-in page carries no request id")
	}
	resp, err = jar.PostForm(f.p.Issuer()+"/login", url.Values{"authRequestID": {string(m[1])}, "user": {clinician.Subject}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || back.Query().Get("state") != "st4te" || back.Query().Get("code") == "" {
		t.Fatalf("after sign-in: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	code := back.Query().Get("code")
	exchange := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
		"client_id": {devidp.DevClientID}}

	wrong := cloneWith(exchange, "code_verifier", "not-the-verifier-not-the-verifier-not-the-verifier")
	if st, body := f.token(t, wrong); st == http.StatusOK {
		t.Fatalf("code exchanged with a wrong PKCE verifier: %v", body)
	}
	st, body := f.token(t, cloneWith(exchange, "code_verifier", verifier))
	if st != http.StatusOK {
		t.Fatalf("code exchange: %d %v", st, body)
	}
	id := f.identity(t, body["access_token"])
	if id.Subject != clinician.Subject || id.Organization != clinician.Organization || !slices.Equal(id.Roles, clinician.Roles) {
		t.Fatalf("identity %+v, want the clinician", id)
	}
	idToken, _ := body["id_token"].(string)
	if idToken == "" {
		t.Fatal("no ID token")
	}
	if _, err := f.verifier.Verify(context.Background(), idToken); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("the ID token used as an access token: %v; want UNAUTHENTICATED", err)
	}
	if st, _ := f.token(t, cloneWith(exchange, "code_verifier", verifier)); st == http.StatusOK {
		t.Fatal("a code was exchanged twice")
	}
}

func cloneWith(v url.Values, k, val string) url.Values {
	c := url.Values{}
	for key, vals := range v {
		c[key] = append([]string(nil), vals...)
	}
	c.Set(k, val)
	return c
}

// A service gets its own token with its client id and secret.
func TestServiceClientCredentials(t *testing.T) {
	f := start(t)
	st, body := f.token(t, url.Values{"grant_type": {"client_credentials"}, "client_id": {"socialrx-referral"}, "client_secret": {secret}})
	if st != http.StatusOK {
		t.Fatalf("client credentials: %d %v", st, body)
	}
	id := f.identity(t, body["access_token"])
	if id.Subject != "services/referral" || !slices.Equal(id.Roles, []string{auth.RoleService}) || id.ClientID != "socialrx-referral" {
		t.Fatalf("identity %+v", id)
	}
	if st, _ := f.token(t, url.Values{"grant_type": {"client_credentials"}, "client_id": {"socialrx-referral"}, "client_secret": {"guess"}}); st == http.StatusOK {
		t.Fatal("a wrong secret got a token")
	}
	// A private_key_jwt client cannot fall back to a secret, not even an empty one.
	if st, _ := f.token(t, url.Values{"grant_type": {"client_credentials"}, "client_id": {"riverdale-emr"}}); st == http.StatusOK {
		t.Fatal("the system client got a token without an assertion")
	}
}

// Another health system authenticates SMART Backend Services style: a client assertion signed with
// its registered key, at most five minutes long, each jti once.
func TestSystemClientWithPrivateKeyJWT(t *testing.T) {
	f := start(t)
	form := func(assertion string) url.Values {
		return url.Values{"grant_type": {"client_credentials"}, "scope": {"system/ServiceRequest.write"},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {assertion}}
	}
	a, err := devidp.SignAssertion(f.systemKey, "emr-1", "riverdale-emr", f.p.TokenURL(), 4*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	st, body := f.token(t, form(a))
	if st != http.StatusOK {
		t.Fatalf("system client: %d %v", st, body)
	}
	id := f.identity(t, body["access_token"])
	if id.Subject != "clients/riverdale-emr" || id.Organization != "organizations/riverdale-chc" ||
		!slices.Equal(id.Roles, []string{auth.RoleSystem}) || id.ClientID != "riverdale-emr" {
		t.Fatalf("identity %+v, want the system client of Riverdale CHC", id)
	}

	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	long, _ := devidp.SignAssertion(f.systemKey, "emr-1", "riverdale-emr", f.p.TokenURL(), 6*time.Minute)
	forged, _ := devidp.SignAssertion(other, "emr-1", "riverdale-emr", f.p.TokenURL(), time.Minute)
	elsewhere, _ := devidp.SignAssertion(f.systemKey, "emr-1", "riverdale-emr", "https://other.example.org/token", time.Minute)
	expired, _ := devidp.SignAssertion(f.systemKey, "emr-1", "riverdale-emr", f.p.TokenURL(), -time.Minute)
	for _, tc := range []struct {
		name string
		form url.Values
	}{
		{"replayed jti", form(a)},
		{"lifetime of six minutes", form(long)},
		{"signed with another key", form(forged)},
		{"for another token endpoint", form(elsewhere)},
		{"expired", form(expired)},
		{"client_id of another client", cloneWith(form(mustAssert(t, f)), "client_id", "socialrx-referral")},
		{"assertion with another grant", cloneWith(form(mustAssert(t, f)), "grant_type", "authorization_code")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, body := f.token(t, tc.form)
			if st != http.StatusUnauthorized || body["error"] != "invalid_client" {
				t.Fatalf("%d %v; want 401 invalid_client", st, body)
			}
		})
	}
}

// A client credentials token carries the scopes asked for that the client may have, all of
// them when none is asked for, and none it may not have.
func TestSystemClientScopes(t *testing.T) {
	f := start(t)
	for _, tc := range []struct {
		name, scope string
		want        []string
	}{
		{"one of the allowed", "system/Task.rs", []string{"system/Task.rs"}},
		{"allowed and not allowed", "system/ServiceRequest.c system/Patient.cruds", []string{"system/ServiceRequest.c"}},
		{"none asked for", "", []string{"system/Task.rs", "system/ServiceRequest.c"}},
		{"only what is not allowed", "system/*.cruds", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{"grant_type": {"client_credentials"},
				"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {mustAssert(t, f)}}
			if tc.scope != "" {
				form.Set("scope", tc.scope)
			}
			st, body := f.token(t, form)
			if st != http.StatusOK {
				t.Fatalf("token: %d %v", st, body)
			}
			if id := f.identity(t, body["access_token"]); !slices.Equal(id.Scopes, tc.want) {
				t.Fatalf("scopes %q, want %q", id.Scopes, tc.want)
			}
		})
	}
}

func mustAssert(t *testing.T, f *fixture) string {
	t.Helper()
	a, err := devidp.SignAssertion(f.systemKey, "emr-1", "riverdale-emr", f.p.TokenURL(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// A key rotation at the provider is picked up by a verifier that already holds the old key.
func TestKeyRotation(t *testing.T) {
	f := start(t)
	ctx := context.Background()
	before, err := f.p.Token(ctx, clinician.Subject)
	if err != nil {
		t.Fatal(err)
	}
	f.identity(t, before)
	old := f.p.KeyID()
	kid, err := f.p.RotateKey(jose.ES256)
	if err != nil || kid == old {
		t.Fatalf("rotate: %q %v", kid, err)
	}
	after, err := f.p.Token(ctx, "tomasz-kowalczyk")
	if err != nil {
		t.Fatal(err)
	}
	if hdr := header(t, after); hdr["kid"] != kid || hdr["alg"] != "ES256" {
		t.Fatalf("token after rotation has header %v, want kid %s ES256", hdr, kid)
	}
	f.identity(t, after)
	f.identity(t, before) // the old key stays published until retired
	f.p.RetireOldKeys()
	resp, err := http.Get(f.p.Issuer() + "/keys")
	if err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	_ = json.NewDecoder(resp.Body).Decode(&set)
	resp.Body.Close()
	if len(set.Keys) != 1 || set.Keys[0].KeyID != kid {
		t.Fatalf("JWKS after retiring holds %d keys", len(set.Keys))
	}
	fresh, _ := auth.NewVerifier(auth.OIDC{Issuer: f.p.Issuer()})
	if _, err := fresh.Verify(ctx, before); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("token of the retired key: %v; want UNAUTHENTICATED", err)
	}
}

func header(t *testing.T, tok string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	_ = json.Unmarshal(b, &h)
	return h
}

// curl users get a token with one POST; the endpoint says nothing about users it does not know.
func TestDevelopmentTokenEndpoint(t *testing.T) {
	f := start(t)
	resp, err := http.PostForm(f.p.Issuer()+"/dev/token", url.Values{"user": {"tomasz-kowalczyk"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("dev token: %d %s", resp.StatusCode, b)
	}
	if tok := string(b); tok != strings.TrimSpace(tok) || strings.Count(tok, ".") != 2 {
		t.Fatalf("dev token is not the bare token: %q", tok)
	}
	if id := f.identity(t, string(b)); id.Subject != clinician.Subject {
		t.Fatalf("identity %+v", id)
	}
	resp, err = http.PostForm(f.p.Issuer()+"/dev/token", url.Values{"user": {"nobody"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown user: %d, want 404", resp.StatusCode)
	}
}
