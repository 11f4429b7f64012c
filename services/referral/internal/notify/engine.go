package notify

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/policy"
	"github.com/socialrx/socialrx/services/platform/storage"
	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/referral/internal/domain"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

// Config configures the engine; zero fields take the defaults below.
type Config struct {
	// Guard decides which targets may be reached.
	Guard Guard
	// Poll is how often deliverers look for due deliveries and the dispatcher for changes.
	Poll time.Duration
	// Lease is the length of a dispatch lease slot.
	Lease time.Duration
	// RetryBase is the wait after the first failed attempt; each further failure doubles it, up
	// to RetryMax, and a random part of up to half of it is taken off (jitter).
	RetryBase time.Duration
	RetryMax  time.Duration
	// DisableAfter is how long a webhook's deliveries may fail without a success in between
	// before it is disabled.
	DisableAfter time.Duration
	// ConnectTimeout bounds connecting (and the TLS handshake); Timeout a whole attempt.
	ConnectTimeout time.Duration
	Timeout        time.Duration
	// MaxResponse is how much of a response body is read.
	MaxResponse int64
	// Workers bounds the attempts this replica makes at once.
	Workers int
	// TLS is the client's TLS configuration (tests trust their own receivers with it).
	TLS *tls.Config
	// Now is the clock.
	Now func() time.Time
}

// Defaults.
const (
	DefaultPoll           = 250 * time.Millisecond
	DefaultLease          = 10 * time.Second
	DefaultRetryBase      = 5 * time.Second
	DefaultRetryMax       = time.Hour
	DefaultDisableAfter   = 24 * time.Hour
	DefaultConnectTimeout = 5 * time.Second
	DefaultTimeout        = 10 * time.Second
	DefaultMaxResponse    = 64 << 10
	DefaultWorkers        = 16
)

func (c *Config) defaults() {
	set := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	set(&c.Poll, DefaultPoll)
	set(&c.Lease, DefaultLease)
	set(&c.RetryBase, DefaultRetryBase)
	set(&c.RetryMax, DefaultRetryMax)
	set(&c.DisableAfter, DefaultDisableAfter)
	set(&c.ConnectTimeout, DefaultConnectTimeout)
	set(&c.Timeout, DefaultTimeout)
	if c.MaxResponse <= 0 {
		c.MaxResponse = DefaultMaxResponse
	}
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Engine dispatches referral changes to webhooks and delivers them.
type Engine struct {
	st     *store.Store
	cfg    Config
	client *http.Client
	logger *slog.Logger
	// owner names this replica in leases and attempts.
	owner string
	wake  chan struct{}
	// kick wakes the dispatcher when this replica appends to the feed.
	kick chan struct{}

	mu       sync.Mutex
	inflight map[string]bool // webhooks with an attempt under way here

	// The dispatcher's state, used by its loop alone.
	held   int64 // the lease slot held, 0 for none
	pos    int64 // feed position, valid while the lease is held without a break
	states map[string]store.ReferralState
}

// New returns an engine over st.
func New(st *store.Store, cfg Config, logger *slog.Logger) *Engine {
	cfg.defaults()
	dialer := &net.Dialer{Timeout: cfg.ConnectTimeout}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would connect for us, past the guard
		DialContext:           cfg.Guard.dialContext(dialer),
		TLSClientConfig:       cfg.TLS,
		TLSHandshakeTimeout:   cfg.ConnectTimeout,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
	}
	client := &http.Client{Transport: tr, Timeout: cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return &Engine{st: st, cfg: cfg, client: client, logger: logger, owner: hex.EncodeToString(b),
		wake: make(chan struct{}, 1), kick: make(chan struct{}, 1), inflight: map[string]bool{}, states: map[string]store.ReferralState{}}
}

// Guard is the engine's target guard, for the checks at creation.
func (e *Engine) Guard() Guard { return e.cfg.Guard }

// Wake makes the deliverers look for due deliveries now (after a redelivery request).
func (e *Engine) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Run dispatches (while holding the lease) and delivers until ctx ends.
func (e *Engine) Run(ctx context.Context) {
	// This replica's own changes wake the dispatcher at once; other replicas' are seen within
	// a poll.
	head, err := e.st.Feed.Head(ctx)
	if err == nil {
		changefeed.NewFollower(e.st.Feed, head, func([]changefeed.Entry) error {
			select {
			case e.kick <- struct{}{}:
			default:
			}
			return nil
		})
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		e.dispatchLoop(ctx)
	}()
	e.deliverLoop(ctx)
	wg.Wait()
}

// DeliveryID is the webhook-id of event key for webhook w: the same change always makes the same
// id, and a webhook deleted and made again under its name has other ids.
func DeliveryID(w *store.Webhook, key string) string {
	sum := sha256.Sum256([]byte(w.ID + "\x00" + w.Incarnation + "\x00" + key))
	return "msg_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:20]))
}

// visible reports whether w's organisation may see r (its system client would read it) and w
// wants such an event.
func visible(w *store.Webhook, r *store.Referral) bool {
	id := auth.Identity{Subject: w.ID, Organization: w.Organization, Roles: []string{auth.RoleSystem}}
	f := policy.Facts{ReferringOrganization: r.ReferringOrganization, ReceivingOrganization: r.ReceivingOrganization,
		Assignee: r.Assignee, Draft: r.Status == domain.Draft}
	if !policy.Can(id, policy.ReferralRead, f) {
		return false
	}
	return criteriaHolds(w.Criteria, r)
}

func wants(w *store.Webhook, eventType string) bool {
	return len(w.EventTypes) == 0 || slices.Contains(w.EventTypes, eventType)
}

// backoff is the wait after failed attempt n (from 1): exponential, capped, with jitter.
func (e *Engine) backoff(n int) time.Duration {
	d := e.cfg.RetryBase
	for i := 1; i < n && d < e.cfg.RetryMax; i++ {
		d *= 2
	}
	d = min(d, e.cfg.RetryMax)
	half := int64(d / 2)
	if half <= 0 {
		return d
	}
	j, _ := rand.Int(rand.Reader, big.NewInt(half))
	return d - time.Duration(j.Int64())
}

var errNotFound = storage.ErrNotFound

func isNotFound(err error) bool { return errors.Is(err, errNotFound) }
