package referral_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socialrx/socialrx/gateway"
	"github.com/socialrx/socialrx/gateway/gatewaytest"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// BenchmarkLoopsAsReferralsGrow prints whole referral loops per second through REST with 20
// clients, for SCALE_LOOP_SECONDS (default 10) each time the store holds at least each count of
// SCALE_REFERRALS (default 0,2000,5000) referrals, and the bytes on disk per stored referral.
//
//	go test -run='^$' -bench=LoopsAsReferralsGrow -benchtime=1x ./services/referral/
func BenchmarkLoopsAsReferralsGrow(b *testing.B) {
	counts := []int{0, 2000, 5000}
	if s := os.Getenv("SCALE_REFERRALS"); s != "" {
		counts = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(f)
			if err != nil {
				b.Fatal(err)
			}
			counts = append(counts, n)
		}
	}
	secs := 10
	if s := os.Getenv("SCALE_LOOP_SECONDS"); s != "" {
		secs, _ = strconv.Atoi(s)
	}
	w := newWorld(b, 1, 10000)
	w.clock.Advance(23 * time.Hour)
	base := gatewaytest.Start(b, gateway.Config{DirectoryAddr: w.dir.Addr, EventAddr: w.events.Addr, ReferralAddr: w.referrals[0].Addr})
	ctx := as(context.Background(), clinicianID) // the fill creates referrals as the clinician
	var stored atomic.Int64
	var seq atomic.Int64
	loop := func(int) error { return restClosedLoop(base, w.session, seq.Add(1), func() { stored.Add(1) }) }
	c := w.rc()
	errFull := errors.New("full")
	for _, want := range counts {
		if have := stored.Load(); int64(want) > have {
			t := time.Now()
			_, _, err := testenv.Concurrent(20, time.Hour, func(int) error {
				if stored.Add(1) > int64(want) {
					stored.Add(-1)
					return errFull
				}
				d := draft(true)
				d.Subject.Email = fmt.Sprintf("f%d@example.org", seq.Add(1))
				_, err := c.CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: d})
				return err
			})
			if err != nil && !errors.Is(err, errFull) {
				b.Fatal(err)
			}
			fmt.Printf("referrals: filled to %d in %v\n", stored.Load(), time.Since(t).Round(time.Millisecond))
		}
		at := stored.Load()
		rps, lat, err := testenv.Concurrent(20, time.Duration(secs)*time.Second, loop)
		if err != nil {
			b.Fatal(err)
		}
		fmt.Printf("referrals=%d loops/s REST clients=20: %.1f  (loop %v)\n", at, rps, lat)
		fmt.Printf("referrals=%d database on disk %.1f MB, %.0f bytes per referral\n", stored.Load(),
			float64(testenv.DatabaseBytes(w.refDB))/1e6, float64(testenv.DatabaseBytes(w.refDB))/float64(max(1, stored.Load())))
	}
}
