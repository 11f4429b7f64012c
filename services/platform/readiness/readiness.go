// Package readiness decides whether a service can serve: a monitor probes its database and the
// services it needs every half second, each probe bounded by a short timeout, and reports the
// verdict (grpcserver flips the gRPC health status with it), so a replica that lost what it needs
// leaves its clients' load balancing within a second or two and returns on recovery.
package readiness

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/socialrx/socialrx/services/platform/metrics"
	"github.com/socialrx/socialrx/services/platform/periodic"
)

// Defaults of Monitor.
const (
	DefaultInterval = 500 * time.Millisecond
	DefaultTimeout  = time.Second
)

// Probe reports whether a dependency is usable now; it must return by ctx's deadline.
type Probe func(ctx context.Context) error

// Dependency is one thing a service calls.
type Dependency struct {
	Name string // "mongodb", "event"
	// Required dependencies decide readiness; the others are only reported (metric, log).
	Required bool
	Probe    Probe
}

// MongoDB pings the primary.
func MongoDB(client *mongo.Client) Probe {
	return func(ctx context.Context) error { return client.Ping(ctx, readpref.Primary()) }
}

// GRPC asks conn's health service whether service is SERVING. On a connection that balances over
// replicas and skips unhealthy ones, that is whether any replica serves.
func GRPC(conn grpc.ClientConnInterface, service string) Probe {
	client := healthpb.NewHealthClient(conn)
	return func(ctx context.Context) error {
		resp, err := client.Check(ctx, &healthpb.HealthCheckRequest{Service: service})
		if err != nil {
			return err
		}
		if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			return fmt.Errorf("%s is %s", service, resp.GetStatus())
		}
		return nil
	}
}

// Monitor probes dependencies and reports readiness to set.
type Monitor struct {
	deps     []Dependency
	set      func(ready bool)
	logger   *slog.Logger
	up       *prometheus.GaugeVec
	interval time.Duration
	timeout  time.Duration

	mu   sync.Mutex
	errs map[string]error // last probe error of each dependency, nil when up
}

// New returns a monitor of deps reporting to set; reg gets socialrx_dependency_up{dependency}.
func New(deps []Dependency, set func(ready bool), reg *metrics.Registry, logger *slog.Logger) *Monitor {
	return &Monitor{deps: deps, set: set, logger: logger, interval: DefaultInterval, timeout: DefaultTimeout,
		up:   reg.Gauge("dependency_up", "1 when the dependency answered its last readiness probe, else 0.", "dependency"),
		errs: map[string]error{}}
}

// Check probes every dependency once, concurrently, and reports the verdict.
func (m *Monitor) Check(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	errs := make([]error, len(m.deps))
	var wg sync.WaitGroup
	for i, d := range m.deps {
		wg.Go(func() { errs[i] = d.Probe(ctx) })
	}
	wg.Wait()
	m.mu.Lock()
	defer m.mu.Unlock()
	ready := true
	for i, d := range m.deps {
		err := errs[i]
		prev, seen := m.errs[d.Name]
		switch {
		case err != nil && !seen:
			// At start-up peers may not serve yet (the all-in-one starts them in turn).
			m.logger.Info("dependency not up yet", "dependency", d.Name, "required", d.Required, "error", err)
		case err != nil && prev == nil:
			m.logger.Warn("dependency down", "dependency", d.Name, "required", d.Required, "error", err)
		case err == nil && prev != nil:
			m.logger.Info("dependency up", "dependency", d.Name)
		}
		m.errs[d.Name] = err
		if err != nil {
			m.up.WithLabelValues(d.Name).Set(0)
			ready = ready && !d.Required
		} else {
			m.up.WithLabelValues(d.Name).Set(1)
		}
	}
	m.set(ready)
	return ready
}

// Run checks every interval until ctx ends.
func (m *Monitor) Run(ctx context.Context) {
	periodic.Every(ctx, m.interval, func(ctx context.Context) error {
		m.Check(ctx) // its findings are the readiness state, not an error
		return nil
	}, nil)
}
