package gateway_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// defects are tokens that must be refused, each made with the test issuer's real key unless the
// defect is the key.
func defects(t *testing.T) map[string]string {
	t.Helper()
	in := testenv.TestIssuer(t)
	now := time.Now()
	valid := func() map[string]any {
		return map[string]any{"iss": in.Issuer(), "aud": "socialrx", "sub": "practitioners/tomasz-kowalczyk",
			"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "socialrx_org": "organizations/riverdale-chc",
			"socialrx_roles": []string{"clinician"}}
	}
	signed := func(edit func(map[string]any)) string {
		c := valid()
		edit(c)
		tok, err := in.Sign(c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	enc := base64.RawURLEncoding
	raw := func(header map[string]any, sig func(string) []byte) string {
		h, _ := json.Marshal(header)
		c, _ := json.Marshal(valid())
		input := enc.EncodeToString(h) + "." + enc.EncodeToString(c)
		return input + "." + enc.EncodeToString(sig(input))
	}
	jwks := fetchJWKS(t, in.Issuer())
	stranger, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	signer, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: stranger}, (&jose.SignerOptions{}).WithHeader("kid", "not-published"))
	payload, _ := json.Marshal(valid())
	unknown, _ := signer.Sign(payload)
	unknownKey, _ := unknown.CompactSerialize()
	good := signed(func(map[string]any) {})
	parts := strings.Split(good, ".")
	return map[string]string{
		"alg none": raw(map[string]any{"alg": "none", "typ": "JWT"}, func(string) []byte { return nil }),
		"HS256 keyed with the issuer's public key": raw(map[string]any{"alg": "HS256", "typ": "JWT", "kid": in.KeyID()}, func(s string) []byte {
			m := hmac.New(sha256.New, jwks)
			m.Write([]byte(s))
			return m.Sum(nil)
		}),
		"tampered":         parts[0] + "." + enc.EncodeToString([]byte(`{"iss":"`+in.Issuer()+`","aud":"socialrx","sub":"practitioners/x","exp":9999999999,"socialrx_roles":["admin"]}`)) + "." + parts[2],
		"expired":          signed(func(c map[string]any) { c["exp"] = now.Add(-2 * time.Minute).Unix() }),
		"not yet valid":    signed(func(c map[string]any) { c["nbf"] = now.Add(5 * time.Minute).Unix() }),
		"wrong audience":   signed(func(c map[string]any) { c["aud"] = "another-api" }),
		"wrong issuer":     signed(func(c map[string]any) { c["iss"] = "https://idp.example.org" }),
		"unknown key":      unknownKey,
		"not a real token": "not-a-real-token",
	}
}

func fetchJWKS(t *testing.T, issuer string) []byte {
	t.Helper()
	resp, err := http.Get(issuer + "/keys")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&set)
	b, _ := json.Marshal(set)
	return b
}

// Every token defect is refused with UNAUTHENTICATED over gRPC and 401 over REST through the real
// gateway, even on a method the public may call; a valid token and no token work.
func TestTokenDefectsRefusedOverGRPCAndREST(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	dir := directoryv1.NewDirectoryServiceClient(testenv.Dial(t, s.dir.Addr))
	for name, tok := range defects(t) {
		t.Run(name, func(t *testing.T) {
			md := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok)
			_, err := dir.ListOrganizations(md, &directoryv1.ListOrganizationsRequest{})
			if status.Code(err) != codes.Unauthenticated || apierror.Reason(err) != apierror.ReasonUnauthenticated {
				t.Fatalf("gRPC directory: %v; want UNAUTHENTICATED", err)
			}
			_, err = s.referrals.Client.ListReferrals(md, &referralv1.ListReferralsRequest{})
			if status.Code(err) != codes.Unauthenticated {
				t.Fatalf("gRPC referral: %v; want UNAUTHENTICATED", err)
			}
			for _, path := range []string{"/v1/organizations", "/v1/referrals", "/v1/events:search"} {
				r := s.do(t, "GET", path, "", "Authorization", "Bearer "+tok)
				st, reason, _ := errorInfo(r)
				if r.status != http.StatusUnauthorized || st != "UNAUTHENTICATED" || reason != apierror.ReasonUnauthenticated {
					t.Fatalf("REST %s: %d %s", path, r.status, r.raw)
				}
				if len(tok) > 12 && strings.Contains(string(r.raw), tok) {
					t.Fatalf("REST %s: the error repeats the token", path)
				}
			}
		})
	}
	valid := testenv.Token(t, auth.Identity{Subject: "practitioners/tomasz-kowalczyk", Organization: "organizations/riverdale-chc",
		Roles: []string{auth.RoleClinician}})
	if r := s.do(t, "GET", "/v1/referrals", "", "Authorization", "Bearer "+valid); r.status != http.StatusOK {
		t.Fatalf("valid token over REST: %d %s", r.status, r.raw)
	}
	if _, err := dir.ListOrganizations(ctx, &directoryv1.ListOrganizationsRequest{}, testenv.Credentials(t, auth.Identity{Subject: "practitioners/x"})); err != nil {
		t.Fatalf("valid token over gRPC: %v", err)
	}
	if r := s.do(t, "GET", "/v1/organizations", ""); r.status != http.StatusOK {
		t.Fatalf("the public without a token: %d %s", r.status, r.raw)
	}
}

// The gateway passes the caller's token on unchanged, and identity headers it is sent count for
// nothing: the timeline names the clinician who signed in, never an identity someone made up.
func TestGatewayForwardsTheCallersToken(t *testing.T) {
	s := start(t)
	admin := "Bearer " + testenv.Token(t, auth.Identity{Subject: "practitioners/li-na-chen", Roles: []string{auth.RoleDirectoryAdmin}})
	clinician := "Bearer " + testenv.Token(t, auth.Identity{Subject: "practitioners/dr-lee", Organization: "organizations/clinic",
		Roles: []string{auth.RoleClinician}})
	for _, c := range [][2]string{
		{"/v1/organizations?organizationId=clinic", `{"displayName": "Family Health Team"}`},
		{"/v1/organizations?organizationId=chc", `{"displayName": "Riverdale CHC"}`},
		{"/v1/practitioners?practitionerId=dr-lee", `{"organization": "organizations/clinic", "givenName": "Sam", "familyName": "Lee", "role": "PRACTITIONER_ROLE_CLINICIAN"}`},
	} {
		if r := s.do(t, "POST", c[0], c[1], "Authorization", admin); r.status != http.StatusOK {
			t.Fatalf("POST %s: %d %s", c[0], r.status, r.raw)
		}
	}
	referral := `{"subject": {"givenName": "Margaret", "familyName": "Okafor", "dateOfBirth": "1948-03-14"},
		"referringPractitioner": "practitioners/dr-lee", "referringOrganization": "organizations/clinic",
		"receivingOrganization": "organizations/chc", "needs": ["NEED_LONELINESS"], "whatMatters": "Gardening."}`
	r := s.do(t, "POST", "/v1/referrals", referral, "Authorization", clinician,
		"X-Socialrx-Subject", "practitioners/impostor", "X-Socialrx-Roles", "admin")
	if r.status != http.StatusOK {
		t.Fatalf("create referral: %d %s", r.status, r.raw)
	}
	tl := s.do(t, "GET", "/v1/"+r.body["name"].(string)+"/timeline", "", "Authorization", clinician)
	entries, _ := tl.body["entries"].([]any)
	if tl.status != http.StatusOK || len(entries) == 0 {
		t.Fatalf("timeline: %d %s", tl.status, tl.raw)
	}
	for _, e := range entries {
		if actor := e.(map[string]any)["actor"]; actor != "practitioners/dr-lee" {
			t.Fatalf("timeline actor %v, want the signed-in clinician", actor)
		}
	}
}

// A rotation of the issuer's signing key is picked up by running services without a restart.
func TestKeyRotationWithoutRestart(t *testing.T) {
	s := start(t)
	in := testenv.TestIssuer(t)
	id := auth.Identity{Subject: "practitioners/tomasz-kowalczyk", Roles: []string{auth.RoleClinician}}
	if r := s.do(t, "GET", "/v1/referrals", "", "Authorization", "Bearer "+testenv.Token(t, id)); r.status != http.StatusOK {
		t.Fatalf("before rotation: %d %s", r.status, r.raw)
	}
	kid, err := in.RotateKey(jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	tok := testenv.Token(t, id)
	if r := s.do(t, "GET", "/v1/referrals", "", "Authorization", "Bearer "+tok); r.status != http.StatusOK {
		t.Fatalf("REST after rotation to %s: %d %s", kid, r.status, r.raw)
	}
	if _, err := s.events.Client.SearchEvents(context.Background(), &eventv1.SearchEventsRequest{}, testenv.Credentials(t, id)); err != nil {
		t.Fatalf("gRPC after rotation: %v", err)
	}
}
