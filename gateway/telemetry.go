package gateway

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
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

// instrument traces every request (a trace starts here, or continues the caller's W3C
// traceparent, and goes on into the services) and counts it by route and status code.
func instrument(reg *metrics.Registry, routes *http.ServeMux, next http.Handler) http.Handler {
	requests := reg.Counter("gateway_http_requests_total", "HTTP requests by route, method and status code.",
		"route", "method", "code")
	latency := reg.Histogram("gateway_http_request_duration_seconds", "HTTP request latency by route and method.",
		"route", "method")
	measured := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		_, route := routes.Handler(r)
		if route == "" {
			route = "unmatched"
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		requests.WithLabelValues(route, r.Method, strconv.Itoa(rec.status)).Inc()
		latency.WithLabelValues(route, r.Method).Observe(time.Since(start).Seconds())
	})
	return otelhttp.NewHandler(measured, "gateway", otelhttp.WithPropagators(tracing.Propagator()),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + r.URL.Path }))
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
