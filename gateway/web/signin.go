package web

// Sign-in with OpenID Connect: authorization code with PKCE at the configured provider. The ID
// token (signature, audience, nonce) gives the person's name; the access token, verified the way
// the services verify it, gives their subject, organisation and roles, and goes with every gRPC
// call made for them. Sessions are records (sessiondb in the gateway's database, so that every
// replica and restart knows them; else this process's memory), keyed by a random id in an
// HttpOnly cookie, and end when the access token does (unless the provider gave a refresh
// token) or at SessionMaxAge.

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/socialrx/socialrx/gateway/web/sessiondb"
	"github.com/socialrx/socialrx/services/platform/auth"
)

const (
	sessionCookie = "socialrx_session"
	signInCookie  = "socialrx_signin"
	// Bounds of what the sign-in keeps in memory, without a database.
	maxSessions = 10000
	maxPending  = 2000
	maxStashes  = 2000
	// signInLifetime is how long a person has at the provider's page.
	signInLifetime = 10 * time.Minute
	// stashLifetime is how long a form posted after the session ended waits for the sign-in.
	stashLifetime = 30 * time.Minute
)

// signedIn is a signed-in person's session.
type signedIn struct {
	person  Person
	token   *oauth2.Token
	started time.Time
	// end is when the session ends unless refreshed; version is the record's, as read.
	end     time.Time
	version int64
}

func (s signedIn) Token() string  { return s.token.AccessToken }
func (s signedIn) Person() Person { return s.person }

// pendingSignIn is a sign-in sent to the provider and not back yet, under its OAuth2 state.
type pendingSignIn struct {
	nonce, verifier, redirect string
	// back is the path to return to; resume the one-time key of a stashed form, if any.
	back, resume string
}

// oidcSignIn is the Sessions of a web app whose people sign in at an OpenID provider.
type oidcSignIn struct {
	issuer, clientID, clientSecret, publicURL string
	maxAge                                    time.Duration
	access                                    *auth.Verifier
	client                                    *http.Client
	logger                                    *slog.Logger
	now                                       func() time.Time

	records records

	mu       sync.Mutex
	provider *oidc.Provider
	ids      *oidc.IDTokenVerifier
}

func newOIDCSignIn(cfg Config, store *sessiondb.Store, logger *slog.Logger, now func() time.Time) (*oidcSignIn, error) {
	access := cfg.Access
	if access.Issuer == "" {
		access.Issuer = cfg.signInIssuer()
	}
	v, err := auth.NewVerifier(access)
	if err != nil {
		return nil, fmt.Errorf("web sign-in: %w", err)
	}
	maxAge := cfg.SessionMaxAge
	if maxAge <= 0 {
		maxAge = DefaultSessionMaxAge
	}
	var recs records = newMemoryRecords(now)
	if store != nil {
		recs = databaseRecords{store: store}
	} else {
		logger.Warn("web sessions are kept in this process only: a restart signs everyone out; set MONGODB_URI to keep them in the database")
	}
	return &oidcSignIn{
		issuer: cfg.signInIssuer(), clientID: cfg.OIDCClientID, clientSecret: cfg.OIDCClientSecret,
		publicURL: strings.TrimSuffix(cfg.PublicURL, "/"), maxAge: maxAge, access: v,
		client: &http.Client{Timeout: 10 * time.Second}, logger: logger, now: now,
		records: recs,
	}, nil
}

// discover reads the provider's discovery document on first use, not at start-up, so that the
// web app starts while the provider is down, and tries again on the next sign-in after a failure.
func (o *oidcSignIn) discover(ctx context.Context) (*oidc.Provider, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider != nil {
		return o.provider, nil
	}
	ctx, cancel := context.WithTimeout(oidc.ClientContext(ctx, o.client), 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(ctx, o.issuer)
	if err != nil {
		return nil, fmt.Errorf("discover the provider at WEB_OIDC_ISSUER %q: %w", o.issuer, err)
	}
	o.provider = p
	o.ids = p.Verifier(&oidc.Config{ClientID: o.clientID, Now: o.now})
	return p, nil
}

func (o *oidcSignIn) oauth(p *oidc.Provider, redirect string) *oauth2.Config {
	ep := p.Endpoint()
	if o.clientSecret == "" {
		// A public client names itself in the body; PKCE proves it is the one that started.
		ep.AuthStyle = oauth2.AuthStyleInParams
	}
	return &oauth2.Config{ClientID: o.clientID, ClientSecret: o.clientSecret, Endpoint: ep, RedirectURL: redirect,
		Scopes: []string{oidc.ScopeOpenID, "profile"}}
}

// redirectURL is this app's callback: under WEB_PUBLIC_URL, else at the host the browser used.
func (o *oidcSignIn) redirectURL(r *http.Request, secure bool) string {
	if o.publicURL != "" {
		return o.publicURL + "/callback"
	}
	scheme := "http"
	if secure {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/callback"
}

// signInLink is the address of the "Sign in" link of a page showing r, or "" without sign-in.
func (h *Handler) signInLink(r *http.Request) string {
	if h.signin == nil {
		return ""
	}
	back := r.URL.Path
	if r.Method == http.MethodGet && r.URL.RawQuery != "" {
		back += "?" + r.URL.RawQuery
	}
	return "/sign-in?" + url.Values{"back": {back}}.Encode()
}

func (h *Handler) signInPage(w http.ResponseWriter, r *http.Request) {
	h.beginSignIn(w, r, localPath(r.URL.Query().Get("back")), "")
}

// beginSignIn sends the browser to the provider; the callback comes back to back, with the
// stashed form under resume if there is one.
func (h *Handler) beginSignIn(w http.ResponseWriter, r *http.Request, back, resume string) {
	o := h.signin
	if o == nil {
		h.fail(w, r, http.StatusUnauthorized, "error.signin")
		return
	}
	p, err := o.discover(r.Context())
	if err != nil {
		h.logger.Error("web: sign-in unavailable", "error", err)
		h.fail(w, r, http.StatusServiceUnavailable, "error.unavailable")
		return
	}
	now := o.now()
	state := randomKey()
	pend := pendingSignIn{nonce: randomKey(), verifier: oauth2.GenerateVerifier(), redirect: o.redirectURL(r, h.secure(r)),
		back: back, resume: resume}
	if err := o.putPending(r.Context(), state, pend, now.Add(signInLifetime)); err != nil {
		h.logger.Error("web: sign-in unavailable", "error", err)
		h.fail(w, r, http.StatusServiceUnavailable, "error.unavailable")
		return
	}
	// The state also goes into a cookie of this browser: a callback started in another browser
	// (login CSRF) does not sign this one in.
	http.SetCookie(w, &http.Cookie{Name: signInCookie, Value: state, Path: "/callback", MaxAge: int(signInLifetime.Seconds()),
		HttpOnly: true, Secure: h.secure(r), SameSite: http.SameSiteLaxMode})
	to := o.oauth(p, pend.redirect).AuthCodeURL(state, oidc.Nonce(pend.nonce), oauth2.S256ChallengeOption(pend.verifier))
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// errSignIn is any failed sign-in; the log says why, the page says to try again.
var errSignIn = errors.New("sign-in failed")

func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	o := h.signin
	if o == nil {
		h.notFound(w, r)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: signInCookie, Value: "", Path: "/callback", MaxAge: -1, HttpOnly: true,
		Secure: h.secure(r), SameSite: http.SameSiteLaxMode})
	pend, s, err := h.finishSignIn(r)
	if err != nil {
		h.logger.Warn("web: sign-in failed", "error", err)
		h.fail(w, r, http.StatusBadRequest, "error.signin.failed")
		return
	}
	// A new id for every sign-in: an id known before it (session fixation) is worth nothing.
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := o.records.remove(r.Context(), sessiondb.Sessions, c.Value); err != nil {
			h.logger.Warn("web: the session before a sign-in was not removed", "error", err)
		}
	}
	id := randomKey()
	s.end = o.end(s, s.token.AccessToken)
	if err := o.createSession(r.Context(), id, s); err != nil {
		h.logger.Error("web: session not stored", "error", err)
		h.fail(w, r, http.StatusServiceUnavailable, "error.unavailable")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true, Secure: h.secure(r),
		SameSite: http.SameSiteLaxMode})
	back := pend.back
	if back == "/" {
		switch {
		case s.person.Has(auth.RoleEventHost):
			back = "/host"
		case s.person.Has(auth.RoleModerator):
			back = "/moderate"
		}
	}
	if pend.resume != "" {
		back += "?" + url.Values{"resume": {pend.resume}}.Encode()
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// finishSignIn checks the callback against the sign-in this browser started, exchanges the code
// with the PKCE verifier, and verifies both tokens.
func (h *Handler) finishSignIn(r *http.Request) (pendingSignIn, signedIn, error) {
	o := h.signin
	q := r.URL.Query()
	state := q.Get("state")
	c, err := r.Cookie(signInCookie)
	if err != nil || state == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(state)) != 1 {
		return pendingSignIn{}, signedIn{}, fmt.Errorf("%w: the state is not this browser's", errSignIn)
	}
	now := o.now()
	pend, err := o.takePending(r.Context(), state)
	if err != nil {
		return pendingSignIn{}, signedIn{}, fmt.Errorf("%w: unknown or expired state: %v", errSignIn, err)
	}
	if e := q.Get("error"); e != "" {
		return pend, signedIn{}, fmt.Errorf("%w: the provider answered %s", errSignIn, e)
	}
	p, err := o.discover(r.Context())
	if err != nil {
		return pend, signedIn{}, err
	}
	ctx := oidc.ClientContext(r.Context(), o.client)
	tok, err := o.oauth(p, pend.redirect).Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pend.verifier))
	if err != nil {
		return pend, signedIn{}, fmt.Errorf("%w: code exchange: %v", errSignIn, err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	idt, err := o.ids.Verify(ctx, rawID)
	if err != nil {
		return pend, signedIn{}, fmt.Errorf("%w: ID token: %v", errSignIn, err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(pend.nonce)) != 1 {
		return pend, signedIn{}, fmt.Errorf("%w: ID token nonce does not match", errSignIn)
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return pend, signedIn{}, fmt.Errorf("%w: at_hash: %v", errSignIn, err)
		}
	}
	id, err := o.access.Verify(r.Context(), tok.AccessToken)
	if err != nil {
		return pend, signedIn{}, fmt.Errorf("%w: access token: %v", errSignIn, err)
	}
	if sub := idt.Subject; id.Subject != sub && id.Subject != auth.PrefixUser+sub {
		return pend, signedIn{}, fmt.Errorf("%w: the ID and access tokens name different people", errSignIn)
	}
	var profile struct {
		Name              string `json:"name"`
		PreferredUsername string `json:"preferred_username"`
	}
	_ = idt.Claims(&profile)
	name := profile.Name
	if name == "" {
		name = profile.PreferredUsername
	}
	if name == "" {
		name = id.Subject
	}
	return pend, signedIn{token: tok, started: now,
		person: Person{Subject: id.Subject, Name: name, Organization: id.Organization, Roles: id.Roles}}, nil
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil && h.signin != nil {
		// Removed from the store, the session ends on every replica at once.
		if err := h.signin.records.remove(r.Context(), sessiondb.Sessions, c.Value); err != nil {
			h.logger.Error("web: sign-out did not remove the session", "error", err)
			h.fail(w, r, http.StatusServiceUnavailable, "error.unavailable")
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: h.secure(r), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// localPath returns back when it is a path on this site, else "/".
func localPath(back string) string {
	if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") || strings.HasPrefix(back, "/\\") {
		return "/"
	}
	return back
}
