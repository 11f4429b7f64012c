package web

import (
	"net/http"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/platform/language"
)

// Events, organisations and programmes carry their words in English and French. A page shows
// them in its language and, where a resource lacks it, in the resource's own language, marked
// with a lang attribute (template "shown") so that screen readers pronounce it right.

// shown is a resource's text as a page shows it; Lang is set when the text is not in the page's
// language.
type shown struct{ Text, Lang string }

// shown is text written in lang (empty: English) as a page in l's language shows it.
func (l *localizer) shown(text, lang string) shown {
	if lang == "" {
		lang = "en"
	}
	if text == "" || language.Closest([]string{l.Lang()}, []string{lang}) == 0 {
		return shown{Text: text}
	}
	return shown{Text: text, Lang: lang}
}

// pageLanguage is the language r's page is shown in, for asking the services for their texts.
func (h *Handler) pageLanguage(r *http.Request) string {
	return h.i18n.localizer(h.i18n.choose(r)).Lang()
}

// eventText is an event's title and description in one language.
type eventText struct{ Lang, Title, Description string }

// eventTexts are all of an event's texts, its own first.
func eventTexts(ev *eventv1.Event) []eventText {
	out := []eventText{{Lang: ev.GetLanguageCode(), Title: ev.GetTitle(), Description: ev.GetDescription()}}
	for _, t := range ev.GetTranslations() {
		out = append(out, eventText{Lang: t.GetLanguageCode(), Title: t.GetTitle(), Description: t.GetDescription()})
	}
	return out
}

// textIn returns the text of texts closest to lang, and whether there is one in that language.
func textIn(texts []eventText, lang string) (eventText, bool) {
	langs := make([]string, len(texts))
	for i, t := range texts {
		langs[i] = t.Lang
	}
	if i := language.Closest([]string{lang}, langs); i >= 0 {
		return texts[i], true
	}
	return eventText{}, false
}

// eventTitle and eventDescription are an event's, read in the page language (language_code), as
// the page shows them.
func eventTitle(l *localizer, ev *eventv1.Event) shown {
	return l.shown(ev.GetTitle(), ev.GetLanguageCode())
}

func eventDescription(l *localizer, ev *eventv1.Event) shown {
	return l.shown(ev.GetDescription(), ev.GetLanguageCode())
}

// organizationName is an organisation's name in the page language, else in its own.
func organizationName(l *localizer, o *directoryv1.Organization) shown {
	if o == nil {
		return shown{}
	}
	langs := []string{o.GetLanguageCode()}
	for _, t := range o.GetTranslations() {
		langs = append(langs, t.GetLanguageCode())
	}
	if i := language.Closest([]string{l.Lang()}, langs); i > 0 {
		t := o.GetTranslations()[i-1]
		return l.shown(t.GetDisplayName(), t.GetLanguageCode())
	}
	return l.shown(o.GetDisplayName(), o.GetLanguageCode())
}

// organizationName is the name of organisation name as a page in l's language shows it.
func (f *directoryFacts) organizationName(l *localizer, name string) shown {
	return organizationName(l, f.orgDocs[name])
}

// localCentres are the member centres named as a page in l's language names them.
func (f *directoryFacts) localCentres(l *localizer) []centre {
	out := make([]centre, len(f.centres))
	for i, c := range f.centres {
		n := f.organizationName(l, c.Organization)
		c.Name, c.Lang = n.Text, n.Lang
		out[i] = c
	}
	return out
}
