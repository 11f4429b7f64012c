package language_test

import (
	"context"
	"slices"

	"google.golang.org/grpc/metadata"

	"testing"

	"github.com/socialrx/socialrx/services/platform/language"
)

func TestOffered(t *testing.T) {
	tests := []struct {
		name string
		tags []string
		want string
		ok   bool
	}{
		{"exact", []string{"en", "fr"}, "fr", true},
		{"regional form", []string{"fr-CA"}, "fr", true},
		{"case", []string{"FR-ca"}, "fr-CA", true},
		{"region asked, base offered", []string{"fr"}, "fr-CA", false},
		{"prefix of another language", []string{"fil"}, "fi", false},
		{"none", nil, "en", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := language.Offered(tc.tags, tc.want); got != tc.ok {
				t.Fatalf("Offered(%v, %q) = %v, want %v", tc.tags, tc.want, got, tc.ok)
			}
		})
	}
}

func TestClosest(t *testing.T) {
	tests := []struct {
		name       string
		want, have []string
		index      int
	}{
		{"exact", []string{"fr"}, []string{"en", "fr"}, 1},
		{"own language asked", []string{"en"}, []string{"en", "fr"}, 0},
		{"regional asked, base held", []string{"fr-CA"}, []string{"en", "fr"}, 1},
		{"base asked, regional held", []string{"fr"}, []string{"en", "fr-CA"}, 1},
		{"empty own is English", []string{"en-CA"}, []string{"", "fr"}, 0},
		{"second preference", []string{"pa", "fr"}, []string{"en", "fr"}, 1},
		{"none held", []string{"pa"}, []string{"en", "fr"}, -1},
		{"nothing asked", nil, []string{"en", "fr"}, -1},
		{"unknown asked", []string{"xx"}, []string{"en", "fr"}, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := language.Closest(tc.want, tc.have); got != tc.index {
				t.Fatalf("Closest(%v, %v) = %d, want %d", tc.want, tc.have, got, tc.index)
			}
		})
	}
}

func TestRepeated(t *testing.T) {
	tests := []struct {
		name   string
		own    string
		others []string
		index  int
	}{
		{"distinct", "en", []string{"fr", "fr-CA"}, -1},
		{"own repeated", "en", []string{"fr", "EN"}, 1},
		{"empty own is English", "", []string{"en"}, 0},
		{"other repeated", "en", []string{"fr", "pa", "fr"}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := language.Repeated(tc.own, tc.others); got != tc.index {
				t.Fatalf("Repeated(%q, %v) = %d, want %d", tc.own, tc.others, got, tc.index)
			}
		})
	}
}

func TestWanted(t *testing.T) {
	md := metadata.Pairs(language.AcceptLanguage, "fr-CA,fr;q=0.9,en;q=0.5")
	ctx := metadata.NewIncomingContext(context.Background(), md)
	if got := language.Wanted(ctx, ""); !slices.Equal(got, []string{"fr-CA", "fr", "en"}) {
		t.Fatalf("Wanted from accept-language = %v, want [fr-CA fr en]", got)
	}
	if got := language.Wanted(ctx, "en"); !slices.Equal(got, []string{"en"}) {
		t.Fatalf("Wanted with a language_code = %v, want [en]", got)
	}
	if got := language.Wanted(context.Background(), ""); len(got) != 0 {
		t.Fatalf("Wanted with nothing asked = %v, want none", got)
	}
}
