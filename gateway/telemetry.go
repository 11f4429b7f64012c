package gateway

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel"
	otelcodes "go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"

	"github.com/socialrx/socialrx/services/platform/grpcclient"
	"github.com/socialrx/socialrx/services/platform/grpctls"
	"github.com/socialrx/socialrx/services/platform/metrics"
	"github.com/socialrx/socialrx/services/platform/tracing"
)

// dialBackend connects to every replica of a backend: round robin over the healthy ones, retrying
// UNAVAILABLE on another, traced and measured (grpc_client_*), over TLS when tls is configured.
func dialBackend(addr, service string, reg *metrics.Registry, tls grpctls.Client) (*grpc.ClientConn, error) {
	return grpcclient.Dial(addr, service, grpcclient.Options{Metrics: reg, TLS: tls})
}

// dialDiagnosis connects to every replica at addr whatever its health, to ask why it does not
// serve.
func dialDiagnosis(addr, service string) (*grpc.ClientConn, error) {
	return grpcclient.Dial(addr, service, grpcclient.Options{IgnoreHealth: true})
}

// instrument traces, measures and logs every request in one wrapper, with one recorder of the
// status: a trace starts here, or continues the caller's W3C traceparent, and goes on into the
// services; each request is counted by route and status code, timed by route, and logged with
// method, path, status and latency (query strings are left out: they may carry personal data).
// The span is started directly (no wrapping of the body or of the writer, no second set of
// metrics), since a read spends here only what this costs.
func instrument(reg *metrics.Registry, routes *http.ServeMux, logger *slog.Logger, next http.Handler) http.Handler {
	requests := reg.Counter("gateway_http_requests_total", "HTTP requests by route, method and status code.",
		"route", "method", "code")
	latency := reg.Histogram("gateway_http_request_duration_seconds", "HTTP request latency by route and method.",
		"route", "method")
	m := &requestMetrics{requests: requests, latency: latency}
	tracer := otel.Tracer("github.com/socialrx/socialrx/gateway")
	propagator := tracing.Propagator()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx := propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracer.Start(ctx, r.Method+" "+r.URL.Path, trace.WithSpanKind(trace.SpanKindServer))
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		r = r.WithContext(ctx)
		next.ServeHTTP(rec, r)
		elapsed := time.Since(start)
		if span.IsRecording() {
			span.SetAttributes(semconv.HTTPRequestMethodKey.String(r.Method), semconv.URLPath(r.URL.Path),
				semconv.HTTPResponseStatusCode(rec.status))
			if rec.status >= http.StatusInternalServerError {
				span.SetStatus(otelcodes.Error, http.StatusText(rec.status))
			}
		}
		span.End()
		// The mux records the pattern it matched on the request; a request the edge refused
		// before the mux saw it is matched here.
		route := r.Pattern
		if route == "" {
			if _, route = routes.Handler(r); route == "" {
				route = "unmatched"
			}
		}
		m.observe(route, r.Method, rec.status, elapsed)
		logger.LogAttrs(ctx, slog.LevelInfo, "http request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", rec.status), slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000))
	})
}

// requestMetrics keeps the counter and the histogram of each route, method and code it has seen,
// so a request does not look its series up by hashing its labels again.
type requestMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	series   sync.Map // requestKey → *requestSeries
}

type requestKey struct {
	route, method string
	code          int
}

type requestSeries struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

func (m *requestMetrics) observe(route, method string, code int, elapsed time.Duration) {
	k := requestKey{route, method, code}
	s, ok := m.series.Load(k)
	if !ok {
		s, _ = m.series.LoadOrStore(k, &requestSeries{
			count:   m.requests.WithLabelValues(route, method, strconv.Itoa(code)),
			latency: m.latency.WithLabelValues(route, method),
		})
	}
	rs := s.(*requestSeries)
	rs.count.Inc()
	rs.latency.Observe(elapsed.Seconds())
}

// serveMetrics serves /metrics on METRICS_ADDR (when the gateway has its own registry) until
// the returned function is called.
func (g *Gateway) serveMetrics(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := g.metrics.Serve(ctx, g.logger); err != nil {
			g.logger.Error("metrics endpoint", "error", err)
		}
	}()
	return func() {
		cancel()
		<-done
	}
}
