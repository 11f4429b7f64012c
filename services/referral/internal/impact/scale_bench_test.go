package impact

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/platform/storage/snapshot"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

var benchCategories = []string{"ART_ON_PRESCRIPTION", "COMMUNITY_COOKING_CLASS", "NATURE_ON_PRESCRIPTION", "STORYTELLING_CIRCLE",
	"MUSIC_AND_DANCE", "PHOTOGRAPHY_WALK", "COMMUNITY_GARDENING", "CULTURE_ON_PRESCRIPTION", "OUTDOOR_PICNIC", "COMMUNITY_SERVICE"}

// benchReferral is synthetic referral i of a year's work: 5 centres, 12 referrers, 40 events, a
// full timeline, one or two bookings, and all three instruments at baseline and follow-up for
// most.
func benchReferral(i int, rng *rand.Rand) *store.Referral {
	created := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(365*24)) * time.Hour)
	sent := created.Add(time.Duration(rng.IntN(48)) * time.Hour)
	r := &store.Referral{Meta: docstore.Meta{ID: fmt.Sprintf("r%d", i), Version: 1, CreateTime: created},
		ReceivingOrganization: fmt.Sprintf("organizations/centre-%d", rng.IntN(5)),
		ReferringOrganization: fmt.Sprintf("organizations/clinic-%d", rng.IntN(12)),
		Needs:                 []string{[]string{"NEED_LONELINESS", "NEED_SOCIAL_ISOLATION", "NEED_LOW_MOOD", "NEED_INCOME"}[rng.IntN(4)]},
		Subject:               store.Subject{DateOfBirth: fmt.Sprintf("%d-06-15", 1930+rng.IntN(75)), PreferredLanguage: []string{"en", "fr", "pa", "ar"}[rng.IntN(4)]},
		Status:                "IN_PROGRESS",
		Timeline: []store.Entry{{Time: created, ToStatus: "DRAFT"}, {Time: sent, ToStatus: "REQUESTED"},
			{Time: sent.Add(time.Duration(1+rng.IntN(200)) * time.Hour), ToStatus: "ACCEPTED"},
			{Time: sent.Add(time.Duration(200+rng.IntN(100)) * time.Hour), Kind: "CONTACT_ATTEMPT"},
			{Time: sent.Add(300 * time.Hour), ToStatus: "IN_PROGRESS"}}}
	switch rng.IntN(10) {
	case 0:
		r.Status, r.StatusReason = "REJECTED", "no capacity"
		return r
	case 1:
		r.Status, r.StatusReason = "FAILED", "could not contact"
	case 2, 3, 4, 5:
		r.Status = "COMPLETED"
	}
	states := []string{"ATTENDED", "ATTENDED", "NO_SHOW", "CANCELLED", "CONFIRMED"}
	for b := range 1 + rng.IntN(2) {
		r.Bookings = append(r.Bookings, store.Booking{Session: fmt.Sprintf("events/e%d/sessions/s", rng.IntN(40)),
			State: states[rng.IntN(len(states))], UpdateTime: sent.Add(time.Duration(400+b*24+rng.IntN(300)) * time.Hour)})
	}
	if rng.IntN(5) > 0 {
		item := func(lo, hi int) int32 { return int32(lo + rng.IntN(hi-lo+1)) }
		for _, tp := range []string{"BASELINE", "FOLLOW_UP"} {
			u := []int32{item(1, 3), item(1, 3), item(1, 3)}
			s := []int32{item(1, 5), item(1, 5), item(1, 5), item(1, 5), item(1, 5), item(1, 5), item(1, 5)}
			r.Measures = append(r.Measures, store.Measure{Instrument: "UCLA3", Timepoint: tp, Items: u, Total: u[0] + u[1] + u[2]},
				store.Measure{Instrument: "ONS4", Timepoint: tp, Items: []int32{item(0, 10), item(0, 10), item(0, 10), item(0, 10)}},
				store.Measure{Instrument: "SWEMWBS", Timepoint: tp, Items: s, Total: s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6]})
		}
	}
	return r
}

func benchEvents() map[string]Event {
	out := map[string]Event{}
	for e := range 40 {
		out[fmt.Sprintf("events/e%d", e)] = Event{Category: benchCategories[e%len(benchCategories)], Host: fmt.Sprintf("organizations/host-%d", e%8)}
	}
	return out
}

// benchModel is a model holding n synthetic referrals, built as the feed would build it.
func benchModel(n int) *Model {
	m := &Model{facts: map[string]*Facts{}, cells: map[key]*bucket{}, dims: newDims(), events: benchEvents()}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		r := benchReferral(i, rng)
		f := FactsOf(r, m.eventLookup)
		m.put(r.ID, &f)
	}
	return m
}

// BenchmarkImpactReportScale reports the latency of a whole report (every table, suppressed) as
// the referrals grow from 10k to 100k: for the Alliance's analyst (every centre, one column
// each), the public (the network as one) and one centre's manager.
//
//	go test -run='^$' -bench=ImpactReportScale -benchtime=200x ./services/referral/internal/impact/
func BenchmarkImpactReportScale(b *testing.B) {
	all := func(string, string) bool { return true }
	scopes := []struct {
		name  string
		scope Scope
	}{
		{"analyst", Scope{Allow: all}},
		{"public", Scope{Network: true, Allow: all}},
		{"centre", Scope{Allow: func(rec, _ string) bool { return rec == "organizations/centre-1" }}},
	}
	for _, n := range []int{10000, 30000, 100000} {
		m := benchModel(n)
		for _, s := range scopes {
			b.Run(fmt.Sprintf("referrals=%d/%s", n, s.name), func(b *testing.B) {
				b.ReportMetric(float64(len(m.cells)), "cells")
				b.ResetTimer()
				lat, err := testenv.Sequential(b.N, func(int) error {
					if r := m.Report(Query{}, s.scope); len(r.Tables) == 0 {
						return fmt.Errorf("empty report")
					}
					return nil
				})
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(lat.P50.Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lat.P95.Microseconds())/1000, "p95-ms")
			})
		}
	}
}

// BenchmarkImpactStartup measures the impact read model's start-up from a snapshot of 100k
// referrals on the embedded database (startup-ms): reading and decoding the snapshot, counting
// every cell again, and catching up with the (empty) feed; read-snapshot-ms is the read alone.
//
//	go test -run='^$' -bench=ImpactStartup -benchtime=3x ./services/referral/internal/impact/
func BenchmarkImpactStartup(b *testing.B) {
	ctx := context.Background()
	db := testenv.Database(b)
	st := store.New(db)
	snaps := snapshot.New(db, "impact")
	src := benchModel(100000)
	src.follower = nil
	_, data, err := src.snapshotAt(0)
	if err != nil {
		b.Fatal(err)
	}
	if err := snaps.Save(ctx, 1, data); err != nil {
		b.Fatal(err)
	}
	noLookups := func(context.Context, string) (Event, bool, error) {
		return Event{}, false, fmt.Errorf("no lookups at start-up")
	}
	b.ResetTimer()
	var read, start time.Duration
	for range b.N {
		t := time.Now()
		if _, _, _, err := snaps.Load(ctx); err != nil {
			b.Fatal(err)
		}
		read += time.Since(t)
		t = time.Now()
		m, err := Load(ctx, st, snaps, noLookups, 0)
		start += time.Since(t)
		if err != nil {
			b.Fatal(err)
		}
		if m.Referrals() != 100000 || m.StartedAt() != 1 {
			b.Fatalf("started with %d referrals from %d", m.Referrals(), m.StartedAt())
		}
	}
	b.ReportMetric(float64(len(data))/(1<<20), "snapshot-MiB")
	b.ReportMetric(float64(read.Milliseconds())/float64(b.N), "read-snapshot-ms")
	b.ReportMetric(float64(start.Milliseconds())/float64(b.N), "startup-ms")
}
