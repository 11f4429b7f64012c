package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// The languages of every public page (Ontario's French Language Services Act).
var (
	english = language.English
	french  = language.French
)

const languageCookie = "socialrx_lang"

// translations is the message catalogue of every page, built from the tables in messages.go.
type translations struct {
	cat     catalog.Catalog
	matcher language.Matcher
	keys    map[string]bool
}

func newTranslations() (*translations, error) {
	b := catalog.NewBuilder(catalog.Fallback(english))
	keys := map[string]bool{}
	for _, m := range append(append(append(messageTable(), referralMessageTable()...), adminMessageTable()...), impactMessageTable()...) {
		if keys[m.key] {
			return nil, fmt.Errorf("message %q defined twice", m.key)
		}
		keys[m.key] = true
		if err := b.SetString(english, m.key, m.en); err != nil {
			return nil, fmt.Errorf("message %q (en): %w", m.key, err)
		}
		if err := b.SetString(french, m.key, m.fr); err != nil {
			return nil, fmt.Errorf("message %q (fr): %w", m.key, err)
		}
	}
	for _, m := range append(pluralTable(), referralPluralTable()...) {
		if keys[m.key] {
			return nil, fmt.Errorf("message %q defined twice", m.key)
		}
		keys[m.key] = true
		if err := b.Set(english, m.key, plural.Selectf(1, "%d", plural.One, m.en[0], plural.Other, m.en[1])); err != nil {
			return nil, fmt.Errorf("message %q (en): %w", m.key, err)
		}
		if err := b.Set(french, m.key, plural.Selectf(1, "%d", plural.One, m.fr[0], plural.Other, m.fr[1])); err != nil {
			return nil, fmt.Errorf("message %q (fr): %w", m.key, err)
		}
	}
	return &translations{cat: b, matcher: language.NewMatcher([]language.Tag{english, french}), keys: keys}, nil
}

// choose picks the page language: the switch's cookie, else Accept-Language, else English.
func (t *translations) choose(r *http.Request) language.Tag {
	var prefs []string
	if c, err := r.Cookie(languageCookie); err == nil {
		prefs = append(prefs, c.Value)
	}
	prefs = append(prefs, r.Header.Get("Accept-Language"))
	tag, _ := language.MatchStrings(t.matcher, prefs...)
	if base, _ := tag.Base(); base.String() == "fr" {
		return french
	}
	return english
}

// localizer renders messages, dates, numbers and language names in one language.
type localizer struct {
	tag     language.Tag
	printer *message.Printer
	names   display.Namer
}

func (t *translations) localizer(tag language.Tag) *localizer {
	return &localizer{tag: tag, printer: message.NewPrinter(tag, message.Catalog(t.cat)), names: display.Tags(tag)}
}

// T returns the message key with args, in the page language.
func (l *localizer) T(key string, args ...any) string { return l.printer.Sprintf(key, args...) }

// Label is the message key as a label before a value: "Languages:" or "Langues :".
func (l *localizer) Label(key string) string { return l.T("format.label", l.T(key)) }

// Lang is the page language's BCP-47 code ("en", "fr").
func (l *localizer) Lang() string { return l.tag.String() }

// LanguageName names a BCP-47 language in the page language ("French", "français").
func (l *localizer) LanguageName(code string) string {
	tag, err := language.Parse(code)
	if err != nil {
		return code
	}
	if n := l.names.Name(tag); n != "" {
		return n
	}
	return code
}

// Date writes t's day in zone, e.g. "Saturday, December 12" or "samedi 12 décembre".
func (l *localizer) Date(t time.Time, zone string) string {
	t = inZone(t, zone)
	return l.T("format.date", l.T(fmt.Sprintf("weekday.%d", t.Weekday())), l.T(fmt.Sprintf("month.%d", t.Month())), t.Day(),
		strconv.Itoa(t.Year())) // a year is not a quantity: no digit grouping ("2 026")
}

// Birth writes a date of birth ("1956-03-14") as "March 14, 1956" or "14 mars 1956", or ""
// when there is none.
func (l *localizer) Birth(date string) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return l.T("format.birth", l.T(fmt.Sprintf("month.%d", t.Month())), t.Day(), strconv.Itoa(t.Year()))
}

// ShortDate writes t's day in zone without weekday and year, e.g. "May 4" or "4 mai".
func (l *localizer) ShortDate(t time.Time, zone string) string {
	t = inZone(t, zone)
	return l.T("format.shortdate", l.T(fmt.Sprintf("month.%d", t.Month())), t.Day())
}

// Time writes t's time of day in zone, e.g. "2:30 PM" or "14 h 30".
func (l *localizer) Time(t time.Time, zone string) string {
	return inZone(t, zone).Format(l.T("format.time"))
}

// Distance writes metres as kilometres with one decimal, in the page's number format.
func (l *localizer) Distance(metres float64) string {
	return l.T("format.km", metres/1000)
}

// Category names an event category ("EVENT_CATEGORY_ART_ON_PRESCRIPTION").
func (l *localizer) Category(name string) string {
	return l.T("category." + strings.TrimPrefix(name, "EVENT_CATEGORY_"))
}

// Feature names an accessibility feature or need in the page language when it is one of the
// common ones, and as the host wrote it otherwise.
func (l *localizer) Feature(s string) string {
	for _, f := range commonFeatures {
		if f == s {
			return l.T("feature." + s)
		}
	}
	return s
}

func inZone(t time.Time, zone string) time.Time {
	if loc, err := time.LoadLocation(zone); err == nil {
		return t.In(loc)
	}
	return t
}
