package domain

import (
	"errors"
	"slices"
	"testing"
)

// lifecycle is DOMAIN.md's referral lifecycle written out (FHIR Task statuses, Gravity SDOHCC):
// for each custom method, the statuses it may leave and the one it leads to. It is this test's
// own copy, so a change to the code's table that breaks the lifecycle fails here.
var lifecycle = map[string]struct {
	from []string
	to   string
}{
	"submit":             {[]string{"DRAFT"}, "REQUESTED"},
	"accept":             {[]string{"REQUESTED"}, "ACCEPTED"},
	"reject":             {[]string{"REQUESTED"}, "REJECTED"},
	"start":              {[]string{"ACCEPTED", "ON_HOLD"}, "IN_PROGRESS"},
	"hold":               {[]string{"ACCEPTED", "IN_PROGRESS"}, "ON_HOLD"},
	"resume":             {[]string{"ON_HOLD"}, "IN_PROGRESS"},
	"complete":           {[]string{"IN_PROGRESS"}, "COMPLETED"},
	"fail":               {[]string{"ACCEPTED", "IN_PROGRESS", "ON_HOLD"}, "FAILED"},
	"cancel":             {[]string{"DRAFT", "REQUESTED", "ACCEPTED", "IN_PROGRESS", "ON_HOLD"}, "CANCELLED"},
	"markEnteredInError": {[]string{"DRAFT", "REQUESTED", "ACCEPTED", "IN_PROGRESS", "ON_HOLD"}, "ENTERED_IN_ERROR"},
}

var everyStatus = []string{"DRAFT", "REQUESTED", "ACCEPTED", "REJECTED", "IN_PROGRESS", "ON_HOLD",
	"COMPLETED", "FAILED", "CANCELLED", "ENTERED_IN_ERROR"}

func TestEveryMethodFromEveryStatus(t *testing.T) {
	for method, want := range lifecycle {
		for _, from := range everyStatus {
			if got, expected := Allowed(method, from), slices.Contains(want.from, from); got != expected {
				t.Errorf("Allowed(%s, %s) = %v, want %v", method, from, got, expected)
			}
		}
		if got := Transitions[method].To; got != want.to {
			t.Errorf("%s leads to %s, want %s", method, got, want.to)
		}
	}
	if len(Transitions) != len(lifecycle) {
		t.Errorf("the code has %d lifecycle methods, DOMAIN.md %d", len(Transitions), len(lifecycle))
	}
}

func TestClosedStatusesAreTerminal(t *testing.T) {
	closed := []string{"REJECTED", "COMPLETED", "FAILED", "CANCELLED", "ENTERED_IN_ERROR"}
	for _, s := range everyStatus {
		if got := Terminal(s); got != slices.Contains(closed, s) {
			t.Errorf("Terminal(%s) = %v", s, got)
		}
		if !Terminal(s) {
			continue
		}
		for method := range lifecycle {
			if Allowed(method, s) {
				t.Errorf("%s is allowed from the closed status %s", method, s)
			}
		}
	}
}

func TestScore(t *testing.T) {
	for _, tt := range []struct {
		name       string
		instrument string
		items      []int32
		total      int32
		badItem    int // -1 for the count, -2 for no error
	}{
		{"UCLA-3 lowest", "UCLA3", []int32{1, 1, 1}, 3, -2},
		{"UCLA-3 highest", "UCLA3", []int32{3, 3, 3}, 9, -2},
		{"UCLA-3 item out of range", "UCLA3", []int32{1, 4, 1}, 0, 1},
		{"UCLA-3 zero is out of range", "UCLA3", []int32{0, 1, 1}, 0, 0},
		{"UCLA-3 too few items", "UCLA3", []int32{1, 1}, 0, -1},
		{"ONS4 has no total", "ONS4", []int32{0, 10, 5, 7}, 0, -2},
		{"ONS4 item above 10", "ONS4", []int32{0, 11, 5, 7}, 0, 1},
		{"SWEMWBS lowest", "SWEMWBS", []int32{1, 1, 1, 1, 1, 1, 1}, 7, -2},
		{"SWEMWBS highest", "SWEMWBS", []int32{5, 5, 5, 5, 5, 5, 5}, 35, -2},
		{"SWEMWBS too many items", "SWEMWBS", []int32{1, 1, 1, 1, 1, 1, 1, 1}, 0, -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			total, err := Score(tt.instrument, tt.items)
			if tt.badItem == -2 {
				if err != nil || total != tt.total {
					t.Fatalf("Score = %d, %v; want %d", total, err, tt.total)
				}
				return
			}
			var ie *ItemError
			if !errors.As(err, &ie) || ie.Index != tt.badItem {
				t.Fatalf("Score error = %v, want an ItemError at index %d", err, tt.badItem)
			}
		})
	}
	if _, err := Score("PHQ9", []int32{1}); err == nil {
		t.Error("an unknown instrument was scored")
	}
}

func TestChangeFromBaseline(t *testing.T) {
	// Summed instruments change by their total; ONS4 item by item (its items are separate
	// questions: life satisfaction, worthwhile, happiness, anxiety).
	if got := Change("UCLA3", []int32{3, 3, 2}, []int32{2, 1, 1}, 8, 4); !slices.Equal(got, []int32{-4}) {
		t.Errorf("UCLA-3 change = %v, want [-4]", got)
	}
	if got := Change("SWEMWBS", nil, nil, 14, 21); !slices.Equal(got, []int32{7}) {
		t.Errorf("SWEMWBS change = %v, want [7]", got)
	}
	if got := Change("ONS4", []int32{4, 5, 6, 8}, []int32{6, 5, 7, 3}, 0, 0); !slices.Equal(got, []int32{2, 0, 1, -5}) {
		t.Errorf("ONS4 change = %v, want [2 0 1 -5]", got)
	}
}
