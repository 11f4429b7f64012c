package domain

import (
	"testing"
	"time"
)

func TestCheckConsent(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	born := time.Date(1960, 5, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name    string
		scopes  []string
		granted time.Time
		field   string
	}{
		{"both scopes, an hour ago", []string{"share-with-link-worker", "share-with-event-hosts"}, now.Add(-time.Hour), ""},
		{"no scope at all is a consent to nothing", nil, now.Add(-time.Hour), ""},
		{"a minute ahead is clock skew", []string{"share-with-link-worker"}, now.Add(time.Minute), ""},
		{"tomorrow", []string{"share-with-link-worker"}, now.Add(24 * time.Hour), "grant_time"},
		{"1850, before the person was born", []string{"share-with-link-worker"}, time.Date(1850, 1, 1, 0, 0, 0, 0, time.UTC), "grant_time"},
		{"the day before birth", nil, born.Add(-24 * time.Hour), "grant_time"},
		{"an unknown scope", []string{"share-with-link-worker", "share-with-everyone"}, now.Add(-time.Hour), "scope[1]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if field, why := CheckConsent(c.scopes, c.granted, born, now, 5*time.Minute); field != c.field {
				t.Fatalf("field %q (%s), want %q", field, why, c.field)
			}
		})
	}
}

func TestShares(t *testing.T) {
	both := []string{"share-with-link-worker", "share-with-event-hosts"}
	if !Shares(both, false, "share-with-event-hosts") || Shares(both, true, "share-with-event-hosts") ||
		Shares([]string{"share-with-link-worker"}, false, "share-with-event-hosts") || Shares(nil, false, "share-with-link-worker") {
		t.Fatal("Shares: a scope is shared only when given and not withdrawn")
	}
}
