package web

import (
	"net/url"
	"strings"
	"testing"
)

// An edit's update mask names only the fields whose values changed, each path once (the three
// address fields of a location are one "address").
func TestAdminChangedMask(t *testing.T) {
	k := adminKinds["locations"]
	was := url.Values{"d_display_name": {"Library"}, "d_city": {"Toronto"}, "d_latitude": {"43.66"}, "d_longitude": {"-79.36"}}
	now := url.Values{"d_display_name": {"Library"}, "d_city": {"Hamilton"}, "d_postal": {"L8L 1A1"}, "d_latitude": {"43.66"}, "d_longitude": {"-79.36"}}
	if got := strings.Join(k.changed(was, now), ","); got != "address" {
		t.Fatalf("mask of a changed city and postal code: %q", got)
	}
	if got := k.changed(was, was); len(got) != 0 {
		t.Fatalf("mask of an unchanged form: %v", got)
	}
	s := adminKinds["services"]
	was = url.Values{"d_display_name": {"Walks"}, "d_terms": {"taxonomyTerms/a", "taxonomyTerms/b"}}
	now = url.Values{"d_display_name": {"Walks"}, "d_terms": {"taxonomyTerms/a"}, "d_description": {"Weekly."}}
	if got := strings.Join(s.changed(was, now), ","); got != "description,taxonomy_terms" {
		t.Fatalf("mask of a programme's description and terms: %q", got)
	}
}

// Every field of every kind has a label and a message of its own in the catalogue, and every
// field path the service may name maps to a field of the form.
func TestAdminKindsMessages(t *testing.T) {
	tr, err := newTranslations()
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range adminKindOrder {
		k := adminKinds[kind]
		names := map[string]bool{}
		for _, f := range k.fields {
			names[f.name] = true
			if !tr.keys[f.label] || (f.typ != "checkbox" && !tr.keys["error.field."+f.name]) {
				t.Errorf("%s field %s: label %q or its message is not in the catalogue", kind, f.name, f.label)
			}
		}
		for path, f := range k.paths {
			if !names[f] {
				t.Errorf("%s: %s maps to %s, not a field of the form", kind, path, f)
			}
		}
		for _, key := range []string{"admin.kind.", "admin.new.", "admin.edit."} {
			if !tr.keys[key+kind] {
				t.Errorf("no message %s%s", key, kind)
			}
		}
	}
}
