package impact

import (
	"reflect"
	"testing"
	"time"

	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

func TestFactsOf(t *testing.T) {
	t0 := time.Date(2026, 4, 30, 22, 0, 0, 0, time.UTC)
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	art := func(string) (Event, bool) {
		return Event{Category: "ART_ON_PRESCRIPTION", Host: "organizations/h"}, true
	}
	base := func() *store.Referral {
		return &store.Referral{Meta: docstore.Meta{ID: "r", Version: 4, CreateTime: t0}, ReceivingOrganization: "organizations/chc",
			ReferringOrganization: "organizations/clinic", Needs: []string{"NEED_LONELINESS"},
			Subject:  store.Subject{GivenName: "Margaret", DateOfBirth: "1948-05-01", PreferredLanguage: "fr-CA"},
			Timeline: []store.Entry{{Time: t0, ToStatus: "DRAFT"}, {Time: h(2), ToStatus: "REQUESTED"}}}
	}
	for _, tc := range []struct {
		name   string
		change func(r *store.Referral)
		check  func(t *testing.T, f Facts)
	}{
		{"sent only: month, age at referral, language subtag", func(*store.Referral) {}, func(t *testing.T, f Facts) {
			if f.Month != "2026-04" || f.AgeBand != "65-79" || f.Language != "fr" || f.Stages != 0b11 || f.Waits != [3]int32{-1, -1, -1} {
				t.Fatalf("facts %+v", f)
			}
		}},
		{"waits in whole hours from sending", func(r *store.Referral) {
			r.Timeline = append(r.Timeline, store.Entry{Time: h(5).Add(59 * time.Minute), ToStatus: "ACCEPTED"},
				store.Entry{Time: h(30), Kind: "CONTACT_ATTEMPT"}, store.Entry{Time: h(31), ToStatus: "IN_PROGRESS"})
			r.Bookings = []store.Booking{{Session: "events/a/sessions/s", State: "ATTENDED", UpdateTime: h(100)}}
		}, func(t *testing.T, f Facts) {
			if f.Waits != [3]int32{3, 28, 98} || !f.Attended() || !f.Reached(StageStarted) || !f.Reached(StageBooked) {
				t.Fatalf("facts %+v", f)
			}
		}},
		{"waitlisted then promoted, from the timeline", func(r *store.Referral) {
			r.Timeline = append(r.Timeline, store.Entry{Note: "waitlisted at events/a/sessions/s, position 2"})
			r.Bookings = []store.Booking{{Session: "events/a/sessions/s", State: "CONFIRMED"}, {Session: "events/a/sessions/t", State: "PENDING"}}
		}, func(t *testing.T, f Facts) {
			want := []Booking{{Category: "ART_ON_PRESCRIPTION", Host: "organizations/h", State: "CONFIRMED", Waitlisted: true}}
			if !reflect.DeepEqual(f.Bookings, want) || !f.Bookings[0].Promoted() || f.Attended() {
				t.Fatalf("bookings %+v", f.Bookings)
			}
		}},
		{"a reason in words is counted under its code, or OTHER", func(r *store.Referral) {
			r.Status, r.StatusReason = "REJECTED", "No capacity."
		}, func(t *testing.T, f Facts) {
			if f.Closed != "REJECTED" || f.Reason != "NO_CAPACITY" {
				t.Fatalf("closed %s/%s", f.Closed, f.Reason)
			}
		}},
		{"free text never reaches a report", func(r *store.Referral) {
			r.Status, r.StatusReason = "FAILED", "Margaret moved in with her daughter"
		}, func(t *testing.T, f Facts) {
			if f.Reason != "OTHER" {
				t.Fatalf("reason %q", f.Reason)
			}
		}},
		{"changes: first baseline, last follow-up, SWEMWBS metric", func(r *store.Referral) {
			r.Measures = []store.Measure{
				{Instrument: "SWEMWBS", Timepoint: "BASELINE", Total: 14},
				{Instrument: "UCLA3", Timepoint: "BASELINE", Items: []int32{3, 3, 3}, Total: 9},
				{Instrument: "SWEMWBS", Timepoint: "BASELINE", Total: 20},
				{Instrument: "SWEMWBS", Timepoint: "FOLLOW_UP", Total: 20},
				{Instrument: "SWEMWBS", Timepoint: "FOLLOW_UP", Total: 21},
				{Instrument: "ONS4", Timepoint: "BASELINE", Items: []int32{5, 5, 5, 8}},
				{Instrument: "ONS4", Timepoint: "FOLLOW_UP", Items: []int32{7, 5, 6, 4}},
			}
		}, func(t *testing.T, f Facts) {
			// SWEMWBS 14 -> 21: metric 15.32 -> 19.25; no UCLA3 follow-up.
			want := []Score{{1, 200}, {2, 0}, {3, 100}, {4, -400}, {5, 393}}
			if !reflect.DeepEqual(f.Scores, want) {
				t.Fatalf("scores %v, want %v", f.Scores, want)
			}
		}},
		{"an unreadable birth date is UNKNOWN", func(r *store.Referral) { r.Subject.DateOfBirth = "" }, func(t *testing.T, f Facts) {
			if f.AgeBand != "UNKNOWN" {
				t.Fatalf("age band %s", f.AgeBand)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := base()
			tc.change(r)
			tc.check(t, FactsOf(r, art))
		})
	}
}
