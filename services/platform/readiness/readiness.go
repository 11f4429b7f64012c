// Package readiness decides whether a service can serve: a monitor probes its database, the
// services it needs and its own token every half second, each probe bounded by a short timeout,
// and reports the verdict with the reason (grpcserver flips the gRPC health status with it and
// tells the reason to whoever asks), so a replica that lost what it needs leaves its clients'
// load balancing within a second or two, says why in one line, and returns on recovery.
package readiness

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"golang.org/x/oauth2"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/socialrx/socialrx/services/platform/metrics"
	"github.com/socialrx/socialrx/services/platform/periodic"
)

// Defaults of Monitor.
const (
	DefaultInterval = 500 * time.Millisecond
	DefaultTimeout  = time.Second
	// DefaultStartupGrace is how long a dependency may be not up yet at start (peers started in
	// turn) before the monitor warns that it is down.
	DefaultStartupGrace = 10 * time.Second
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

// Token reports whether src gives a token now: the service's own credential at its OpenID
// provider. One fetch runs at a time, however slow the provider; a probe that times out leaves
// it running for the next probe to collect.
func Token(src oauth2.TokenSource) Probe {
	type fetch struct {
		done chan struct{}
		err  error
	}
	var (
		mu      sync.Mutex
		pending *fetch
	)
	return func(ctx context.Context) error {
		mu.Lock()
		f := pending
		if f == nil {
			f = &fetch{done: make(chan struct{})}
			pending = f
			go func() {
				_, f.err = src.Token()
				mu.Lock()
				pending = nil
				mu.Unlock()
				close(f.done)
			}()
		}
		mu.Unlock()
		select {
		case <-f.done:
			return f.err
		case <-ctx.Done():
			return fmt.Errorf("no token yet: %w", ctx.Err())
		}
	}
}

// Monitor probes dependencies and reports readiness to set.
type Monitor struct {
	deps     []Dependency
	set      func(ready bool, reason string)
	logger   *slog.Logger
	up       *prometheus.GaugeVec
	interval time.Duration
	timeout  time.Duration
	grace    time.Duration
	started  time.Time

	mu     sync.Mutex
	states map[string]*state
}

// state is what the monitor knows of one dependency.
type state struct {
	err    error // of the last probe, nil when up
	seen   bool  // probed at least once
	warned bool  // its being down was logged as a warning
}

// New returns a monitor of deps reporting to set whether the service is ready and, when it is
// not, why (each required dependency that is down, with its error, in one line); reg gets
// socialrx_dependency_up{dependency}.
func New(deps []Dependency, set func(ready bool, reason string), reg *metrics.Registry, logger *slog.Logger) *Monitor {
	return &Monitor{deps: deps, set: set, logger: logger, interval: DefaultInterval, timeout: DefaultTimeout,
		grace: DefaultStartupGrace, started: time.Now(),
		up:     reg.Gauge("dependency_up", "1 when the dependency answered its last readiness probe, else 0.", "dependency"),
		states: map[string]*state{}}
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
	var why []string
	for i, d := range m.deps {
		err := errs[i]
		s := m.states[d.Name]
		if s == nil {
			s = &state{}
			m.states[d.Name] = s
		}
		switch {
		case err != nil && !s.seen:
			// At start-up peers may not serve yet (the all-in-one starts them in turn).
			m.logger.Info("dependency not up yet", "dependency", d.Name, "required", d.Required, "error", err)
		case err != nil && s.err == nil && !s.warned:
			m.logger.Warn("dependency down", "dependency", d.Name, "required", d.Required, "error", err)
			s.warned = true
		case err != nil && !s.warned && time.Since(m.started) > m.grace:
			m.logger.Warn("dependency down since start", "dependency", d.Name, "required", d.Required, "error", err)
			s.warned = true
		case err == nil && s.err != nil:
			m.logger.Info("dependency up", "dependency", d.Name)
		}
		if err == nil {
			s.warned = false
		}
		s.err, s.seen = err, true
		if err != nil {
			m.up.WithLabelValues(d.Name).Set(0)
			if d.Required {
				ready = false
				why = append(why, d.Name+": "+err.Error())
			}
		} else {
			m.up.WithLabelValues(d.Name).Set(1)
		}
	}
	m.set(ready, strings.Join(why, "; "))
	return ready
}

// Run checks every interval until ctx ends.
func (m *Monitor) Run(ctx context.Context) {
	periodic.Every(ctx, m.interval, func(ctx context.Context) error {
		m.Check(ctx) // its findings are the readiness state, not an error
		return nil
	}, nil)
}
