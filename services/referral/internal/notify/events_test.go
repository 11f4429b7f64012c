package notify

import (
	"slices"
	"testing"

	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

func referral(version int64, status string, bookings ...store.Booking) *store.Referral {
	return &store.Referral{Meta: docstore.Meta{ID: "r1", Incarnation: "i1", Version: version}, Status: status, Bookings: bookings}
}

func state(version int64, status string, bookings map[string]string) *store.ReferralState {
	return &store.ReferralState{ID: "r1", Incarnation: "i1", Version: version, Status: status, Bookings: bookings}
}

func TestDiff(t *testing.T) {
	s1 := "events/tea/sessions/s1"
	tests := []struct {
		name string
		prev *store.ReferralState
		cur  *store.Referral
		want []string
	}{
		{"created", nil, referral(1, "DRAFT"), []string{"referral.created"}},
		{"submitted", state(1, "DRAFT", nil), referral(2, "REQUESTED"), []string{"referral.submitted"}},
		{"accepted", state(2, "REQUESTED", nil), referral(3, "ACCEPTED"), []string{"referral.accepted"}},
		{"rejected", state(2, "REQUESTED", nil), referral(3, "REJECTED"), []string{"referral.rejected"}},
		{"started", state(3, "ACCEPTED", nil), referral(4, "IN_PROGRESS"), []string{"referral.started"}},
		{"resumed is started", state(5, "ON_HOLD", nil), referral(6, "IN_PROGRESS"), []string{"referral.started"}},
		{"on hold", state(4, "IN_PROGRESS", nil), referral(5, "ON_HOLD"), []string{"referral.on_hold"}},
		{"completed", state(4, "IN_PROGRESS", nil), referral(5, "COMPLETED"), []string{"referral.completed"}},
		{"failed", state(4, "IN_PROGRESS", nil), referral(5, "FAILED"), []string{"referral.failed"}},
		{"cancelled", state(4, "IN_PROGRESS", nil), referral(5, "CANCELLED"), []string{"referral.cancelled"}},
		{"a goal added changes nothing", state(4, "IN_PROGRESS", nil), referral(5, "IN_PROGRESS"), nil},
		{"a booking pending is not yet an event", state(4, "IN_PROGRESS", nil),
			referral(5, "IN_PROGRESS", store.Booking{Session: s1, State: "PENDING"}), nil},
		{"booking confirmed", state(5, "IN_PROGRESS", map[string]string{s1: "PENDING"}),
			referral(6, "IN_PROGRESS", store.Booking{Session: s1, Registration: "reg1", State: "CONFIRMED"}), []string{"booking.confirmed"}},
		{"booking waitlisted", state(5, "IN_PROGRESS", map[string]string{s1: "PENDING"}),
			referral(6, "IN_PROGRESS", store.Booking{Session: s1, State: "WAITLISTED"}), []string{"booking.waitlisted"}},
		{"waitlist to confirmed", state(6, "IN_PROGRESS", map[string]string{s1: "WAITLISTED"}),
			referral(7, "IN_PROGRESS", store.Booking{Session: s1, State: "CONFIRMED"}), []string{"booking.confirmed"}},
		{"attended", state(6, "IN_PROGRESS", map[string]string{s1: "CONFIRMED"}),
			referral(7, "IN_PROGRESS", store.Booking{Session: s1, State: "ATTENDED"}), []string{"booking.attended"}},
		{"no show", state(6, "IN_PROGRESS", map[string]string{s1: "CONFIRMED"}),
			referral(7, "IN_PROGRESS", store.Booking{Session: s1, State: "NO_SHOW"}), []string{"booking.no_show"}},
		{"cancelled with its booking: status first", state(6, "IN_PROGRESS", map[string]string{s1: "CONFIRMED"}),
			referral(7, "CANCELLED", store.Booking{Session: s1, State: "CANCELLED"}), []string{"referral.cancelled", "booking.cancelled"}},
		{"a version published twice", state(3, "ACCEPTED", nil), referral(3, "ACCEPTED"), nil},
		{"an older version after a newer", state(4, "IN_PROGRESS", nil), referral(3, "ACCEPTED"), nil},
		{"no record of a later version", nil, referral(4, "IN_PROGRESS"), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, e := range Diff(tc.prev, tc.cur) {
				got = append(got, e.Type)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("events %v, want %v", got, tc.want)
			}
		})
	}
}

// The same change gives the same keys, and another version other keys: the delivery id.
func TestDiffKeysIdentifyTheChange(t *testing.T) {
	a := Diff(state(2, "REQUESTED", nil), referral(3, "ACCEPTED"))
	b := Diff(state(2, "REQUESTED", nil), referral(3, "ACCEPTED"))
	c := Diff(state(3, "ACCEPTED", nil), referral(4, "IN_PROGRESS"))
	if a[0].Key != b[0].Key || a[0].Key == c[0].Key {
		t.Fatalf("keys %q %q %q", a[0].Key, b[0].Key, c[0].Key)
	}
	w := &store.Webhook{Meta: docstore.Meta{ID: "organizations/chc/webhooks/a", Incarnation: "x"}}
	w2 := &store.Webhook{Meta: docstore.Meta{ID: "organizations/chc/webhooks/a", Incarnation: "y"}}
	if DeliveryID(w, a[0].Key) != DeliveryID(w, b[0].Key) || DeliveryID(w, a[0].Key) == DeliveryID(w2, a[0].Key) {
		t.Fatal("delivery ids do not follow the change and the webhook's incarnation")
	}
}
