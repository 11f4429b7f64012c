package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// contentSecurityPolicy allows nothing but this origin's own stylesheet, script and forms: no
// inline script or style, no framing.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func secureHeaders(h http.Header) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	// Private links carry their token in the URL: never send it on to another site.
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
}

// signer makes and checks HMAC-SHA256 signatures under one purpose, so that a signature made for
// one use (a cancel link) is never valid for another (a CSRF token).
type signer struct {
	key []byte
}

func newSigner(key []byte, purpose string) *signer {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("socialrx web " + purpose))
	return &signer{key: m.Sum(nil)}
}

func (s *signer) sign(parts ...string) []byte {
	m := hmac.New(sha256.New, s.key)
	for _, p := range parts {
		m.Write([]byte(strconv.Itoa(len(p))))
		m.Write([]byte{':'})
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

func (s *signer) verify(sig []byte, parts ...string) bool {
	return hmac.Equal(sig, s.sign(parts...))
}

var b64 = base64.RawURLEncoding

// ErrBadLink is returned for a private link that is malformed, forged or expired.
var ErrBadLink = errors.New("invalid or expired link")

// cancelToken is the private link token of a registration: its resource name and an expiry,
// signed. It is the one place such tokens are made, so that a token issued by the event service
// can replace it.
func (h *Handler) cancelToken(registration string, expires time.Time) string {
	exp := strconv.FormatInt(expires.Unix(), 10)
	payload := registration + "|" + exp
	return b64.EncodeToString([]byte(payload)) + "." + b64.EncodeToString(h.links.sign(registration, exp))
}

// openCancelToken returns the registration a private link token names, or ErrBadLink.
func (h *Handler) openCancelToken(tok string) (string, error) {
	body, sig, ok := strings.Cut(tok, ".")
	if !ok {
		return "", ErrBadLink
	}
	payload, err1 := b64.DecodeString(body)
	mac, err2 := b64.DecodeString(sig)
	if err1 != nil || err2 != nil {
		return "", ErrBadLink
	}
	name, exp, ok := strings.Cut(string(payload), "|")
	if !ok || !h.links.verify(mac, name, exp) {
		return "", ErrBadLink
	}
	unix, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || !h.now().Before(time.Unix(unix, 0)) {
		return "", ErrBadLink
	}
	return name, nil
}

// csrf is a signed double-submit token: a random value in an HttpOnly cookie, and in every form
// its HMAC, which only this server can compute. A POST whose form value does not match its
// cookie, or whose Origin is another site, is refused.
type csrf struct {
	signer *signer
}

const (
	csrfCookie = "socialrx_csrf"
	csrfField  = "csrf"
)

// token returns the form token for r, setting the cookie on w when r has none.
func (c *csrf) token(w http.ResponseWriter, r *http.Request, secure bool) string {
	v := ""
	if ck, err := r.Cookie(csrfCookie); err == nil && len(ck.Value) >= 32 {
		v = ck.Value
	} else {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		v = b64.EncodeToString(b)
		http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: v, Path: "/", HttpOnly: true,
			Secure: secure, SameSite: http.SameSiteLaxMode, MaxAge: int((12 * time.Hour).Seconds())})
		// Later reads in this request (a second form on the page) see the same value.
		r.AddCookie(&http.Cookie{Name: csrfCookie, Value: v})
	}
	return b64.EncodeToString(c.signer.sign(v))
}

func (c *csrf) check(r *http.Request) bool {
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return false
		}
	}
	ck, err := r.Cookie(csrfCookie)
	if err != nil || len(ck.Value) < 32 {
		return false
	}
	got, err := b64.DecodeString(r.PostFormValue(csrfField))
	return err == nil && c.signer.verify(got, ck.Value)
}

// secure reports whether cookies set in reply to r must be Secure.
func (h *Handler) secure(r *http.Request) bool {
	return r.TLS != nil || h.cfg.SecureCookies
}
