// Package language matches BCP-47 language tags the way people search: asking for "fr" finds
// services and events offered in "fr" and in "fr-CA".
package language

import "strings"

// Offered reports whether one of tags is want or a regional form of it, ignoring case.
func Offered(tags []string, want string) bool {
	want = strings.ToLower(want)
	for _, t := range tags {
		t = strings.ToLower(t)
		if t == want || strings.HasPrefix(t, want+"-") {
			return true
		}
	}
	return false
}
