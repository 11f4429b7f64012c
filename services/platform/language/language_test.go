package language_test

import (
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
