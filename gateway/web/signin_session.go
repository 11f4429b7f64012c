package web

// The signed-in person's session: found by its cookie, renewed with a refresh token, ended with
// its access token.

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// Session implements Sessions: the signed-in person of r's session cookie, or the public.
func (o *oidcSignIn) Session(r *http.Request) Session {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return publicSession{}
	}
	now := o.now()
	s, found, live := o.sessions.get(c.Value, now)
	switch {
	case !found:
		return publicSession{}
	case live:
		return s
	}
	if s, ok := o.refresh(r.Context(), c.Value, s, now); ok {
		return s
	}
	return publicSession{}
}

// refresh renews an ended session's access token with its refresh token, when the provider gave
// one and the session is younger than its maximum age.
func (o *oidcSignIn) refresh(ctx context.Context, id string, s signedIn, now time.Time) (signedIn, bool) {
	if s.token.RefreshToken == "" || !now.Before(s.started.Add(o.maxAge)) {
		return s, false
	}
	p, err := o.discover(ctx)
	if err != nil {
		return s, false
	}
	old := *s.token
	old.Expiry = now.Add(-time.Minute) // the session says it ended, whatever the token says
	tok, err := o.oauth(p, "").TokenSource(oidc.ClientContext(ctx, o.client), &old).Token()
	if err != nil {
		o.logger.Info("web: refresh token refused; the person signs in again", "error", err)
		return s, false
	}
	id2, err := o.access.Verify(ctx, tok.AccessToken)
	if err != nil || id2.Subject != s.person.Subject {
		return s, false
	}
	s.token = tok
	s.person.Organization, s.person.Roles = id2.Organization, id2.Roles
	o.sessions.put(id, s, o.end(s, tok.AccessToken), now)
	return s, true
}

// end is when a session ends: when its access token expires, and at the latest maxAge after the
// sign-in.
func (o *oidcSignIn) end(s signedIn, accessToken string) time.Time {
	end := s.started.Add(o.maxAge)
	if exp, ok := jwtExpiry(accessToken); ok && exp.Before(end) {
		end = exp
	}
	if !s.token.Expiry.IsZero() && s.token.Expiry.Before(end) {
		end = s.token.Expiry
	}
	return end
}

// jwtExpiry reads exp from a JWT whose signature was checked already.
func jwtExpiry(raw string) (time.Time, bool) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	payload, err := b64.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp *json.Number `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Exp == nil {
		return time.Time{}, false
	}
	n, err := claims.Exp.Int64()
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(n, 0), true
}

// previousSubject is who r's session belonged to, ended or not, or "".
func (o *oidcSignIn) previousSubject(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	s, found, _ := o.sessions.get(c.Value, o.now())
	if !found {
		return ""
	}
	return s.person.Subject
}
