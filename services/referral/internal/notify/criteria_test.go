package notify

import (
	"testing"

	"github.com/socialrx/socialrx/services/referral/internal/store"
)

// A FHIR criteria holds for a Task whose owner (the receiving organisation) or requester (the
// referring organisation) is the organisation named; anything else is refused and matches nothing.
func TestCriteriaHolds(t *testing.T) {
	r := &store.Referral{ReferringOrganization: "organizations/clinic", ReceivingOrganization: "organizations/chc"}
	for _, c := range []struct {
		criteria string
		valid    bool
		holds    bool
	}{
		{"", true, true},
		{"Task?owner=Organization/chc", true, true},
		{"Task?owner=Organization/clinic", true, false},
		{"Task?requester=Organization/clinic", true, true},
		{"Task?requester=Organization/chc", true, false},
		{"Task?status=completed", false, false},
		{"Task?owner=chc", false, false},
		{"Task?owner=Organization/", false, false},
		{"Task?owner=Organization/chc&status=completed", false, false},
		{"ServiceRequest?owner=Organization/chc", false, false},
	} {
		_, _, err := ParseCriteria(c.criteria)
		if (err == nil) != c.valid {
			t.Errorf("ParseCriteria(%q): %v, want valid %v", c.criteria, err, c.valid)
		}
		if got := criteriaHolds(c.criteria, r); got != c.holds {
			t.Errorf("criteriaHolds(%q) = %v, want %v", c.criteria, got, c.holds)
		}
	}
}
