package fhir

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	c4 "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
)

// Prefix is where the gateway mounts the facade.
const Prefix = "/fhir/r4"

// contentType is what the facade answers with (and, or plain JSON, what it reads).
const contentType = "application/fhir+json; fhirVersion=4.0"

// Config is what the facade talks to.
type Config struct {
	Directory, Event, Referral grpc.ClientConnInterface
	// Access is how tokens are verified, as the services verify them; the facade reads the
	// caller's scopes from them. Without an issuer every request but /metadata and the SMART
	// configuration is 401.
	Access auth.OIDC
	Logger *slog.Logger
}

// Handler serves the facade; mount it under Prefix with the prefix stripped.
type Handler struct {
	referrals referralv1.ReferralServiceClient
	webhooks  referralv1.WebhookServiceClient
	directory directoryv1.DirectoryServiceClient
	events    eventv1.EventServiceClient
	verifier  *auth.Verifier
	issuer    string
	codec     *codec
	logger    *slog.Logger
	mux       *http.ServeMux

	tokenOnce sync.Mutex
	tokenURL  string
}

// New builds the facade.
func New(cfg Config) (*Handler, error) {
	c, err := newCodec()
	if err != nil {
		return nil, err
	}
	h := &Handler{
		referrals: referralv1.NewReferralServiceClient(cfg.Referral),
		webhooks:  referralv1.NewWebhookServiceClient(cfg.Referral),
		directory: directoryv1.NewDirectoryServiceClient(cfg.Directory),
		events:    eventv1.NewEventServiceClient(cfg.Event),
		issuer:    cfg.Access.Issuer,
		codec:     c,
		logger:    cfg.Logger,
		mux:       http.NewServeMux(),
	}
	if h.logger == nil {
		h.logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Access.Issuer != "" {
		if h.verifier, err = auth.NewVerifier(cfg.Access); err != nil {
			return nil, err
		}
	}
	h.routeSubscriptions()
	h.mux.HandleFunc("GET /metadata", h.metadata)
	h.mux.HandleFunc("GET /.well-known/smart-configuration", h.smartConfiguration)
	h.mux.HandleFunc("POST /{$}", h.authed(h.transaction))
	h.mux.HandleFunc("GET /{type}", h.authed(h.search))
	h.mux.HandleFunc("GET /{type}/{id}", h.authed(h.read))
	h.mux.HandleFunc("GET /{type}/{id}/_history/{vid}", h.authed(h.read))
	h.mux.HandleFunc("PATCH /{type}/{id}", h.authed(h.update))
	h.mux.HandleFunc("PUT /{type}/{id}", h.authed(h.update))
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, &problem{http.StatusNotFound, c4.IssueTypeCode_NOT_SUPPORTED, "", r.Method + " " + printable(r.URL.Path) + " is not an interaction this server offers; see /metadata"})
	})
	return h, nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "" {
		r.URL.Path = "/"
	}
	h.mux.ServeHTTP(w, r)
}

// call is one request as the facade serves it: the caller's identity, and a context whose
// calls to the services carry the caller's own token.
type call struct {
	id  auth.Identity
	ctx context.Context
	r   *http.Request
	// base is the absolute URL of the facade, for fullUrl and paging links.
	base string
}

// authed verifies the caller's token before h runs: a request without one is 401, as is one
// whose token does not verify.
func (h *Handler) authed(next func(http.ResponseWriter, *call) *problem) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		raw, ok := auth.Bearer(r.Header.Get("Authorization"))
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="socialrx FHIR"`)
			h.fail(w, &problem{http.StatusUnauthorized, c4.IssueTypeCode_LOGIN, "", "send an access token: Authorization: Bearer <token> (see /.well-known/smart-configuration)"})
			return
		}
		if h.verifier == nil {
			h.fail(w, &problem{http.StatusUnauthorized, c4.IssueTypeCode_LOGIN, "", "this server verifies no tokens: it has no OIDC issuer configured"})
			return
		}
		id, err := h.verifier.Verify(r.Context(), raw)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="socialrx FHIR", error="invalid_token"`)
			h.fail(w, fromRPC(err, "", false, nil))
			return
		}
		ctx := metadata.NewOutgoingContext(r.Context(), metadata.Pairs(auth.MetadataAuthorization, "Bearer "+raw))
		c := &call{id: id, ctx: ctx, r: r, base: baseURL(r)}
		if p := next(w, c); p != nil {
			if p.status >= 500 {
				h.logger.ErrorContext(r.Context(), "fhir request failed", "method", r.Method, "path", r.URL.Path, "status", p.status, "error", p.diagnostic)
			}
			h.fail(w, p)
		}
	}
}

// baseURL is the facade's address as the caller reached it.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + Prefix
}

// fail writes p as an OperationOutcome.
func (h *Handler) fail(w http.ResponseWriter, p *problem) {
	b, err := h.codec.encode(p.outcome())
	if err != nil {
		http.Error(w, p.diagnostic, p.status)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(p.status)
	_, _ = w.Write(b)
}

// WriteOutcome writes an error of the edge (413, 429) as an OperationOutcome, so that callers of
// the facade read every refusal the same way.
func WriteOutcome(w http.ResponseWriter, status int, diagnostic string) {
	c, err := newCodec()
	if err != nil {
		http.Error(w, diagnostic, status)
		return
	}
	code := c4.IssueTypeCode_PROCESSING
	switch status {
	case http.StatusRequestEntityTooLarge:
		code = c4.IssueTypeCode_TOO_COSTLY
	case http.StatusTooManyRequests:
		code = c4.IssueTypeCode_THROTTLED
	}
	b, err := c.encode(outcome(c4.IssueSeverityCode_ERROR, code, "", diagnostic))
	if err != nil {
		http.Error(w, diagnostic, status)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// write answers with a resource, its ETag and Last-Modified, as Prefer asks: the resource
// (return=representation, the default), nothing (return=minimal) or an OperationOutcome
// (return=OperationOutcome).
func (h *Handler) write(w http.ResponseWriter, c *call, status int, res proto.Message, version string, lastModified time.Time) *problem {
	if version != "" {
		w.Header().Set("ETag", `W/"`+version+`"`)
	}
	if !lastModified.IsZero() {
		w.Header().Set("Last-Modified", lastModified.UTC().Format(http.TimeFormat))
	}
	var b []byte
	var err error
	switch prefer(c.r) {
	case "minimal":
		w.WriteHeader(status)
		return nil
	case "OperationOutcome":
		b, err = h.codec.encode(outcome(c4.IssueSeverityCode_INFORMATION, c4.IssueTypeCode_INFORMATIONAL, "", "done"))
	default:
		b, err = h.codec.encode(res)
	}
	if err != nil {
		return &problem{http.StatusInternalServerError, c4.IssueTypeCode_EXCEPTION, "", "encode: " + err.Error()}
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return nil
}

// prefer is the return preference of a request (RFC 7240, FHIR's Prefer: return=...).
func prefer(r *http.Request) string {
	for _, v := range r.Header.Values("Prefer") {
		for part := range strings.SplitSeq(v, ",") {
			k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
			if strings.TrimSpace(k) == "return" {
				return strings.Trim(strings.TrimSpace(val), `"`)
			}
		}
	}
	return "representation"
}

// ifMatch is the version an If-Match header names, "" when there is none.
func ifMatch(r *http.Request) (string, *problem) {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "" {
		return "", nil
	}
	v = strings.TrimPrefix(v, "W/")
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' || !idPattern.MatchString(v[1:len(v)-1]) {
		return "", invalid("If-Match", `If-Match must be W/"<versionId>"`)
	}
	return v[1 : len(v)-1], nil
}

// idPattern is FHIR's id.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)

// readBody reads a request body as FHIR JSON of one resource: a body over the edge's limit is
// 413, one that is not one JSON object is 400.
func (h *Handler) readBody(r *http.Request) ([]byte, *problem) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.Contains(ct, "json") {
		return nil, &problem{http.StatusUnsupportedMediaType, c4.IssueTypeCode_NOT_SUPPORTED, "", "send application/fhir+json"}
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, &problem{http.StatusRequestEntityTooLarge, c4.IssueTypeCode_TOO_COSTLY, "", "request body too large"}
		}
		return nil, invalid("", "the body could not be read")
	}
	if !json.Valid(b) {
		return nil, invalid("", "the body is not valid JSON")
	}
	return b, nil
}

// printable makes a caller's text safe to echo in a diagnostic: valid UTF-8, bounded.
func printable(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) > 80 {
		s = strings.ToValidUTF8(s[:80], "") + "…"
	}
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}
