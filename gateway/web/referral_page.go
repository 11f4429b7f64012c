package web

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
)

type timelineRow struct {
	Time, Actor, What, Note string
}

type goalRow struct {
	ID, Description string
	Percent         int32
	Notes           []string
}

type measureRow struct {
	Instrument, Timepoint string
	Items                 string
	Total                 string
	Change                string
}

type bookingRow struct {
	Title, When, State string
	Booking            string // the registration's reference, as the host's check-in list shows it
}

type colleague struct {
	Name, Label string
	Me          bool
}

type referralPageData struct {
	ID, Live    string
	Row         referralRow
	Subject     *referralv1.Subject
	Language    string
	Needs       []string
	NeedsText   string
	WhatMatters string
	Consent     string
	ReferrerOrg string
	Reason      string
	Suggested   string
	// Timeline is the latest entries; TimelineEarlier the rest, which the page folds away.
	Timeline, TimelineEarlier []timelineRow
	Goals                     []goalRow
	Measures                  []measureRow
	Bookings                  []bookingRow
	Questionnaires            []questionnaire
	// Matches is the first sessions that fit (those with seats, soonest first); MoreMatches the
	// rest, which the page folds away.
	Matches, MoreMatches []matchRow
	MatchError           string
	Colleagues           []colleague
	Typed                map[string]string
	Today                string
	// Etag is the referral's, sent back by the forms whose change the service checks it for.
	Etag string
	// The consent form: the scopes offered, those ticked, and its earliest date (the date of
	// birth, when the page shows one).
	Scopes, ScopesTicked []string
	ConsentMin           string
	HasConsent           bool

	IsLinkWorker bool
	// Next is what the link worker does next (a message key) and Step where on the page.
	Next, Step string
	// Can is what the signed-in person may do to the referral now, by action (Can.HOLD): the
	// service's allowed_actions, and the page offers nothing else.
	Can map[string]bool
}

func (h *Handler) referralPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.requirePractitioner(w, r); !ok {
		return
	}
	h.showReferral(w, r, "referrals/"+r.PathValue("referral"), nil, http.StatusOK)
}

// showReferral renders the referral page, with errs from a refused form and what was typed in it.
func (h *Handler) showReferral(w http.ResponseWriter, r *http.Request, name string, errs formErrors, code int) {
	person := h.person(r)
	now := h.now()
	ctx := h.callContext(r)
	ref, err := h.referrals.GetReferral(ctx, &referralv1.GetReferralRequest{Name: name})
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	tl, err := h.referrals.ListTimeline(ctx, &referralv1.ListTimelineRequest{Name: name, PageSize: 500})
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	facts, who, ok := h.namesAndPeople(ctx, w, r)
	if !ok {
		return
	}
	p := h.newPage(w, r, "referral_page", "referrals")
	l := p.localizer
	p.Errors = errs
	row := h.referralRow(l, ref, facts, who, now)
	// The page's heading names the person; its title, kept in browser history and tabs, only
	// the short reference.
	p.Title = l.T("referral.title", row.Ref)
	d := &referralPageData{ID: row.ID, Live: liveSince(now), Row: row, Subject: ref.GetSubject(),
		NeedsText: ref.GetNeedsText(), WhatMatters: ref.GetWhatMatters(), ReferrerOrg: facts.orgs[ref.GetReferringOrganization()],
		Reason: ref.GetStatusReason(), Questionnaires: questionnaires, Typed: map[string]string{},
		Today: now.In(h.zone).Format(time.DateOnly), Etag: ref.GetEtag(), Scopes: consentScopes,
		IsLinkWorker: person.Has(auth.RoleLinkWorker), Can: map[string]bool{},
	}
	for _, a := range ref.GetAllowedActions() {
		d.Can[strings.TrimPrefix(a.String(), "REFERRAL_ACTION_")] = true
	}
	if r.Method == http.MethodPost {
		for k, v := range r.PostForm {
			if k != csrfField && len(v) > 0 {
				d.Typed[k] = v[0]
			}
		}
		d.ScopesTicked = r.PostForm["consent_scope"]
	}
	if _, err := time.Parse(time.DateOnly, ref.GetSubject().GetDateOfBirth()); err == nil {
		d.ConsentMin = ref.GetSubject().GetDateOfBirth()
	}
	if lang := ref.GetSubject().GetPreferredLanguage(); lang != "" {
		d.Language = l.LanguageName(lang)
	}
	for _, n := range ref.GetNeeds() {
		d.Needs = append(d.Needs, l.T("need."+strings.TrimPrefix(n.String(), "NEED_")))
	}
	if c := ref.GetConsent(); c != nil {
		by, scopes := h.consentWords(l, c.GetGrantedBy(), c.GetScope())
		d.Consent = l.T("referral.consent.summary", by, l.Date(c.GetGrantTime().AsTime(), h.zone.String()), scopes)
		if c.GetWithdrawn() {
			d.Consent = l.T("referral.consent.withdrawn")
		}
		d.HasConsent = !c.GetWithdrawn()
	}
	if s := ref.GetSuggestedService(); s != "" {
		d.Suggested = s
		if svc, err := h.directory.GetService(ctx, directoryGetService(s)); err == nil && svc.GetDisplayName() != "" {
			d.Suggested = svc.GetDisplayName()
			if org := facts.orgs[svc.GetOrganization()]; org != "" {
				d.Suggested = l10nJoin(l, d.Suggested, org)
			}
		}
	}
	places := sessionLabels{}
	goals := map[string]string{}
	for _, g := range ref.GetGoals() {
		goals[g.GetId()] = g.GetDescription()
	}
	for _, e := range tl.GetEntries() {
		d.Timeline = append(d.Timeline, h.timelineView(ctx, l, places, who, goals, e))
	}
	for _, g := range ref.GetGoals() {
		gr := goalRow{ID: g.GetId(), Description: g.GetDescription(), Percent: g.GetPercent()}
		for _, pr := range g.GetProgress() {
			if pr.GetNote() != "" {
				gr.Notes = append(gr.Notes, l.T("goal.progress.note", pr.GetPercent(), pr.GetNote()))
			}
		}
		d.Goals = append(d.Goals, gr)
	}
	for _, m := range ref.GetMeasures() {
		d.Measures = append(d.Measures, measureView(l, m))
	}
	for _, b := range ref.GetBookings() {
		d.Bookings = append(d.Bookings, h.bookingView(r, l, b))
	}
	d.Next, d.Step = nextStep(ref, d.Can)
	if d.Can["ACCEPT"] {
		for _, c := range who.colleagues(person.Organization) {
			d.Colleagues = append(d.Colleagues, colleague{Name: c.GetName(), Label: who.name(c.GetName()), Me: c.GetName() == person.Subject})
		}
		if !slices.Contains(colleagueNames(d.Colleagues), person.Subject) {
			d.Colleagues = append([]colleague{{Name: person.Subject, Label: person.Name, Me: true}}, d.Colleagues...)
		}
	}
	if d.Can["BOOK_EVENT"] {
		d.Matches, err = h.matches(r, l, ref, facts, person)
		if err != nil {
			e, _ := h.explain(l, err, nil)
			d.MatchError = e.Form()
		}
	}
	d.Matches, d.MoreMatches = foldAfter(d.Matches, shownMatches)
	d.TimelineEarlier, d.Timeline = foldBefore(d.Timeline, shownTimeline)
	p.Data = d
	h.render(w, code, p)
}

// How many matching sessions and timeline entries a referral page shows before "Show more": on
// a phone, each session is most of a screen and a referral in progress gathers dozens of
// entries; the folded ones are a click away, and the page stays short enough to find the next
// step.
const (
	shownMatches  = 3
	shownTimeline = 5
)

// foldAfter splits rows into the first n and the rest.
func foldAfter[T any](rows []T, n int) (shown, folded []T) {
	if len(rows) <= n {
		return rows, nil
	}
	return rows[:n], rows[n:]
}

// foldBefore splits rows into all but the last n, and the last n.
func foldBefore[T any](rows []T, n int) (folded, shown []T) {
	if len(rows) <= n {
		return nil, rows
	}
	return rows[:len(rows)-n], rows[len(rows)-n:]
}

func colleagueNames(cs []colleague) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

func timelineWhat(l *localizer, e *referralv1.TimelineEntry) string {
	kind := strings.TrimPrefix(e.GetKind().String(), "TIMELINE_KIND_")
	switch e.GetKind() {
	case referralv1.TimelineKind_TIMELINE_KIND_STATUS_CHANGE:
		return l.T("timeline.status", l.T("referral.status."+shortStatus(e.GetToStatus())))
	case referralv1.TimelineKind_TIMELINE_KIND_EVENT_UPDATE:
		if b := shortBusiness(e.GetBusinessStatus()); b != "" {
			return l.T("timeline.event", l.T("referral.business."+b))
		}
	}
	return l.T("timeline.kind." + kind)
}

func measureView(l *localizer, m *referralv1.Measure) measureRow {
	key := strings.TrimPrefix(m.GetInstrument().String(), "INSTRUMENT_")
	row := measureRow{Instrument: l.T("measure." + key + ".name"),
		Timepoint: l.T("timepoint." + strings.TrimPrefix(m.GetTimepoint().String(), "TIMEPOINT_"))}
	var items, change []string
	for _, v := range m.GetItems() {
		items = append(items, strconv.Itoa(int(v)))
	}
	for _, v := range m.GetChangeFromBaseline() {
		change = append(change, fmt.Sprintf("%+d", v))
	}
	row.Items = strings.Join(items, ", ")
	if m.GetInstrument() != referralv1.Instrument_INSTRUMENT_ONS4 {
		row.Total = strconv.Itoa(int(m.GetTotal()))
	}
	row.Change = strings.Join(change, ", ")
	return row
}

// sessionNamePattern finds the resource names of sessions in the notes the referral service
// writes on bookings ("booked at events/x/sessions/y").
var sessionNamePattern = regexp.MustCompile(`events/[A-Za-z0-9][A-Za-z0-9._-]*/sessions/[A-Za-z0-9][A-Za-z0-9._-]*`)

// The notes the referral service writes on a booking's changes, to say in the page's language.
var (
	bookedNote     = regexp.MustCompile(`^booked at (\S+)$`)
	waitlistedNote = regexp.MustCompile(`^waitlisted at (\S+), position (\d+)$`)
	bookingIsNote  = regexp.MustCompile(`^booking at (\S+) is ([A-Z_]+)$`)
)

// sessionLabels are the sessions a page names, by resource name, read once per page.
type sessionLabels map[string]string

// sessionLabel names a session as people do: the event's title and when it starts.
func (h *Handler) sessionLabel(ctx context.Context, l *localizer, seen sessionLabels, name string) string {
	if s, ok := seen[name]; ok {
		return s
	}
	label := name
	if ss, err := h.events.GetSession(ctx, getSession(name)); err == nil {
		when := l.Date(ss.GetStartTime().AsTime(), ss.GetTimeZone()) + ", " + l.Time(ss.GetStartTime().AsTime(), ss.GetTimeZone())
		label = when
		if ev, err := h.events.GetEvent(ctx, getEvent(name[:strings.Index(name, "/sessions/")])); err == nil {
			label = l.T("timeline.session", ev.GetTitle(), when)
		}
	}
	seen[name] = label
	return label
}

// timelineNote is a timeline note with the sessions it names written as their event and time,
// and the booking notes the referral service writes in the page's language.
func (h *Handler) timelineNote(ctx context.Context, l *localizer, seen sessionLabels, note string) string {
	label := func(name string) string { return h.sessionLabel(ctx, l, seen, name) }
	if m := bookedNote.FindStringSubmatch(note); m != nil && sessionNamePattern.MatchString(m[1]) {
		return l.T("timeline.booked", label(m[1]))
	}
	if m := waitlistedNote.FindStringSubmatch(note); m != nil && sessionNamePattern.MatchString(m[1]) {
		n, _ := strconv.Atoi(m[2])
		return l.T("timeline.waitlisted", label(m[1]), n)
	}
	if m := bookingIsNote.FindStringSubmatch(note); m != nil && sessionNamePattern.MatchString(m[1]) {
		if key := "booking.state." + m[2]; h.i18n.keys[key] {
			return l.T("timeline.booking.is", label(m[1]), l.T(key))
		}
	}
	return sessionNamePattern.ReplaceAllStringFunc(note, label)
}

func (h *Handler) bookingView(r *http.Request, l *localizer, b *referralv1.Booking) bookingRow {
	row := bookingRow{Title: b.GetSession(), State: l.T("booking.state." + b.GetState())}
	if reg := b.GetRegistration(); reg != "" {
		row.Booking = bookingRef(reg)
	}
	ctx := h.callContext(r)
	if ss, err := h.events.GetSession(ctx, getSession(b.GetSession())); err == nil {
		row.When = l.Date(ss.GetStartTime().AsTime(), ss.GetTimeZone()) + ", " + l.Time(ss.GetStartTime().AsTime(), ss.GetTimeZone())
		evName := b.GetSession()[:strings.Index(b.GetSession(), "/sessions/")]
		if ev, err := h.events.GetEvent(ctx, getEvent(evName)); err == nil {
			row.Title = ev.GetTitle()
		}
	}
	return row
}

// nextStep is the next thing to do on a referral, for one who may do what can says: a message
// key and the part of the page where it is done, or "" when nothing is due.
func nextStep(ref *referralv1.Referral, can map[string]bool) (key, anchor string) {
	switch {
	case can["RECORD_CONSENT"] && (ref.GetConsent() == nil || ref.GetConsent().GetWithdrawn()):
		return "next.consent", "#consent"
	case can["ACCEPT"]:
		return "next.accept", "#respond"
	case can["RESUME"]:
		return "next.resume", "#resume"
	case can["START"]:
		return "next.start", "#start"
	case can["RECORD_MEASURE"] && !hasMeasure(ref, referralv1.Timepoint_TIMEPOINT_BASELINE):
		return "next.baseline", "#measures"
	case can["BOOK_EVENT"] && len(ref.GetBookings()) == 0:
		return "next.book", "#matches"
	case can["COMPLETE"] && !hasMeasure(ref, referralv1.Timepoint_TIMEPOINT_FOLLOW_UP):
		return "next.followup", "#measures"
	case can["COMPLETE"]:
		return "next.complete", "#close"
	}
	return "", ""
}

func hasMeasure(ref *referralv1.Referral, tp referralv1.Timepoint) bool {
	for _, m := range ref.GetMeasures() {
		if m.GetTimepoint() == tp {
			return true
		}
	}
	return false
}

// missingOutcomes says, as a message key, what a referral lacks to be completed with its
// outcomes known: an attended event, a follow-up measure, or both; "" when it has both.
func missingOutcomes(ref *referralv1.Referral) string {
	attended := ref.GetBusinessStatus() == referralv1.BusinessStatus_BUSINESS_STATUS_EVENT_ATTENDED
	for _, b := range ref.GetBookings() {
		attended = attended || b.GetState() == "ATTENDED"
	}
	followUp := hasMeasure(ref, referralv1.Timepoint_TIMEPOINT_FOLLOW_UP)
	switch {
	case !attended && !followUp:
		return "close.missing.both"
	case !attended:
		return "close.missing.attendance"
	case !followUp:
		return "close.missing.followup"
	}
	return ""
}
