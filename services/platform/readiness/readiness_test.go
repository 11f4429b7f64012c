package readiness_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/socialrx/socialrx/services/platform/metrics"
	"github.com/socialrx/socialrx/services/platform/readiness"
)

func TestReadinessIsDecidedByRequiredDependenciesOnly(t *testing.T) {
	up := func(context.Context) error { return nil }
	down := func(context.Context) error { return errors.New("connection refused") }
	cases := []struct {
		name      string
		db, peer  readiness.Probe
		peerNeeds bool
		want      bool
		peerUp    float64
	}{
		{"all up", up, up, true, true, 1},
		{"database down", down, up, true, false, 1},
		{"required peer down", up, down, true, false, 0},
		{"optional peer down", up, down, false, true, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reg := metrics.New()
			var reported []bool
			m := readiness.New([]readiness.Dependency{
				{Name: "mongodb", Required: true, Probe: c.db},
				{Name: "peer", Required: c.peerNeeds, Probe: c.peer},
			}, func(ok bool, _ string) { reported = append(reported, ok) }, reg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if got := m.Check(context.Background()); got != c.want {
				t.Errorf("Check = %v, want %v", got, c.want)
			}
			if len(reported) != 1 || reported[0] != c.want {
				t.Errorf("reported %v, want [%v]", reported, c.want)
			}
			if got := dependencyUp(t, reg, "peer"); got != c.peerUp {
				t.Errorf("socialrx_dependency_up{dependency=peer} = %v, want %v", got, c.peerUp)
			}
		})
	}
}

func TestAProbeThatHangsCountsAsDownAfterTheTimeout(t *testing.T) {
	hang := func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	}
	var ready bool
	m := readiness.New([]readiness.Dependency{{Name: "mongodb", Required: true, Probe: hang}},
		func(ok bool, _ string) { ready = ok }, metrics.New(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if m.Check(context.Background()) || ready {
		t.Fatal("a hanging database probe reported ready")
	}
}

// An unready service says which required dependency is down and with which error, in one line
// of its reason and of its log.
func TestNotReadyNamesTheDependencyAndItsError(t *testing.T) {
	var peerErr error
	var ready bool
	var reason string
	var log bytes.Buffer
	m := readiness.New([]readiness.Dependency{
		{Name: "mongodb", Required: true, Probe: func(context.Context) error { return nil }},
		{Name: "oidc_token", Required: true, Probe: func(context.Context) error { return peerErr }},
		{Name: "optional", Probe: func(context.Context) error { return errors.New("not needed") }},
	}, func(ok bool, why string) { ready, reason = ok, why }, metrics.New(), slog.New(slog.NewJSONHandler(&log, nil)))

	m.Check(context.Background())
	if !ready || reason != "" {
		t.Fatalf("with every required dependency up: ready %v, reason %q; want ready, no reason", ready, reason)
	}
	peerErr = errors.New(`oauth2: "invalid_client"`)
	m.Check(context.Background())
	if want := `oidc_token: oauth2: "invalid_client"`; ready || reason != want {
		t.Fatalf("token refused: ready %v, reason %q; want not ready, reason %q", ready, reason, want)
	}
	var down map[string]any
	for _, line := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if entry["msg"] == "dependency down" {
			down = entry
		}
	}
	if down == nil || down["level"] != "WARN" || down["dependency"] != "oidc_token" || down["error"] != `oauth2: "invalid_client"` {
		t.Fatalf("no warning naming the dependency and its error in the log:\n%s", log.String())
	}
	peerErr = nil
	m.Check(context.Background())
	if !ready || reason != "" {
		t.Fatalf("after the token came: ready %v, reason %q", ready, reason)
	}
}

// The token probe asks the provider once at a time, and reports its error.
func TestTokenProbeFetchesOnceAtATime(t *testing.T) {
	src := &slowSource{release: make(chan struct{}), err: errors.New("provider says no")}
	probe := readiness.Token(src)
	for range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		if err := probe(ctx); err == nil {
			t.Fatal("a probe with no token yet reported up")
		}
		cancel()
	}
	if n := src.calls.Load(); n != 1 {
		t.Fatalf("%d fetches for three probes of one slow fetch, want 1", n)
	}
	close(src.release)
	if err := probe(context.Background()); err == nil || !strings.Contains(err.Error(), "provider says no") {
		t.Fatalf("probe after the provider answered: %v, want its error", err)
	}
}

type slowSource struct {
	release chan struct{}
	err     error
	calls   atomic.Int64
}

func (s *slowSource) Token() (*oauth2.Token, error) {
	s.calls.Add(1)
	<-s.release
	return nil, s.err
}

// dependencyUp reads socialrx_dependency_up{dependency} from reg.
func dependencyUp(t *testing.T, reg *metrics.Registry, dependency string) float64 {
	t.Helper()
	families, err := reg.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "socialrx_dependency_up" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "dependency" && l.GetValue() == dependency {
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	t.Fatalf("socialrx_dependency_up{dependency=%q} is not registered", dependency)
	return 0
}
