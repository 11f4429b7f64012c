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
	"time"

	"google.golang.org/grpc"

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
	// DevSignIn turns on the development sign-in (see devsignin.go): never where real data lives.
	DevSignIn bool
}

// RegisterFlags registers the configuration flags, with environment fallbacks, on l.
func (c *Config) RegisterFlags(l *config.Loader) {
	l.String(&c.LinkKey, "web-link-key", "WEB_LINK_KEY", "", "key (32 bytes or more) signing private cancel links and CSRF tokens; random per process when empty")
	l.String(&c.TimeZone, "web-time-zone", "WEB_TIME_ZONE", defaultTimeZone, "time zone in which the web app reads dates typed into filters")
	l.Bool(&c.SecureCookies, "web-secure-cookies", "WEB_SECURE_COOKIES", false, "mark web cookies Secure even without TLS (behind a TLS proxy)")
	l.Bool(&c.DevSignIn, "web-dev-sign-in", "WEB_DEV_SIGN_IN", false, "DEVELOPMENT ONLY: sign in as any demo host or moderator without a password")
}

// Backends are the gRPC connections the web app calls.
type Backends struct {
	Directory grpc.ClientConnInterface
	Event     grpc.ClientConnInterface
	// Referral is the referral service; without it the practitioners' referral pages are off.
	Referral grpc.ClientConnInterface
	// Sessions finds the signed-in person of a request; nil serves everyone as the public.
	Sessions Sessions
	// DevTokens issues tokens for the development sign-in's people (DEVELOPMENT ONLY: the
	// all-in-one passes its development identity provider's).
	DevTokens func(auth.Identity) (string, error)
}

// Handler serves the web app.
type Handler struct {
	cfg       Config
	logger    *slog.Logger
	events    eventv1.EventServiceClient
	directory directoryv1.DirectoryServiceClient
	referrals referralv1.ReferralServiceClient
	sessions  Sessions
	links     *signer
	csrf      *csrf
	zone      *time.Location
	i18n      *translations
	pages     *renderer
	places    *placeCache
	dev       devSessions
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
	dev := devSessions{signer: newSigner(key, "dev-session"), now: time.Now, tokens: b.DevTokens}
	sessions := b.Sessions
	switch {
	case sessions != nil:
	case cfg.DevSignIn:
		logger.Warn("WEB_DEV_SIGN_IN is on: anyone can act as any host or moderator; never use it with real data")
		sessions = dev
	default:
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
		dev:       dev,
		i18n:      tr,
		pages:     pages,
		mux:       http.NewServeMux(),
		now:       time.Now,
	}
	h.places = newPlaceCache(h.directory, time.Minute)
	if b.Referral != nil {
		h.referrals = referralv1.NewReferralServiceClient(b.Referral)
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
	if h.cfg.DevSignIn {
		m.HandleFunc("GET /dev/sign-in", h.devSignInForm)
		m.HandleFunc("POST /dev/sign-in", h.devSignIn)
	}
	m.HandleFunc("POST /sign-out", h.signOut)
	if h.referrals != nil {
		h.referralRoutes(m)
	}
	h.adminRoutes(m)

	m.HandleFunc("/", h.notFound)
}

// ServeHTTP serves a request with the security headers every page carries.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	secureHeaders(w.Header())
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
