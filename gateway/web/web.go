package web

import (
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"google.golang.org/grpc"

	"github.com/socialrx/socialrx/gateway/web/sessiondb"
	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/config"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// defaultTimeZone is Ontario's, where the Human Connection events are.
const defaultTimeZone = "America/Toronto"

// Config configures the web app.
type Config struct {
	// LinkKey signs private links and CSRF tokens; random per process when empty, so links
	// then stop working when the process restarts.
	LinkKey string
	// TimeZone is where dates typed into filters are read, e.g. "America/Toronto".
	TimeZone string
	// SecureCookies marks cookies Secure even when the request did not arrive over TLS (behind
	// a TLS-terminating proxy).
	SecureCookies bool
	// OIDCIssuer is the OpenID provider people sign in at; Access.Issuer (the services'
	// OIDC_ISSUER) when empty. Sign-in is off without an issuer and OIDCClientID.
	OIDCIssuer string
	// OIDCClientID and OIDCClientSecret are the web app's client at the provider: authorization
	// code with PKCE, and the secret only for a confidential client.
	OIDCClientID, OIDCClientSecret string
	// PublicURL is where browsers reach the web app, e.g. "https://events.example.org"; the
	// sign-in's redirect URL is under it. Empty: the host of each request.
	PublicURL string
	// SessionMaxAge is the longest a sign-in lasts, even when its tokens are refreshed.
	SessionMaxAge time.Duration
	// SessionKey seals sessions kept in the database (base64 of 32 bytes); SessionKeyPrevious
	// still opens those sealed before the key was rotated. See sessiondb.ParseKeys.
	SessionKey, SessionKeyPrevious string
	// Access is how the services read access tokens (OIDC_*): the web app reads the signed-in
	// person's subject, organisation and roles from them the same way.
	Access auth.OIDC
	// Now is the web app's clock, for its pages and its sign-ins and sessions; time.Now when nil.
	// Tests set it to let time pass without waiting.
	Now func() time.Time
}

// DefaultSessionMaxAge is the longest a sign-in lasts unless WEB_SESSION_MAX_AGE says otherwise.
const DefaultSessionMaxAge = 12 * time.Hour

// signInIssuer is the provider people sign in at.
func (c Config) signInIssuer() string {
	if c.OIDCIssuer != "" {
		return c.OIDCIssuer
	}
	return c.Access.Issuer
}

// SignIn reports whether people can sign in: an issuer and a client are configured.
func (c Config) SignIn() bool { return c.signInIssuer() != "" && c.OIDCClientID != "" }

// RegisterFlags registers the configuration flags, with environment fallbacks, on l.
func (c *Config) RegisterFlags(l *config.Loader) {
	l.String(&c.LinkKey, "web-link-key", "WEB_LINK_KEY", "", "key (32 bytes or more) signing private cancel links and CSRF tokens; random per process when empty")
	l.String(&c.TimeZone, "web-time-zone", "WEB_TIME_ZONE", defaultTimeZone, "time zone in which the web app reads dates typed into filters")
	l.Bool(&c.SecureCookies, "web-secure-cookies", "WEB_SECURE_COOKIES", false, "mark web cookies Secure even without TLS (behind a TLS proxy)")
	l.String(&c.OIDCIssuer, "web-oidc-issuer", "WEB_OIDC_ISSUER", "", "OpenID provider people sign in at; OIDC_ISSUER when empty")
	l.String(&c.OIDCClientID, "web-oidc-client-id", "WEB_OIDC_CLIENT_ID", "", "the web app's OAuth2 client (authorization code + PKCE); sign-in is off without one")
	l.String(&c.OIDCClientSecret, "web-oidc-client-secret", "WEB_OIDC_CLIENT_SECRET", "", "the client's secret, for a confidential client")
	l.String(&c.PublicURL, "web-public-url", "WEB_PUBLIC_URL", "", "URL browsers reach the web app at; the sign-in redirect is its /callback (default: the request's host)")
	l.Duration(&c.SessionMaxAge, "web-session-max-age", "WEB_SESSION_MAX_AGE", DefaultSessionMaxAge, "longest a sign-in lasts, even with refreshed tokens")
	l.String(&c.SessionKey, "web-session-key", "WEB_SESSION_KEY", "", "base64 of 32 random bytes sealing the web sessions kept in the database (required with MONGODB_URI and sign-in)")
	l.String(&c.SessionKeyPrevious, "web-session-key-previous", "WEB_SESSION_KEY_PREVIOUS", "", "the key before WEB_SESSION_KEY, still read after a rotation")
	c.Access.RegisterFlags(l)
}

// Validate reports a sign-in setting the web app cannot start with, naming its variable.
func (c Config) Validate() error {
	if !c.SignIn() {
		return nil
	}
	if u, err := url.Parse(c.signInIssuer()); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("WEB_OIDC_ISSUER=%q: not an http(s) URL", c.signInIssuer())
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" && u.Path != "/" {
			return fmt.Errorf("WEB_PUBLIC_URL=%q: want the site's root URL, e.g. https://events.example.org", c.PublicURL)
		}
	}
	if c.SessionMaxAge < 0 {
		return fmt.Errorf("WEB_SESSION_MAX_AGE=%s: must not be negative", c.SessionMaxAge)
	}
	return nil
}

// Backends are the gRPC connections the web app calls.
type Backends struct {
	Directory grpc.ClientConnInterface
	Event     grpc.ClientConnInterface
	// Referral is the referral service; without it the practitioners' referral pages are off.
	Referral grpc.ClientConnInterface
	// Sessions finds the signed-in person of a request; nil means the OpenID Connect sign-in
	// when Config.SignIn, else everyone is the public.
	Sessions Sessions
	// SessionStore keeps the OpenID Connect sign-in's sessions, shared by every replica on its
	// database; nil keeps them in this process's memory.
	SessionStore *sessiondb.Store
}

// Handler serves the web app.
type Handler struct {
	cfg       Config
	logger    *slog.Logger
	events    eventv1.EventServiceClient
	directory directoryv1.DirectoryServiceClient
	referrals referralv1.ReferralServiceClient
	impact    referralv1.ImpactServiceClient
	sessions  Sessions
	links     *signer
	csrf      *csrf
	zone      *time.Location
	i18n      *translations
	pages     *renderer
	places    *placeCache
	signin    *oidcSignIn
	flashes   *expiring[flash]
	csp       string
	mux       *http.ServeMux
	now       func() time.Time
}

// New builds the web app's handler.
func New(cfg Config, b Backends, logger *slog.Logger) (*Handler, error) {
	key := []byte(cfg.LinkKey)
	switch {
	case cfg.LinkKey == "":
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("random link key: %w", err)
		}
		logger.Warn("WEB_LINK_KEY is not set: private links last only as long as this process")
	case len(key) < 32:
		return nil, errors.New("WEB_LINK_KEY: needs at least 32 bytes, e.g. " + hex.EncodeToString(make([]byte, 16)) + " from a random source")
	}
	if cfg.TimeZone == "" {
		cfg.TimeZone = defaultTimeZone
	}
	zone, err := time.LoadLocation(cfg.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("WEB_TIME_ZONE=%q: %w", cfg.TimeZone, err)
	}
	if b.Directory == nil || b.Event == nil {
		return nil, errors.New("web: the directory and event connections are required")
	}
	tr, err := newTranslations()
	if err != nil {
		return nil, err
	}
	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, fmt.Errorf("static assets: %w", err)
	}
	assets, err := newAssets(static)
	if err != nil {
		return nil, err
	}
	pages, err := newRenderer(templateFiles, assets)
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	var signin *oidcSignIn
	sessions := b.Sessions
	switch {
	case sessions != nil:
	case cfg.SignIn():
		signin, err = newOIDCSignIn(cfg, b.SessionStore, logger, now)
		if err != nil {
			return nil, err
		}
		sessions = signin
	default:
		logger.Warn("web sign-in is off: set WEB_OIDC_CLIENT_ID and WEB_OIDC_ISSUER (or OIDC_ISSUER)")
		sessions = publicSessions{}
	}
	h := &Handler{
		cfg:       cfg,
		logger:    logger,
		events:    eventv1.NewEventServiceClient(b.Event),
		directory: directoryv1.NewDirectoryServiceClient(b.Directory),
		sessions:  sessions,
		links:     newSigner(key, "cancel-link"),
		csrf:      &csrf{signer: newSigner(key, "csrf")},
		zone:      zone,
		signin:    signin,
		flashes:   newExpiring[flash](flashMax),
		csp:       contentSecurityPolicy(""),
		i18n:      tr,
		pages:     pages,
		mux:       http.NewServeMux(),
		now:       now,
	}
	if signin != nil {
		h.csp = contentSecurityPolicy(origin(signin.issuer))
	}
	h.places = newPlaceCache(h.directory, time.Minute)
	if b.Referral != nil {
		h.referrals = referralv1.NewReferralServiceClient(b.Referral)
		h.impact = referralv1.NewImpactServiceClient(b.Referral)
	}
	h.routes(assets)
	return h, nil
}

func (h *Handler) routes(assets *assets) {
	m := h.mux
	m.Handle("GET /static/", http.StripPrefix("/static/", assets))
	m.HandleFunc("GET /language", h.setLanguage)

	m.HandleFunc("GET /{$}", h.listing)
	m.HandleFunc("GET /events.ics", h.listingCalendar)
	m.HandleFunc("GET /events/{event}", h.eventPage)
	m.HandleFunc("GET /events/{event}/calendar.ics", h.eventCalendar)
	m.HandleFunc("GET /events/{event}/sessions/{session}/register", h.registerForm)
	m.HandleFunc("POST /events/{event}/sessions/{session}/register", h.register)

	// The private link's token travels in the query string, which request logs leave out.
	m.HandleFunc("GET /registration", h.confirmation)
	m.HandleFunc("GET /registration/calendar.ics", h.registrationCalendar)
	m.HandleFunc("GET /registration/cancel", h.cancelForm)
	m.HandleFunc("POST /registration/cancel", h.cancel)

	m.HandleFunc("GET /directory", h.directorySearch)
	m.HandleFunc("GET /directory/services/{service}", h.programme)

	m.HandleFunc("GET /host", h.hostHome)
	m.HandleFunc("GET /host/events/new", h.hostNewEvent)
	m.HandleFunc("POST /host/events/new", h.hostCreateEvent)
	m.HandleFunc("GET /host/events/{event}", h.hostEvent)
	m.HandleFunc("POST /host/events/{event}/submit", h.hostSubmit)
	m.HandleFunc("POST /host/events/{event}/sessions", h.hostAddSession)
	m.HandleFunc("GET /host/events/{event}/edit", h.hostEditForm)
	m.HandleFunc("POST /host/events/{event}/edit", h.hostEdit)
	m.HandleFunc("GET /host/events/{event}/sessions/{session}", h.checkInList)
	m.HandleFunc("POST /host/events/{event}/sessions/{session}", h.checkInList)
	m.HandleFunc("POST /host/events/{event}/sessions/{session}/registrations/{registration}/check-in", h.checkIn)
	m.HandleFunc("POST /host/events/{event}/sessions/{session}/no-shows", h.markNoShows)
	m.HandleFunc("GET /moderate", h.reviewQueue)
	m.HandleFunc("POST /moderate/events/{event}/publish", h.publish)
	m.HandleFunc("POST /moderate/events/{event}/reject", h.reject)
	m.HandleFunc("GET /sign-in", h.signInPage)
	m.HandleFunc("GET /callback", h.callback)
	m.HandleFunc("POST /sign-out", h.signOut)
	if h.referrals != nil {
		h.referralRoutes(m)
		h.impactRoutes(m)
	}
	h.adminRoutes(m)

	m.HandleFunc("/", h.notFound)
}

// ServeHTTP serves a request with the security headers every page carries.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	secureHeaders(w.Header(), h.csp)
	if acceptsGzip(r) {
		gw := &gzipWriter{ResponseWriter: w}
		defer gw.close()
		w = gw
	}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	}
	if r.Method == http.MethodPost && !h.csrf.check(r) {
		h.fail(w, r, http.StatusForbidden, "error.csrf")
		return
	}
	h.mux.ServeHTTP(w, r)
}
