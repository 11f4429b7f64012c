package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// contentSecurityPolicy allows nothing but this origin's own stylesheet, script and forms: no
// inline script or style, no framing. Forms may also lead to signIn, the provider's origin: a
// form sent after the session ended is redirected there to sign in again.
func contentSecurityPolicy(signIn string) string {
	formAction := "'self'"
	if signIn != "" {
		formAction += " " + signIn
	}
	return "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; " +
		"connect-src 'self'; form-action " + formAction + "; frame-ancestors 'none'; base-uri 'none'"
}

// origin is scheme://host of u, or "" when u is not an http(s) URL.
func origin(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	return p.Scheme + "://" + p.Host
}

func secureHeaders(h http.Header, csp string) {
	h.Set("Content-Security-Policy", csp)
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

// privateLink is what a registration's private link carries: the registration, the cancel
// token the event service issued for it (the public can neither read a registration nor cancel
// one without that token), and the registration as the link's page shows it, as of At.
type privateLink struct {
	Registration string `json:"r"`
	CancelToken  string `json:"c"`
	// State is the registration's state ("CONFIRMED"), Position its place on the waitlist.
	State    string `json:"s"`
	Position int32  `json:"p,omitempty"`
	// At is when the event service said so; Expires when the link stops working (Unix seconds).
	At      int64 `json:"a"`
	Expires int64 `json:"e"`
}

// sessionName is the registration's session, "events/e/sessions/s".
func (l privateLink) sessionName() string {
	return l.Registration[:strings.Index(l.Registration, "/registrations/")]
}

// cancelToken is the private link token of a registration: what l says, signed, so that nobody
// can make the page say something else or last longer. It is the one place such tokens are made.
func (h *Handler) cancelToken(l privateLink) string {
	payload, _ := json.Marshal(l) // strings and numbers only: it cannot fail
	return b64.EncodeToString(payload) + "." + b64.EncodeToString(h.links.sign(string(payload)))
}

// openCancelToken returns what a private link token says, or ErrBadLink.
func (h *Handler) openCancelToken(tok string) (privateLink, error) {
	body, sig, ok := strings.Cut(tok, ".")
	if !ok {
		return privateLink{}, ErrBadLink
	}
	payload, err1 := b64.DecodeString(body)
	mac, err2 := b64.DecodeString(sig)
	if err1 != nil || err2 != nil || !h.links.verify(mac, string(payload)) {
		return privateLink{}, ErrBadLink
	}
	var l privateLink
	if err := json.Unmarshal(payload, &l); err != nil || !registrationName.MatchString(l.Registration) || l.CancelToken == "" {
		return privateLink{}, ErrBadLink
	}
	if !h.now().Before(time.Unix(l.Expires, 0)) {
		return privateLink{}, ErrBadLink
	}
	return l, nil
}

// registrationName is the shape of a registration's resource name.
var registrationName = regexp.MustCompile(`^events/[A-Za-z0-9][A-Za-z0-9._-]{0,62}/sessions/[A-Za-z0-9][A-Za-z0-9._-]{0,62}/registrations/[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

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
