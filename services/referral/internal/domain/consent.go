package domain

import (
	"fmt"
	"slices"
	"time"
)

// Consent scopes: what the person agreed may be shared, and with whom.
const (
	// ScopeLinkWorker: the person's identifying details (name, date of birth, contact details,
	// postal code) go to the receiving centre's link workers and systems.
	ScopeLinkWorker = "share-with-link-worker"
	// ScopeEventHosts: their first name and needs go to the hosts of the events they are booked
	// at. Without it a host sees WithheldName and no needs.
	ScopeEventHosts = "share-with-event-hosts"
)

// Scopes lists every consent scope.
var Scopes = []string{ScopeLinkWorker, ScopeEventHosts}

// WithheldName is the name an event host is given for a booked person who did not agree to
// share it with hosts.
const WithheldName = "Referred participant"

// Shares reports whether a consent with scopes, withdrawn or not, lets scope be shared now.
func Shares(scopes []string, withdrawn bool, scope string) bool {
	return !withdrawn && slices.Contains(scopes, scope)
}

// CheckConsent checks a consent as given: every scope known, granted after the person was born
// and not after now (allowing skew for clocks). It returns the offending field (relative to the
// consent) and why, or "" when the consent holds.
func CheckConsent(scopes []string, granted, born, now time.Time, skew time.Duration) (field, why string) {
	for i, s := range scopes {
		if !slices.Contains(Scopes, s) {
			return fmt.Sprintf("scope[%d]", i), fmt.Sprintf("unknown scope %q; one of %v", s, Scopes)
		}
	}
	switch {
	case granted.After(now.Add(skew)):
		return "grant_time", "must not be in the future"
	case !born.IsZero() && granted.Before(born):
		return "grant_time", "must not be before the person's date of birth"
	}
	return "", ""
}
