package gateway

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/socialrx/socialrx/gateway/fhir"
	"github.com/socialrx/socialrx/gateway/httperror"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/headers"
)

// ReasonBodyTooLarge is the ErrorInfo reason of a request body over the gateway's limit.
const ReasonBodyTooLarge = "BODY_TOO_LARGE"

// maxTrackedCallers bounds the rate limiter's memory.
const maxTrackedCallers = 10_000

// edge is what every request meets first, whatever it asks for: identity headers from outside
// are dropped, the Authorization header is read once and passed on in one spelling, each caller
// is rate-limited (see limits), a body over the limit is refused before it is read
// (and cut off where it passes the limit when its length is not announced), and the query
// string must decode to valid UTF-8 without NUL characters.
type edge struct {
	next    http.Handler
	maxBody int64
	limits  *limits // nil when rate limiting is off
}

func (e *edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for k := range r.Header {
		if isIdentityHeader(k) {
			r.Header.Del(k)
		}
	}
	cred := parseAuthorization(r.Header)
	if cred.token != "" {
		r.Header.Set("Authorization", "Bearer "+cred.token)
	}
	// The FHIR facade's callers read every refusal as an OperationOutcome.
	isFHIR := strings.HasPrefix(r.URL.Path, fhir.Prefix+"/")
	if e.limits != nil && r.URL.Path != "/healthz" {
		if ok, retry := e.limits.allow(r, cred); !ok {
			if isFHIR {
				w.Header().Set("Retry-After", strconv.Itoa(retrySeconds(retry)))
				fhir.WriteOutcome(w, http.StatusTooManyRequests, "too many requests from this caller; retry later")
				return
			}
			rateLimited(w, retry)
			return
		}
	}
	if r.ContentLength > e.maxBody {
		if isFHIR {
			w.Header().Set("Connection", "close")
			fhir.WriteOutcome(w, http.StatusRequestEntityTooLarge, "request body too large")
			return
		}
		bodyTooLarge(w)
		return
	}
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = http.MaxBytesReader(w, r.Body, e.maxBody)
	}
	if r.URL.RawQuery != "" {
		if err := checkQueryString(r.URL.RawQuery); err != nil {
			if isFHIR {
				fhir.WriteOutcome(w, http.StatusBadRequest, status.Convert(err).Message())
				return
			}
			httperror.Write(w, err)
			return
		}
	}
	e.next.ServeHTTP(w, r)
}

// isIdentityHeader reports whether an HTTP header would reach the services as an
// x-socialrx-* header, directly or through grpc-gateway's Grpc-Metadata- prefix. None may come
// from outside but the two that vouch for nothing: the purpose of a read (recorded in the audit
// trail) and the feed position a client has seen (read-your-writes).
func isIdentityHeader(key string) bool {
	// Compared without changing case, so the headers of every request cost no allocation.
	if hasPrefixFold(key, runtime.MetadataHeaderPrefix) {
		key = key[len(runtime.MetadataHeaderPrefix):]
	}
	if strings.EqualFold(key, headers.Purpose) || strings.EqualFold(key, headers.Position) {
		return false
	}
	return hasPrefixFold(key, headers.Prefix)
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// bodyTooLarge answers 413. The connection is closed after the answer, so the rest of the body
// is never read.
func bodyTooLarge(w http.ResponseWriter) {
	w.Header().Set("Connection", "close")
	httperror.WriteStatusCode(w, http.StatusRequestEntityTooLarge, status.Convert(apierror.New(codes.ResourceExhausted,
		ReasonBodyTooLarge, "request body too large", nil)))
}

// checkQueryString refuses a query string that does not decode, or whose names or values are
// not valid UTF-8 or hold NUL characters, naming the parameter.
func checkQueryString(raw string) error {
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		rawKey, rawValue, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			return apierror.Field(printable(rawKey), "malformed escape in the parameter name")
		}
		if key == "" {
			return apierror.Field("query", "every parameter needs a name before its '='")
		}
		if strings.Contains(rawKey, ";") {
			return apierror.Field(printable(key), "parameters are separated by '&', not ';'")
		}
		if err := checkText(printable(key), key); err != nil {
			return apierror.Field(printable(key), "the parameter name must be valid UTF-8 without NUL characters")
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return apierror.Field(key, "malformed escape in the value")
		}
		if strings.Contains(rawValue, ";") {
			return apierror.Field(key, "parameters are separated by '&', not ';'")
		}
		if err := checkText(key, value); err != nil {
			return err
		}
	}
	return nil
}
