package web

import (
	"net/http"
	"time"
)

// A flash is the confirmation a page shows once, after a change it redirected from ("Saved:
// Albion Garden Club"). It is kept on the server under a random one-time key in a short-lived
// cookie, so that what it names (a person, a record) stays out of URLs and cookies.
type flash struct {
	key string // message key, with one %s when arg is set
	arg string
}

const (
	flashCookie = "flash"
	// flashLifetime is how long a confirmation waits for the page it was meant for.
	flashLifetime = time.Minute
	// flashMax bounds the confirmations waiting, as the sign-in states are bounded.
	flashMax = 10000
)

// confirm keeps a confirmation for the next page this browser opens; call it before redirecting.
func (h *Handler) confirm(w http.ResponseWriter, r *http.Request, key, arg string) {
	id := randomKey()
	now := h.now()
	h.flashes.put(id, flash{key: key, arg: arg}, now.Add(flashLifetime), now)
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: id, Path: "/", MaxAge: int(flashLifetime / time.Second),
		HttpOnly: true, Secure: h.secure(r), SameSite: http.SameSiteLaxMode})
}

// takeFlash returns the confirmation waiting for this browser, once, in the page language.
func (h *Handler) takeFlash(w http.ResponseWriter, r *http.Request, l *localizer) string {
	c, err := r.Cookie(flashCookie)
	if err != nil || c.Value == "" {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: h.secure(r), SameSite: http.SameSiteLaxMode})
	f, ok := h.flashes.take(c.Value, h.now())
	if !ok {
		return ""
	}
	if f.arg == "" {
		return l.T(f.key)
	}
	return l.T(f.key, f.arg)
}
