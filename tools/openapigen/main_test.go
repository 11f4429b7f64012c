package main

import (
	"encoding/json"
	"testing"
)

func TestSchemaNames(t *testing.T) {
	trees := []map[string]any{
		{"definitions": map[string]any{
			"socialrx.directory.v1.Organization": map[string]any{},
			"socialrx.directory.v1.GeoCircle":    map[string]any{},
			"google.protobuf.Any":                map[string]any{},
		}},
		{"definitions": map[string]any{
			"socialrx.event.v1.GeoCircle":                    map[string]any{},
			"socialrx.event.v1.EventService.CancelEventBody": map[string]any{},
			"socialrx.event.v1.Event.Venue":                  map[string]any{},
			"google.protobuf.Any":                            map[string]any{},
		}},
	}
	want := map[string]string{
		"socialrx.directory.v1.Organization":             "Organization",
		"socialrx.directory.v1.GeoCircle":                "DirectoryGeoCircle",
		"socialrx.event.v1.GeoCircle":                    "EventGeoCircle",
		"socialrx.event.v1.EventService.CancelEventBody": "CancelEventBody",
		"socialrx.event.v1.Event.Venue":                  "EventVenue",
		"google.protobuf.Any":                            "google.protobuf.Any",
	}
	got := schemaNames(trees)
	for full, w := range want {
		if got[full] != w {
			t.Errorf("%s: got %q, want %q", full, got[full], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d names, want %d: %v", len(got), len(want), got)
	}
}

func TestResourceTag(t *testing.T) {
	for path, want := range map[string]string{
		"/v1/organizations":                                   "Organizations",
		"/v1/taxonomyTerms/{taxonomyTerm}":                    "Taxonomy terms",
		"/v1/events/{event}/sessions/{session}:cancel":        "Sessions",
		"/v1/events:search":                                   "Events",
		"/v1/referrals/{referral}/timeline":                   "Timeline",
		"/v1/organizations/{organization}/webhooks/{webhook}": "Webhooks",
		"/v1/auditRecords:search":                             "Audit records",
		"/v1/events/{event}/sessions/{session}/registrations": "Registrations",
	} {
		if got := resourceTag(path); got != want {
			t.Errorf("%s: got %q, want %q", path, got, want)
		}
	}
}

// A reference with a description becomes an allOf that keeps it; a reference with only a type
// beside it becomes the bare reference; references follow the renamed definitions.
func TestRewrite(t *testing.T) {
	in := map[string]any{
		"definitions": map[string]any{"socialrx.referral.v1.Referral": map[string]any{"type": "object"}},
		"a":           map[string]any{"$ref": "#/definitions/socialrx.referral.v1.Referral", "description": "The referral."},
		"b":           map[string]any{"$ref": "#/definitions/socialrx.referral.v1.Referral", "type": "object"},
	}
	got, _ := json.Marshal(rewrite(in, map[string]string{"socialrx.referral.v1.Referral": "Referral"}))
	want := `{"a":{"allOf":[{"$ref":"#/definitions/Referral"}],"description":"The referral."},"b":{"$ref":"#/definitions/Referral"},"definitions":{"Referral":{"type":"object"}}}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
