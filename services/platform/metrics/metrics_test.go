package metrics_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/socialrx/socialrx/services/platform/metrics"
)

func scrape(t *testing.T, reg *metrics.Registry) string {
	t.Helper()
	srv := httptest.NewServer(reg.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Parts sharing a registry may each create a metric: they get the same one.
func TestAMetricCreatedTwiceIsOneMetric(t *testing.T) {
	reg := metrics.New()
	reg.Counter("reconciler_repairs_total", "Repairs.", "kind").WithLabelValues("orphan").Inc()
	reg.Counter("reconciler_repairs_total", "Repairs.", "kind").WithLabelValues("orphan").Inc()
	reg.FeedLag("readmodel").Set(3)
	reg.FeedLag("readmodel").Set(4)
	body := scrape(t, reg)
	for _, want := range []string{
		`socialrx_reconciler_repairs_total{kind="orphan"} 2`,
		`socialrx_feed_lag{follower="readmodel"} 4`,
		"go_goroutines ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape has no %q:\n%s", want, body)
		}
	}
}

// A part given a shared registry serves none itself; one without serves its own on Addr.
func TestAnEndpointServesOnlyItsOwnRegistry(t *testing.T) {
	shared := metrics.New()
	e, err := metrics.NewEndpoint(shared, metrics.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if e.Registry() != shared || e.Addr() != "" {
		t.Errorf("with a shared registry: registry %p (want %p), addr %q (want none)", e.Registry(), shared, e.Addr())
	}
	own, err := metrics.NewEndpoint(nil, metrics.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close()
	if own.Registry() == nil || own.Registry() == shared || own.Addr() == "" {
		t.Errorf("without a shared registry: registry %p, addr %q; want its own, listening", own.Registry(), own.Addr())
	}
	off, err := metrics.NewEndpoint(nil, metrics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if off.Addr() != "" {
		t.Errorf("with METRICS_ADDR empty: listening on %q", off.Addr())
	}
}
