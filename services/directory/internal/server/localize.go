package server

import (
	"fmt"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/language"
)

// texts are the fields of an organisation or service that it holds in several languages.
type texts struct {
	lang, name, alt, desc *string
	translations          []*directoryv1.LocalizedText
}

func organizationTexts(p *directoryv1.Organization) texts {
	return texts{&p.LanguageCode, &p.DisplayName, &p.AlternateName, &p.Description, p.Translations}
}

func serviceTexts(p *directoryv1.Service) texts {
	return texts{&p.LanguageCode, &p.DisplayName, &p.AlternateName, &p.Description, p.Translations}
}

// localize puts into the resource's own fields its text in the language closest to want, moving
// the text they held into translations, so the resource keeps every text it has.
func (t texts) localize(want []string) {
	if len(want) == 0 || len(t.translations) == 0 {
		return
	}
	have := []string{*t.lang}
	for _, tr := range t.translations {
		have = append(have, tr.GetLanguageCode())
	}
	i := language.Closest(want, have)
	if i <= 0 {
		return
	}
	tr := t.translations[i-1]
	own := *t.lang
	if own == "" {
		own = "en"
	}
	t.translations[i-1] = &directoryv1.LocalizedText{LanguageCode: own, DisplayName: *t.name, AlternateName: *t.alt, Description: *t.desc}
	*t.lang, *t.name, *t.alt, *t.desc = tr.GetLanguageCode(), tr.GetDisplayName(), tr.GetAlternateName(), tr.GetDescription()
}

// check refuses a text in a language the resource has already; field names the resource.
func (t texts) check(field string) error {
	var langs []string
	for _, tr := range t.translations {
		langs = append(langs, tr.GetLanguageCode())
	}
	if i := language.Repeated(*t.lang, langs); i >= 0 {
		return apierror.Field(fmt.Sprintf("%s.translations[%d].language_code", field, i), "repeats a language the resource has already")
	}
	return nil
}
