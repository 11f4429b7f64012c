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

// eventTitle and eventDescription are an event's in the page language, else in the event's
// own, as the page shows them. An event read with a language_code has its text in that language
// already; one read without has them among its translations.
func eventTitle(l *localizer, ev *eventv1.Event) shown {
	t := eventTextFor(l, ev)
	return l.shown(t.Title, t.Lang)
}

func eventDescription(l *localizer, ev *eventv1.Event) shown {
	t := eventTextFor(l, ev)
	return l.shown(t.Description, t.Lang)
}

func eventTextFor(l *localizer, ev *eventv1.Event) eventText {
	texts := eventTexts(ev)
	if t, ok := textIn(texts, l.Lang()); ok {
		return t
	}
	return texts[0]
}

// otherLang is the lang attribute for a resource's words that have no translation, written in
// own (empty: English): own when it is not the page's language, else "".
func (l *localizer) otherLang(own string) string { return l.shown("-", own).Lang }

// featureShown is an accessibility feature as a page shows it: in the page language when it is
// a common one, else as the host wrote it, in the resource's own language.
func (l *localizer) featureShown(feature, own string) shown {
	if named := l.Feature(feature); named != feature {
		return shown{Text: named}
	}
	return l.shown(feature, own)
}

// organizationName is an organisation's name in the page language, else in its own.
func organizationName(l *localizer, o *directoryv1.Organization) shown {
	if o == nil {
		return shown{}
	}
	t := localizedText(l, o.GetLanguageCode(), o.GetDisplayName(), o.GetDescription(), o.GetTranslations())
	return l.shown(t.GetDisplayName(), t.GetLanguageCode())
}

// serviceText is a programme's name and description in the page language, else in its own.
func serviceText(l *localizer, s *directoryv1.Service) (name, description shown) {
	t := localizedText(l, s.GetLanguageCode(), s.GetDisplayName(), s.GetDescription(), s.GetTranslations())
	return l.shown(t.GetDisplayName(), t.GetLanguageCode()), l.shown(t.GetDescription(), t.GetLanguageCode())
}

// localizedText picks among a directory resource's own text and its translations the one in the
// page language, else its own.
func localizedText(l *localizer, own, name, description string, translations []*directoryv1.LocalizedText) *directoryv1.LocalizedText {
	langs := []string{own}
	for _, t := range translations {
		langs = append(langs, t.GetLanguageCode())
	}
	if i := language.Closest([]string{l.Lang()}, langs); i > 0 {
		return translations[i-1]
	}
	return &directoryv1.LocalizedText{LanguageCode: own, DisplayName: name, Description: description}
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
