package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// FuzzAuthenticate feeds arbitrary authorization values to the verifier: it never panics, never
// accepts one (none is signed by the provider), refuses each with UNAUTHENTICATED and never
// repeats the value in its message.
func FuzzAuthenticate(f *testing.F) {
	for _, s := range []string{"", "Bearer ", "Bearer not-a-real-token", "bearer a.b.c", "Basic dXNlcjpwYXNz",
		"Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJwcmFjdGl0aW9uZXJzL2EifQ.", "Bearer ....", "Bearer \x00\xff"} {
		f.Add(s)
	}
	p := newProvider(f)
	v, err := NewVerifier(OIDC{Issuer: p.srv.URL})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, header string) {
		id, err := v.Authenticate(context.Background(), metadata.Pairs("authorization", header))
		if err == nil {
			t.Fatalf("accepted %q as %+v", header, id)
		}
		if status.Code(err) != codes.Unauthenticated {
			t.Fatalf("%q: %v, want UNAUTHENTICATED", header, err)
		}
		if tok := strings.TrimSpace(strings.TrimPrefix(header, "Bearer ")); len(tok) > 12 &&
			strings.Contains(status.Convert(err).Message(), tok) {
			t.Fatalf("message repeats the token: %v", err)
		}
	})
}

// FuzzTamper changes one character of a valid token: unless the change decodes to the same
// bytes, the token is refused.
func FuzzTamper(f *testing.F) {
	f.Add(0, byte('A'))
	f.Add(40, byte('.'))
	f.Add(-1, byte('x'))
	f.Add(200, byte('_'))
	p := newProvider(f)
	v, err := NewVerifier(OIDC{Issuer: p.srv.URL})
	if err != nil {
		f.Fatal(err)
	}
	good := sign(f, jose.ES256, p.ecKey, "ec-1", p.claims())
	if _, err := v.Verify(context.Background(), good); err != nil {
		f.Fatalf("the untampered token is refused: %v", err)
	}
	f.Fuzz(func(t *testing.T, pos int, c byte) {
		if pos < 0 {
			pos = -pos
		}
		b := []byte(good)
		b[pos%len(b)] = c
		tampered := string(b)
		if sameBytes(good, tampered) {
			return
		}
		if id, err := v.Verify(context.Background(), tampered); err == nil {
			t.Fatalf("tampered token %q accepted as %+v", tampered, id)
		}
	})
}

// sameBytes reports whether two compact tokens decode to the same three segments (base64url
// leaves the low bits of its last character unused).
func sameBytes(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	if len(as) != len(bs) {
		return false
	}
	for i := range as {
		x, err1 := base64.RawURLEncoding.DecodeString(as[i])
		y, err2 := base64.RawURLEncoding.DecodeString(bs[i])
		if err1 != nil || err2 != nil || !bytes.Equal(x, y) {
			return false
		}
	}
	return true
}
