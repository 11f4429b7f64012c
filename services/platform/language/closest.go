package language

import (
	"context"
	"slices"
	"strings"

	"golang.org/x/text/language"
	"google.golang.org/grpc/metadata"
)

// AcceptLanguage is the gRPC metadata key that carries a caller's language preferences, in the
// syntax of HTTP's Accept-Language; the gateway passes that header on under it.
const AcceptLanguage = "accept-language"

// Wanted returns the languages a reader asked for, most wanted first: code when set, else those
// of the incoming metadata accept-language; none when neither says.
func Wanted(ctx context.Context, code string) []string {
	if code != "" {
		return []string{code}
	}
	md, _ := metadata.FromIncomingContext(ctx)
	var out []string
	for _, v := range md.Get(AcceptLanguage) {
		tags, _, err := language.ParseAcceptLanguage(v)
		if err != nil {
			continue
		}
		for _, t := range tags {
			out = append(out, t.String())
		}
	}
	return out
}

// Closest returns the index in have of the language closest to the most wanted of want that
// have has at all, or -1 when have has none of them: the same tag, else the same base language
// ("fr-CA" finds "fr", "fr" finds "fr-CA"), ignoring case. An empty entry of have is English,
// the services' default.
func Closest(want, have []string) int {
	norm := make([]string, len(have))
	for i, h := range have {
		if h == "" {
			h = "en"
		}
		norm[i] = strings.ToLower(h)
	}
	for _, w := range want {
		w = strings.ToLower(strings.TrimSpace(w))
		if w == "" {
			continue
		}
		if i := slices.Index(norm, w); i >= 0 {
			return i
		}
		for i, h := range norm {
			if base(h) == base(w) {
				return i
			}
		}
	}
	return -1
}

func base(tag string) string {
	b, _, _ := strings.Cut(tag, "-")
	return b
}

// Repeated returns the index in others of the first tag that is own or an earlier one of others,
// ignoring case, or -1: a text in a language the resource has already. An empty own is English.
func Repeated(own string, others []string) int {
	if own == "" {
		own = "en"
	}
	seen := map[string]bool{strings.ToLower(own): true}
	for i, o := range others {
		o = strings.ToLower(o)
		if seen[o] {
			return i
		}
		seen[o] = true
	}
	return -1
}
