// Package tracing is OpenTelemetry tracing for every socialrx part: gRPC server and client stats
// handlers that carry the W3C traceparent from the gateway through every service, a slog handler
// that adds the trace and span ids to each log line, and Setup, which exports spans over OTLP when
// OTEL_EXPORTER_OTLP_ENDPOINT is set and records none otherwise.
package tracing

import (
	"context"
	"fmt"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc/filters"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc/stats"

	"github.com/socialrx/socialrx/services/platform/config"
)

// Config says where spans go.
type Config struct {
	// Endpoint is the OTLP/HTTP collector URL, e.g. http://collector:4318; empty exports nothing.
	Endpoint string
}

// RegisterFlags registers OTEL_EXPORTER_OTLP_ENDPOINT, the variable OpenTelemetry SDKs read.
func (c *Config) RegisterFlags(l *config.Loader) {
	l.String(&c.Endpoint, "otlp-endpoint", "OTEL_EXPORTER_OTLP_ENDPOINT", "", "OTLP/HTTP trace collector URL (empty: no export)")
}

// Propagator is the W3C trace context and baggage, what every part reads and writes.
func Propagator() propagation.TextMapPropagator {
	return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
}

// Setup installs the process's tracer provider and propagator. With no endpoint the provider is
// OpenTelemetry's no-op one (trace context still passes through); otherwise spans of service are
// batched to the collector. The returned function flushes and stops the exporter.
func Setup(ctx context.Context, cfg Config, service string) (shutdown func(context.Context) error, err error) {
	otel.SetTextMapPropagator(Propagator())
	if cfg.Endpoint == "" {
		return func(context.Context) error { return nil }, nil
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(cfg.Endpoint))
	if err != nil {
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT=%q: %w", cfg.Endpoint, err)
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", service))),
	)
	otel.SetTracerProvider(tp)
	return tp.Shutdown, nil
}

// notHealth leaves health checks (probes every half second) out of the traces.
var notHealth = otelgrpc.WithFilter(filters.Not(filters.HealthCheck()))

// ServerHandler traces every call a gRPC server receives, continuing the caller's trace.
func ServerHandler() stats.Handler {
	return otelgrpc.NewServerHandler(otelgrpc.WithPropagators(Propagator()), notHealth)
}

// ClientHandler traces every call a gRPC client makes and sends its trace context along.
func ClientHandler() stats.Handler {
	return otelgrpc.NewClientHandler(otelgrpc.WithPropagators(Propagator()), notHealth)
}
