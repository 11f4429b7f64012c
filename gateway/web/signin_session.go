package web

// The signed-in person's session: found by its cookie, renewed with a refresh token, ended with
// its access token.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/socialrx/socialrx/services/platform/storage"
)

// Session implements Sessions: the signed-in person of r's session cookie, or the public.
func (o *oidcSignIn) Session(r *http.Request) Session {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return publicSession{}
	}
	s, err := o.loadSession(r.Context(), c.Value)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return publicSession{}
	case err != nil:
		o.logger.Error("web: session not read; the person is the public for this request", "error", err)
		return publicSession{}
	}
	now := o.now()
	if now.Before(s.end) {
		return s
	}
	if s, ok := o.refresh(r.Context(), c.Value, s, now); ok {
		return s
	}
	return publicSession{}
}

// refresh renews an ended session's access token with its refresh token, when the provider gave
// one and the session is younger than its maximum age. Of two replicas refreshing at once, the
// one whose record is stored first wins; the other serves the winner's session.
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
	if _, ok := tok.Extra("id_token").(string); !ok {
		if idt, ok := s.token.Extra("id_token").(string); ok {
			tok = tok.WithExtra(map[string]any{"id_token": idt})
		}
	}
	s.token = tok
	s.person.Organization, s.person.Roles = id2.Organization, id2.Roles
	s.end = o.end(s, tok.AccessToken)
	won, err := o.replaceSession(ctx, id, s)
	if err != nil {
		o.logger.Error("web: refreshed session not stored", "error", err)
		return s, false
	}
	if !won {
		// Another replica refreshed (or the person signed out) first: its record is the session.
		w, err := o.loadSession(ctx, id)
		if err != nil || !now.Before(w.end) {
			return s, false
		}
		return w, true
	}
	s.version++
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
	s, err := o.loadSession(r.Context(), c.Value)
	if err != nil {
		return ""
	}
	return s.person.Subject
}

// endSession marks the session of r as ended now, keeping its record: its subject still guards
// the form the person leaves.
func (o *oidcSignIn) endSession(r *http.Request) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return
	}
	s, err := o.loadSession(r.Context(), c.Value)
	if err != nil {
		return
	}
	s.end = o.now()
	if _, err := o.replaceSession(r.Context(), c.Value, s); err != nil {
		o.logger.Warn("web: ended session not stored", "error", err)
	}
}
