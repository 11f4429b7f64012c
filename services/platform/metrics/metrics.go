// Package metrics is the Prometheus registry every socialrx part reports to: RPC rate, errors and
// latency per method and code (go-grpc-middleware's Prometheus provider), the Go runtime, and the
// domain metrics that the parts create through its constructors. Serve exposes it on
// METRICS_ADDR at /metrics.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/socialrx/socialrx/services/platform/config"
)

// Namespace prefixes every domain metric.
const Namespace = "socialrx"

// Config says where a binary serves its metrics.
type Config struct {
	// Addr is the listen address of /metrics; empty serves none.
	Addr string
}

// RegisterFlags registers METRICS_ADDR.
func (c *Config) RegisterFlags(l *config.Loader) {
	l.String(&c.Addr, "metrics-addr", "METRICS_ADDR", ":9464", "Prometheus /metrics listen address (empty: none)")
}

// latencyBuckets span a cached read (sub-millisecond) to a call that hits its deadline.
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Registry is one process's metrics. Several parts may share one (the all-in-one): a metric
// created twice with the same name, help and labels is the same metric.
type Registry struct {
	reg *prometheus.Registry

	once   sync.Once
	server *grpcprom.ServerMetrics
	client *grpcprom.ClientMetrics
}

// New returns a registry holding the Go runtime and process metrics.
func New() *Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return &Registry{reg: reg}
}

// OrNew returns r, or a new registry when r is nil (a part started without one, as in tests).
func OrNew(r *Registry) *Registry {
	if r == nil {
		return New()
	}
	return r
}

func (r *Registry) grpcMetrics() {
	r.once.Do(func() {
		r.server = grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(grpcprom.WithHistogramBuckets(latencyBuckets)))
		r.client = grpcprom.NewClientMetrics(grpcprom.WithClientHandlingTimeHistogram(grpcprom.WithHistogramBuckets(latencyBuckets)))
		r.reg.MustRegister(r.server, r.client)
	})
}

// GRPCServer is the metrics of every gRPC server in the process (grpc_server_*).
func (r *Registry) GRPCServer() *grpcprom.ServerMetrics {
	r.grpcMetrics()
	return r.server
}

// GRPCClient is the metrics of every gRPC client connection in the process (grpc_client_*).
func (r *Registry) GRPCClient() *grpcprom.ClientMetrics {
	r.grpcMetrics()
	return r.client
}

// register adds c, or returns the collector already registered under its name and labels.
func register[C prometheus.Collector](r *Registry, c C) C {
	if err := r.reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(fmt.Sprintf("register metric: %v", err))
	}
	return c
}

// Counter returns the counter socialrx_<name> with the given label names.
func (r *Registry) Counter(name, help string, labels ...string) *prometheus.CounterVec {
	return register(r, prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, labels))
}

// Gauge returns the gauge socialrx_<name> with the given label names.
func (r *Registry) Gauge(name, help string, labels ...string) *prometheus.GaugeVec {
	return register(r, prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: Namespace, Name: name, Help: help}, labels))
}

// Histogram returns the histogram socialrx_<name> (seconds) with the given label names.
func (r *Registry) Histogram(name, help string, labels ...string) *prometheus.HistogramVec {
	return register(r, prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: name, Help: help,
		Buckets: latencyBuckets}, labels))
}

// Register adds a custom collector (one that computes its values when scraped).
func (r *Registry) Register(c prometheus.Collector) error { return r.reg.Register(c) }

// Gatherer is what the registry holds, for tests and handlers.
func (r *Registry) Gatherer() prometheus.Gatherer { return r.reg }

// Handler serves the registry in the Prometheus text format.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{Registry: r.reg})
}

// Listen binds addr for Serve, so that a caller can print the actual address before serving.
func Listen(addr string) (net.Listener, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on METRICS_ADDR %q: %w", addr, err)
	}
	return lis, nil
}

// Serve serves /metrics on lis until ctx ends.
func (r *Registry) Serve(ctx context.Context, lis net.Listener, logger *slog.Logger) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", r.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(lis) }()
	logger.Info("metrics listening", "addr", lis.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("serve metrics: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	return nil
}
