package readmodel

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/socialrx/socialrx/services/platform/metrics"
	"github.com/socialrx/socialrx/services/referral/internal/domain"
)

// byStatus is socialrx_referrals{status}, counted from the index when scraped.
var byStatus = prometheus.NewDesc(metrics.Namespace+"_referrals", "Referrals by status, from this replica's worklist read model.",
	[]string{"status"}, nil)

// Collector reports the number of referrals in each status.
func (ix *Index) Collector() prometheus.Collector { return statusCollector{ix} }

type statusCollector struct{ ix *Index }

func (c statusCollector) Describe(ch chan<- *prometheus.Desc) { ch <- byStatus }

func (c statusCollector) Collect(ch chan<- prometheus.Metric) {
	counts := map[string]int{}
	c.ix.mu.RLock()
	for _, r := range c.ix.docs {
		counts[r.Status]++
	}
	c.ix.mu.RUnlock()
	for _, s := range domain.Statuses {
		ch <- prometheus.MustNewConstMetric(byStatus, prometheus.GaugeValue, float64(counts[s]), s)
	}
}
