package readiness_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

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
			}, func(ok bool) { reported = append(reported, ok) }, reg, slog.New(slog.NewTextHandler(io.Discard, nil)))
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
		func(ok bool) { ready = ok }, metrics.New(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if m.Check(context.Background()) || ready {
		t.Fatal("a hanging database probe reported ready")
	}
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
