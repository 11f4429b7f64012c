package server

import (
	"fmt"
	"strings"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/event/internal/domain"
	"github.com/socialrx/socialrx/services/platform/aip/names"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/language"
	"github.com/socialrx/socialrx/services/platform/protoconv"
)

// Resource names and the state's keys: events/{e} <-> "e", events/{e}/sessions/{s} <-> "e/s",
// events/{e}/sessions/{s}/registrations/{r} <-> "e/s/r".

func eventName(id string) string { return "events/" + id }

func sessionName(key string) string {
	e, s, _ := strings.Cut(key, "/")
	return "events/" + e + "/sessions/" + s
}

func registrationName(key string) string {
	parts := strings.SplitN(key, "/", 3)
	if len(parts) != 3 {
		return key
	}
	return "events/" + parts[0] + "/sessions/" + parts[1] + "/registrations/" + parts[2]
}

// keyOf turns a resource name with the given collection ids into its key (the ids joined by
// "/"), or "" when it does not have that shape.
func keyOf(name string, collections ...string) string {
	pattern := make([]string, len(collections))
	ids := make([]string, len(collections))
	ptrs := make([]*string, len(collections))
	for i, c := range collections {
		pattern[i] = c + "/{" + c + "}"
		ptrs[i] = &ids[i]
	}
	if err := names.Parse(name, strings.Join(pattern, "/"), ptrs...); err != nil {
		return ""
	}
	return strings.Join(ids, "/")
}

func eventToProto(ev *domain.Event) *eventv1.Event {
	p := &eventv1.Event{
		Name:                  eventName(ev.ID),
		Title:                 ev.Title,
		Description:           ev.Description,
		Category:              protoconv.ParseEnum[eventv1.EventCategory](ev.Category),
		HostOrganization:      ev.HostOrganization,
		ContactPractitioner:   ev.ContactPractitioner,
		OnlineUrl:             ev.OnlineURL,
		Languages:             ev.Languages,
		AccessibilityFeatures: ev.Accessibility,
		Tags:                  ev.Tags,
		LanguageCode:          ev.Language,
		State:                 protoconv.ParseEnum[eventv1.EventState](ev.State),
		StateReason:           ev.StateReason,
		CreateTime:            protoconv.Timestamp(ev.CreateTime),
		UpdateTime:            protoconv.Timestamp(ev.UpdateTime),
		Etag:                  domain.Etag(ev.Version),
	}
	for _, t := range ev.Translations {
		p.Translations = append(p.Translations, &eventv1.EventText{LanguageCode: t.Language, Title: t.Title, Description: t.Description})
	}
	if v := ev.Venue; v != nil {
		p.Venue = &eventv1.Venue{DisplayName: v.DisplayName, Latitude: v.Latitude, Longitude: v.Longitude}
		if v.Location != "" {
			p.Venue.Place = &eventv1.Venue_Location{Location: v.Location}
		} else if a := v.Address; a != nil {
			p.Venue.Place = &eventv1.Venue_Address{Address: &eventv1.PlaceAddress{
				Address_1: a.Address1, City: a.City, Region: a.Region, PostalCode: a.PostalCode,
				Country: a.Country, Latitude: a.Latitude, Longitude: a.Longitude,
			}}
		}
	}
	if c := ev.Cost; c != nil {
		p.Cost = &eventv1.Cost{Free: c.Free, AmountMinor: c.AmountMinor, Currency: c.Currency}
	} else {
		p.Cost = &eventv1.Cost{Free: true}
	}
	return p
}

// eventFromProto copies the writable fields of p; the venue's resolved name and coordinates are
// filled by the caller after asking the directory.
func eventFromProto(id string, p *eventv1.Event) *domain.Event {
	ev := &domain.Event{
		ID:                  id,
		Title:               p.GetTitle(),
		Description:         p.GetDescription(),
		Category:            protoconv.EnumName(p.GetCategory()),
		HostOrganization:    p.GetHostOrganization(),
		ContactPractitioner: p.GetContactPractitioner(),
		OnlineURL:           p.GetOnlineUrl(),
		Languages:           p.GetLanguages(),
		Accessibility:       p.GetAccessibilityFeatures(),
		Tags:                p.GetTags(),
		Language:            p.GetLanguageCode(),
	}
	for _, t := range p.GetTranslations() {
		ev.Translations = append(ev.Translations, domain.Text{Language: t.GetLanguageCode(), Title: t.GetTitle(), Description: t.GetDescription()})
	}
	if v := p.GetVenue(); v != nil {
		ev.Venue = &domain.Venue{Location: v.GetLocation(), DisplayName: v.GetDisplayName()}
		if a := v.GetAddress(); a != nil {
			country := a.GetCountry()
			if country == "" {
				country = "CA"
			}
			ev.Venue.Address = &domain.Address{Address1: a.GetAddress_1(), City: a.GetCity(), Region: a.GetRegion(),
				PostalCode: a.GetPostalCode(), Country: country, Latitude: a.GetLatitude(), Longitude: a.GetLongitude()}
			ev.Venue.Latitude, ev.Venue.Longitude = a.GetLatitude(), a.GetLongitude()
		}
	}
	if c := p.GetCost(); c != nil && !c.GetFree() && c.GetAmountMinor() > 0 {
		cur := c.GetCurrency()
		if cur == "" {
			cur = "CAD"
		}
		ev.Cost = &domain.Cost{AmountMinor: c.GetAmountMinor(), Currency: cur}
	} else {
		ev.Cost = &domain.Cost{Free: true}
	}
	return ev
}

// localizeEvent puts into p's title and description its text in the language closest to want,
// moving the text they held into translations, so p keeps every text it has.
func localizeEvent(p *eventv1.Event, want []string) {
	if len(want) == 0 || len(p.GetTranslations()) == 0 {
		return
	}
	have := []string{p.GetLanguageCode()}
	for _, t := range p.GetTranslations() {
		have = append(have, t.GetLanguageCode())
	}
	i := language.Closest(want, have)
	if i <= 0 {
		return
	}
	t := p.Translations[i-1]
	own := p.GetLanguageCode()
	if own == "" {
		own = "en"
	}
	p.Translations[i-1] = &eventv1.EventText{LanguageCode: own, Title: p.GetTitle(), Description: p.GetDescription()}
	p.LanguageCode, p.Title, p.Description = t.GetLanguageCode(), t.GetTitle(), t.GetDescription()
}

// checkTranslations refuses a text in a language the event has already.
func checkTranslations(p *eventv1.Event) error {
	var langs []string
	for _, t := range p.GetTranslations() {
		langs = append(langs, t.GetLanguageCode())
	}
	if i := language.Repeated(p.GetLanguageCode(), langs); i >= 0 {
		return apierror.Field(fmt.Sprintf("event.translations[%d].language_code", i), "repeats a language the event has already")
	}
	return nil
}

func sessionToProto(ss *domain.Session) *eventv1.Session {
	return &eventv1.Session{
		Name:                  sessionName(ss.Key()),
		StartTime:             protoconv.Timestamp(ss.Start),
		EndTime:               protoconv.Timestamp(ss.End),
		TimeZone:              ss.TimeZone,
		Capacity:              ss.Capacity,
		RegistrationOpenTime:  protoconv.TimestampPtr(ss.RegOpen),
		RegistrationCloseTime: protoconv.TimestampPtr(ss.RegClose),
		State:                 protoconv.ParseEnum[eventv1.SessionState](ss.State),
		CancellationReason:    ss.CancelReason,
		ConfirmedCount:        int32(len(ss.Seated)),
		WaitlistCount:         int32(len(ss.Waitlist)),
		SeatsLeft:             ss.SeatsLeft(),
		CreateTime:            protoconv.Timestamp(ss.CreateTime),
		UpdateTime:            protoconv.Timestamp(ss.UpdateTime),
		Etag:                  domain.Etag(ss.Version),
	}
}

func sessionFromProto(key string, p *eventv1.Session) *domain.Session {
	e, s, _ := strings.Cut(key, "/")
	return &domain.Session{
		EventID:  e,
		ID:       s,
		Start:    p.GetStartTime().AsTime(),
		End:      p.GetEndTime().AsTime(),
		TimeZone: p.GetTimeZone(),
		Capacity: p.GetCapacity(),
		RegOpen:  protoconv.TimePtr(p.GetRegistrationOpenTime()),
		RegClose: protoconv.TimePtr(p.GetRegistrationCloseTime()),
	}
}

// registrationToProto converts r; with full false the person is cut to what a host needs: the
// given name (and the needs, which are separate).
func registrationToProto(st *domain.State, r *domain.Registration, full bool) *eventv1.Registration {
	person := &eventv1.Person{GivenName: r.Person.GivenName}
	if full {
		person = &eventv1.Person{GivenName: r.Person.GivenName, FamilyName: r.Person.FamilyName,
			Email: r.Person.Email, Phone: r.Person.Phone}
	}
	p := &eventv1.Registration{
		Name:             registrationName(r.Key()),
		Person:           person,
		Needs:            r.Needs,
		State:            protoconv.ParseEnum[eventv1.RegistrationState](r.State),
		WaitlistPosition: st.WaitlistPosition(r),
		CreateTime:       protoconv.Timestamp(r.CreateTime),
		UpdateTime:       protoconv.Timestamp(r.UpdateTime),
		CheckInTime:      protoconv.TimestampPtr(r.CheckInTime),
	}
	if full {
		p.Referral = r.Referral
	}
	return p
}

func changeKind(kind string) eventv1.ChangeKind {
	return protoconv.ParseEnum[eventv1.ChangeKind](kind)
}

func registrationState(s string) eventv1.RegistrationState {
	return protoconv.ParseEnum[eventv1.RegistrationState](s)
}
