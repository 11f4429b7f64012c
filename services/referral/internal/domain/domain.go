// Package domain holds the referral rules that do not depend on storage: the FHIR Task
// lifecycle and the scoring of outcome measures.
package domain

import (
	"fmt"
	"slices"
)

// Statuses (the API enum names without prefix).
const (
	Draft          = "DRAFT"
	Requested      = "REQUESTED"
	Accepted       = "ACCEPTED"
	Rejected       = "REJECTED"
	InProgress     = "IN_PROGRESS"
	OnHold         = "ON_HOLD"
	Completed      = "COMPLETED"
	Failed         = "FAILED"
	Cancelled      = "CANCELLED"
	EnteredInError = "ENTERED_IN_ERROR"
)

// Statuses lists every status.
var Statuses = []string{Draft, Requested, Accepted, Rejected, InProgress, OnHold, Completed, Failed, Cancelled, EnteredInError}

// Terminal reports whether status closes the referral for good.
func Terminal(status string) bool {
	switch status {
	case Rejected, Completed, Failed, Cancelled, EnteredInError:
		return true
	}
	return false
}

// Transition is a lifecycle move made by a custom method.
type Transition struct {
	From []string
	To   string
}

// Transitions maps each custom method to its move.
var Transitions = map[string]Transition{
	"submit":             {[]string{Draft}, Requested},
	"accept":             {[]string{Requested}, Accepted},
	"reject":             {[]string{Requested}, Rejected},
	"start":              {[]string{Accepted, OnHold}, InProgress},
	"hold":               {[]string{Accepted, InProgress}, OnHold},
	"resume":             {[]string{OnHold}, InProgress},
	"complete":           {[]string{InProgress}, Completed},
	"fail":               {[]string{Accepted, InProgress, OnHold}, Failed},
	"cancel":             {[]string{Draft, Requested, Accepted, InProgress, OnHold}, Cancelled},
	"markEnteredInError": {[]string{Draft, Requested, Accepted, InProgress, OnHold}, EnteredInError},
}

// Allowed reports whether method may move a referral in status from.
func Allowed(method, from string) bool {
	t, ok := Transitions[method]
	return ok && slices.Contains(t.From, from)
}

// Instrument scoring rules.
type instrument struct {
	items    int
	min, max int32
	summed   bool // whether the total is meaningful
}

var instruments = map[string]instrument{
	"UCLA3":   {items: 3, min: 1, max: 3, summed: true},
	"ONS4":    {items: 4, min: 0, max: 10, summed: false},
	"SWEMWBS": {items: 7, min: 1, max: 5, summed: true},
}

// Score checks item count and ranges for an instrument and returns its total (0 when the
// instrument has no meaningful total). The error names the offending item.
func Score(name string, items []int32) (int32, error) {
	in, ok := instruments[name]
	if !ok {
		return 0, fmt.Errorf("unknown instrument %s", name)
	}
	if len(items) != in.items {
		return 0, &ItemError{Index: -1, Msg: fmt.Sprintf("%s has %d items, got %d", name, in.items, len(items))}
	}
	var total int32
	for i, v := range items {
		if v < in.min || v > in.max {
			return 0, &ItemError{Index: i, Msg: fmt.Sprintf("%s item %d must be from %d to %d, got %d", name, i+1, in.min, in.max, v)}
		}
		total += v
	}
	if !in.summed {
		total = 0
	}
	return total, nil
}

// ItemError is an item count or range error; Index is -1 for the count.
type ItemError struct {
	Index int
	Msg   string
}

func (e *ItemError) Error() string { return e.Msg }

// Change is the change from baseline: of the total for summed instruments, of each item
// otherwise.
func Change(name string, baselineItems, items []int32, baselineTotal, total int32) []int32 {
	if instruments[name].summed {
		return []int32{total - baselineTotal}
	}
	out := make([]int32, len(items))
	for i := range items {
		out[i] = items[i] - baselineItems[i]
	}
	return out
}
