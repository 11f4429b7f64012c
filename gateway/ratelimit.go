package gateway

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/socialrx/socialrx/gateway/httperror"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/auth"
)

// ReasonRateLimited is the ErrorInfo reason of a request refused by the per-caller rate limit.
const ReasonRateLimited = "RATE_LIMITED"

// The kinds of bucket a request is limited by, the values of the metric's "bucket" label.
const (
	bucketSubject    = "subject"     // a verified token: its subject and client
	bucketAddress    = "address"     // no verified token: the client's address
	bucketFailedAuth = "failed_auth" // a credential that did not verify, also by address
)

// verifiedTTL is how long a verified token's identity is reused without verifying it again. It
// serves the limiter only (the services verify every call), so a token that expires meanwhile
// costs nothing but a few seconds more in its subject's bucket.
const verifiedTTL = 30 * time.Second

// callerLimiter holds one token bucket per caller. The callers seen least recently are forgotten
// first once maxCallers are held, so memory stays bounded however many callers appear; a
// forgotten caller starts again with a full burst.
type callerLimiter struct {
	limit      rate.Limit
	burst      int
	maxCallers int
	now        func() time.Time

	mu      sync.Mutex
	order   *list.List // of *callerEntry, most recently seen first
	callers map[string]*list.Element
}

type callerEntry struct {
	key     string
	limiter *rate.Limiter
}

func newCallerLimiter(perSecond float64, burst, maxCallers int) *callerLimiter {
	return &callerLimiter{
		limit: rate.Limit(perSecond), burst: burst, maxCallers: maxCallers, now: time.Now,
		order: list.New(), callers: map[string]*list.Element{},
	}
}

// allow takes a token for key, or reports how long until one is free.
func (c *callerLimiter) allow(key string) (ok bool, retryAfter time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var lim *rate.Limiter
	if el, found := c.callers[key]; found {
		c.order.MoveToFront(el)
		lim = el.Value.(*callerEntry).limiter
	} else {
		lim = rate.NewLimiter(c.limit, c.burst)
		c.callers[key] = c.order.PushFront(&callerEntry{key: key, limiter: lim})
		for c.order.Len() > c.maxCallers {
			oldest := c.order.Back()
			c.order.Remove(oldest)
			delete(c.callers, oldest.Value.(*callerEntry).key)
		}
	}
	now := c.now()
	r := lim.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Second
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now) // the request is refused, so it does not use up the token
		return false, d
	}
	return true, 0
}

// size is the number of callers held.
func (c *callerLimiter) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// credential is what a request's Authorization header says.
type credential struct {
	present bool   // an Authorization header was sent
	token   string // its bearer token; "" when the header is not one "Bearer <token>"
}

// parseAuthorization reads the Authorization header once for the limiter and the services: the
// scheme in any case, the token between any run of spaces or tabs. More than one header, another
// scheme or anything after the token gives a credential without a token.
func parseAuthorization(h http.Header) credential {
	values := h.Values("Authorization")
	if len(values) == 0 {
		return credential{}
	}
	if len(values) > 1 {
		return credential{present: true}
	}
	fields := strings.Fields(values[0])
	if len(fields) != 2 || !strings.EqualFold(fields[0], "bearer") {
		return credential{present: true}
	}
	return credential{present: true, token: fields[1]}
}

// limits decides which bucket a request takes a token from: a verified token's subject and
// client, else the client's address. A credential that does not verify takes a token from its
// address's bucket and from a smaller bucket of failed credentials at that address, so made-up
// tokens buy no capacity of their own.
type limits struct {
	subject, address, failed *callerLimiter
	// verifier checks tokens as the services do; nil without an issuer, when every request is
	// limited by address.
	verifier *auth.Verifier
	verified *verifiedTokens
	proxies  []netip.Prefix
	refused  *prometheus.CounterVec // by bucket kind
}

// allow takes a token for r, or reports how long until one is free.
func (l *limits) allow(r *http.Request, cred credential) (ok bool, retryAfter time.Duration) {
	addr := clientAddress(r, l.proxies)
	kind, key := bucketAddress, addr
	if cred.present && l.verifier != nil {
		kind = bucketFailedAuth
		if cred.token != "" {
			id, err := l.verify(r.Context(), cred.token)
			switch {
			case err == nil:
				kind, key = bucketSubject, digest(id.Subject+"\x00"+id.ClientID)
			case status.Code(err) == codes.Unavailable:
				kind = bucketAddress // the provider's keys are out of reach: not the caller's fault
			}
		}
	}
	switch kind {
	case bucketSubject:
		ok, retryAfter = l.subject.allow(key)
	case bucketFailedAuth:
		if ok, retryAfter = l.failed.allow(addr); ok {
			ok, retryAfter = l.address.allow(addr)
		}
	default:
		ok, retryAfter = l.address.allow(addr)
	}
	if !ok {
		l.refused.WithLabelValues(kind).Inc()
	}
	return ok, retryAfter
}

// verify returns the identity of token, verified now or in the last verifiedTTL.
func (l *limits) verify(ctx context.Context, token string) (auth.Identity, error) {
	sum := sha256.Sum256([]byte(token))
	if id, ok := l.verified.get(sum); ok {
		return id, nil
	}
	id, err := l.verifier.Verify(ctx, token)
	if err != nil {
		return auth.Identity{}, err
	}
	l.verified.put(sum, id)
	return id, nil
}

// digest keys a bucket without holding who it is for.
func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}

// verifiedTokens remembers the identities of recently verified tokens by the tokens' hashes
// (the tokens themselves are never held), at most max of them.
type verifiedTokens struct {
	max int
	now func() time.Time

	mu     sync.Mutex
	tokens map[[sha256.Size]byte]verifiedToken
}

type verifiedToken struct {
	id    auth.Identity
	until time.Time
}

func newVerifiedTokens(max int) *verifiedTokens {
	return &verifiedTokens{max: max, now: time.Now, tokens: map[[sha256.Size]byte]verifiedToken{}}
}

func (v *verifiedTokens) get(sum [sha256.Size]byte) (auth.Identity, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	t, ok := v.tokens[sum]
	if !ok || !v.now().Before(t.until) {
		return auth.Identity{}, false
	}
	return t.id, true
}

func (v *verifiedTokens) put(sum [sha256.Size]byte, id auth.Identity) {
	v.mu.Lock()
	defer v.mu.Unlock()
	now := v.now()
	if len(v.tokens) >= v.max {
		for k, t := range v.tokens {
			if !now.Before(t.until) {
				delete(v.tokens, k)
			}
		}
		for k := range v.tokens { // still full: forget any one
			if len(v.tokens) < v.max {
				break
			}
			delete(v.tokens, k)
		}
	}
	v.tokens[sum] = verifiedToken{id: id, until: now.Add(verifiedTTL)}
}

// clientAddress is the address r came from: its peer's, or, when the peer is a trusted proxy,
// the nearest address in X-Forwarded-For that is not one. Proxies append the address they saw,
// so the entries left of the last trusted hop are whatever the client wrote and are not read.
func clientAddress(r *http.Request, proxies []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	if !trusted(peer, proxies) {
		return peer.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		client = a.Unmap()
		if !trusted(client, proxies) {
			break
		}
	}
	return client.String()
}

func trusted(a netip.Addr, proxies []netip.Prefix) bool {
	for _, p := range proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseProxies reads GATEWAY_TRUSTED_PROXIES: CIDR prefixes or single addresses, separated by
// commas.
func parseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			a, aerr := netip.ParseAddr(part)
			if aerr != nil {
				return nil, fmt.Errorf("GATEWAY_TRUSTED_PROXIES: %q is neither a CIDR prefix nor an address", part)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// newLimits builds the limiter of cfg, whose limits are already defaulted and valid.
func newLimits(cfg Config, refused *prometheus.CounterVec) (*limits, error) {
	proxies, err := parseProxies(cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	l := &limits{
		subject:  newCallerLimiter(cfg.RateLimit, int(cfg.RateBurst), maxTrackedCallers),
		address:  newCallerLimiter(cfg.AddressRateLimit, int(cfg.AddressRateBurst), maxTrackedCallers),
		failed:   newCallerLimiter(cfg.FailedAuthRateLimit, int(cfg.FailedAuthRateBurst), maxTrackedCallers),
		verified: newVerifiedTokens(maxTrackedCallers),
		proxies:  proxies, refused: refused,
	}
	if cfg.Web.Access.Issuer != "" {
		if l.verifier, err = auth.NewVerifier(cfg.Web.Access); err != nil {
			return nil, fmt.Errorf("rate limits by verified token: %w", err)
		}
	}
	return l, nil
}

// retrySeconds is Retry-After's whole seconds, at least one.
func retrySeconds(retryAfter time.Duration) int {
	return max(1, int(math.Ceil(retryAfter.Seconds())))
}

// rateLimited answers 429 RESOURCE_EXHAUSTED with Retry-After in whole seconds.
func rateLimited(w http.ResponseWriter, retryAfter time.Duration) {
	secs := retrySeconds(retryAfter)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	httperror.WriteStatus(w, status.Convert(apierror.New(codes.ResourceExhausted, ReasonRateLimited,
		"too many requests from this caller; retry after "+strconv.Itoa(secs)+"s",
		map[string]string{"retry_after_seconds": strconv.Itoa(secs)})))
}
