package gateway

import (
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/socialrx/socialrx/gateway/httperror"
	"github.com/socialrx/socialrx/services/platform/apierror"
)

// ReasonRateLimited is the ErrorInfo reason of a request refused by the per-caller rate limit.
const ReasonRateLimited = "RATE_LIMITED"

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

// callerKey identifies the caller of r: a hash of its Authorization header when it sends one
// (the credential itself is never held), else its address. X-Forwarded-For is not trusted: a
// deployment behind a proxy rate-limits at the proxy or by credential.
func callerKey(r *http.Request) string {
	if a := r.Header.Get("Authorization"); a != "" {
		sum := sha256.Sum256([]byte(a))
		return "auth:" + hex.EncodeToString(sum[:16])
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "ip:" + host
}

// rateLimited answers 429 RESOURCE_EXHAUSTED with Retry-After in whole seconds.
func rateLimited(w http.ResponseWriter, retryAfter time.Duration) {
	secs := int(math.Ceil(retryAfter.Seconds()))
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	httperror.WriteStatus(w, status.Convert(apierror.New(codes.ResourceExhausted, ReasonRateLimited,
		"too many requests from this caller; retry after "+strconv.Itoa(secs)+"s",
		map[string]string{"retry_after_seconds": strconv.Itoa(secs)})))
}
