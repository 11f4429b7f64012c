package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

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
}

type colleague struct {
	Name, Label string
	Me          bool
}

type referralPageData struct {
	ID, Live       string
	Row            referralRow
	Subject        *referralv1.Subject
	Language       string
	Needs          []string
	NeedsText      string
	WhatMatters    string
	Consent        string
	ReferrerOrg    string
	Reason         string
	Suggested      string
	Timeline       []timelineRow
	Goals          []goalRow
	Measures       []measureRow
	Bookings       []bookingRow
	Questionnaires []questionnaire
	Matches        []matchRow
	MatchError     string
	Colleagues     []colleague
	Typed          map[string]string
	Today          string

	IsClinician, IsLinkWorker                 bool
	CanSubmit, CanCancel, CanMarkError        bool
	CanAccept, CanStart, CanWork, CanComplete bool
	CanHold, CanResume                        bool
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
	facts, err := h.places.get(ctx)
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	who, err := h.practitioners(ctx)
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	p := h.newPage(w, r, "referral_page", "referrals")
	l := p.localizer
	p.Errors = errs
	row := h.referralRow(l, ref, facts, who, now)
	// The title names the referral by its id only: nothing personal in titles or history.
	p.Title = l.T("referral.title", row.ID)
	st := ref.GetStatus()
	d := &referralPageData{ID: row.ID, Live: liveSince(now), Row: row, Subject: ref.GetSubject(),
		NeedsText: ref.GetNeedsText(), WhatMatters: ref.GetWhatMatters(), ReferrerOrg: facts.orgs[ref.GetReferringOrganization()],
		Reason: ref.GetStatusReason(), Questionnaires: questionnaires, Typed: map[string]string{},
		Today:        now.In(h.zone).Format(time.DateOnly),
		IsClinician:  person.Has(auth.RoleClinician),
		IsLinkWorker: person.Has(auth.RoleLinkWorker),
	}
	if r.Method == http.MethodPost {
		for k, v := range r.PostForm {
			if k != csrfField && len(v) > 0 {
				d.Typed[k] = v[0]
			}
		}
	}
	if lang := ref.GetSubject().GetPreferredLanguage(); lang != "" {
		d.Language = l.LanguageName(lang)
	}
	for _, n := range ref.GetNeeds() {
		d.Needs = append(d.Needs, l.T("need."+strings.TrimPrefix(n.String(), "NEED_")))
	}
	if c := ref.GetConsent(); c != nil {
		by := c.GetGrantedBy()
		if by == "subject" {
			by = l.T("consent.subject.by")
		}
		var scopes []string
		for _, s := range c.GetScope() {
			scopes = append(scopes, l.T("consent.scope."+s))
		}
		d.Consent = l.T("referral.consent.summary", by, l.Date(c.GetGrantTime().AsTime(), h.zone.String()), strings.Join(scopes, ", "))
		if c.GetWithdrawn() {
			d.Consent = l.T("referral.consent.withdrawn")
		}
	}
	if s := ref.GetSuggestedService(); s != "" {
		d.Suggested = s
		if svc, err := h.directory.GetService(ctx, directoryGetService(s)); err == nil && svc.GetDisplayName() != "" {
			d.Suggested = svc.GetDisplayName()
		}
	}
	for _, e := range tl.GetEntries() {
		d.Timeline = append(d.Timeline, timelineRow{
			Time:  l.Date(e.GetTime().AsTime(), h.zone.String()) + " " + l.Time(e.GetTime().AsTime(), h.zone.String()),
			Actor: who.name(e.GetActor()), What: timelineWhat(l, e), Note: strings.TrimSpace(e.GetReason() + " " + e.GetNote()),
		})
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
	lw := person.Has(auth.RoleLinkWorker)
	open := st == referralv1.ReferralStatus_REFERRAL_STATUS_ACCEPTED || st == referralv1.ReferralStatus_REFERRAL_STATUS_IN_PROGRESS ||
		st == referralv1.ReferralStatus_REFERRAL_STATUS_ON_HOLD
	d.CanSubmit = d.IsClinician && st == referralv1.ReferralStatus_REFERRAL_STATUS_DRAFT
	d.CanCancel = !closed(st)
	d.CanMarkError = d.IsClinician && !closed(st)
	d.CanAccept = lw && st == referralv1.ReferralStatus_REFERRAL_STATUS_REQUESTED
	d.CanStart = lw && st == referralv1.ReferralStatus_REFERRAL_STATUS_ACCEPTED
	d.CanWork = lw && open
	d.CanComplete = lw && st == referralv1.ReferralStatus_REFERRAL_STATUS_IN_PROGRESS
	d.CanHold = d.CanComplete
	d.CanResume = lw && st == referralv1.ReferralStatus_REFERRAL_STATUS_ON_HOLD
	if d.CanAccept {
		for _, c := range who.colleagues(person.Organization) {
			d.Colleagues = append(d.Colleagues, colleague{Name: c.GetName(), Label: who.name(c.GetName()), Me: c.GetName() == person.Subject})
		}
		if !slices.Contains(colleagueNames(d.Colleagues), person.Subject) {
			d.Colleagues = append([]colleague{{Name: person.Subject, Label: person.Name, Me: true}}, d.Colleagues...)
		}
	}
	if d.CanWork {
		d.Matches, err = h.matches(r, l, ref, facts, person)
		if err != nil {
			e, _ := h.explain(l, err, nil)
			d.MatchError = e.Form()
		}
	}
	p.Data = d
	h.render(w, code, p)
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

func (h *Handler) bookingView(r *http.Request, l *localizer, b *referralv1.Booking) bookingRow {
	row := bookingRow{Title: b.GetSession(), State: l.T("booking.state." + b.GetState())}
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

// referralAction makes one change to a referral from a form of its page; a refused change comes
// back beside its field, and a done one goes back to the page (so a reload does not post again).
func (h *Handler) referralAction(w http.ResponseWriter, r *http.Request) {
	person, ok := h.requirePractitioner(w, r)
	if !ok {
		return
	}
	name := "referrals/" + r.PathValue("referral")
	l := h.i18n.localizer(h.i18n.choose(r))
	ctx := h.callContext(r)
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	errs := formErrors{}
	need := func(field string) string {
		s := v(field)
		if s == "" || len(s) > 1000 {
			errs[field] = h.fieldMessage(l, field)
		}
		return s
	}
	etag := v("etag")
	anchor := ""
	var call func() error
	switch r.PathValue("action") {
	case "submit":
		call = func() error {
			_, err := h.referrals.SubmitReferral(ctx, &referralv1.SubmitReferralRequest{Name: name, Etag: etag})
			return err
		}
	case "cancel":
		reason := need("cancel_reason")
		call = func() error {
			_, err := h.referrals.CancelReferral(ctx, &referralv1.CancelReferralRequest{Name: name, Reason: reason})
			return err
		}
	case "error":
		reason := need("error_reason")
		call = func() error {
			_, err := h.referrals.MarkReferralEnteredInError(ctx, &referralv1.MarkReferralEnteredInErrorRequest{Name: name, Reason: reason})
			return err
		}
	case "accept":
		assignee := v("assignee")
		if assignee == "" {
			assignee = person.Subject
		}
		if _, err := h.referrals.AcceptReferral(ctx, &referralv1.AcceptReferralRequest{Name: name, Assignee: assignee, Etag: etag}); err != nil {
			h.refusedAccept(w, r, l, name, person, err)
			return
		}
		http.Redirect(w, r, "/"+name, http.StatusSeeOther)
		return
	case "reject":
		reason := need("reject_reason")
		call = func() error {
			_, err := h.referrals.RejectReferral(ctx, &referralv1.RejectReferralRequest{Name: name, Reason: reason, Etag: etag})
			return err
		}
	case "start":
		call = func() error {
			_, err := h.referrals.StartReferral(ctx, &referralv1.StartReferralRequest{Name: name})
			return err
		}
	case "note":
		note := need("note")
		kind := referralv1.TimelineKind_TIMELINE_KIND_NOTE
		if v("note_kind") == "contact" {
			kind = referralv1.TimelineKind_TIMELINE_KIND_CONTACT_ATTEMPT
		}
		anchor = "#timeline"
		call = func() error {
			_, err := h.referrals.AddTimelineNote(ctx, &referralv1.AddTimelineNoteRequest{Name: name, Kind: kind, Note: note, Reached: v("reached") == "yes"})
			return err
		}
	case "followup":
		day, err := time.ParseInLocation(time.DateOnly, v("follow_up"), h.zone)
		if err != nil || day.Before(h.now().In(h.zone).Truncate(24*time.Hour).Add(-24*time.Hour)) {
			errs["follow_up"] = h.fieldMessage(l, "follow_up")
		}
		note := v("follow_up_note")
		if note == "" {
			note = l.T("followup.note", v("follow_up"))
		}
		anchor = "#follow-up"
		call = func() error {
			_, err := h.referrals.AddTimelineNote(ctx, &referralv1.AddTimelineNoteRequest{Name: name, Kind: referralv1.TimelineKind_TIMELINE_KIND_NOTE,
				Note: note, FollowUpTime: timestamppb.New(day.Add(9 * time.Hour))})
			return err
		}
	case "goal":
		desc := need("goal")
		anchor = "#goals"
		call = func() error {
			_, err := h.referrals.AddGoal(ctx, &referralv1.AddGoalRequest{Name: name, Description: desc})
			return err
		}
	case "progress":
		id := v("goal_id")
		field := "percent_" + id
		pct, err := strconv.Atoi(v(field))
		if err != nil || pct < 0 || pct > 100 {
			errs[field] = h.fieldMessage(l, "percent")
		}
		anchor = "#goals"
		call = func() error {
			_, err := h.referrals.UpdateGoalProgress(ctx, &referralv1.UpdateGoalProgressRequest{Name: name, GoalId: id,
				Percent: int32(pct), Note: v("progress_note_" + id)})
			return err
		}
	case "measure":
		q, ok := questionnaireOf(v("instrument"))
		if !ok {
			h.fail(w, r, http.StatusNotFound, "error.notfound")
			return
		}
		items, bad := q.answers(v)
		for f := range bad {
			errs[f] = h.fieldMessage(l, "measure_item")
		}
		tp := referralv1.Timepoint_TIMEPOINT_BASELINE
		if v(q.Key+"_timepoint") == "FOLLOW_UP" {
			tp = referralv1.Timepoint_TIMEPOINT_FOLLOW_UP
		}
		anchor = "#measures"
		call = func() error {
			_, err := h.referrals.RecordMeasure(ctx, &referralv1.RecordMeasureRequest{Name: name, Instrument: q.Instrument, Timepoint: tp, Items: items})
			return err
		}
	case "book":
		session := v("session")
		anchor = "#bookings"
		call = func() error {
			_, err := h.referrals.BookEvent(ctx, &referralv1.BookEventRequest{Name: name, Session: session})
			return err
		}
	case "hold":
		reason := need("hold_reason")
		call = func() error {
			_, err := h.referrals.HoldReferral(ctx, &referralv1.HoldReferralRequest{Name: name, Reason: reason, Etag: etag})
			return err
		}
	case "resume":
		call = func() error {
			_, err := h.referrals.ResumeReferral(ctx, &referralv1.ResumeReferralRequest{Name: name, Etag: etag})
			return err
		}
	case "complete":
		note := v("complete_note")
		call = func() error {
			_, err := h.referrals.CompleteReferral(ctx, &referralv1.CompleteReferralRequest{Name: name, Note: note})
			return err
		}
	case "fail":
		reason := need("fail_reason")
		call = func() error {
			_, err := h.referrals.FailReferral(ctx, &referralv1.FailReferralRequest{Name: name, Reason: reason})
			return err
		}
	default:
		h.notFound(w, r)
		return
	}
	if errs.Any() {
		h.showReferral(w, r, name, errs, http.StatusUnprocessableEntity)
		return
	}
	if err := call(); err != nil {
		errs, code := h.explain(l, err, actionFields)
		if code == http.StatusNotFound {
			h.failCall(w, r, err)
			return
		}
		h.showReferral(w, r, name, errs, code)
		return
	}
	http.Redirect(w, r, "/"+name+anchor, http.StatusSeeOther)
}

// actionFields maps the referral service's field paths of the page's forms to their fields.
var actionFields = fieldMap{"note": "note", "description": "goal", "follow_up_time": "follow_up"}

// refusedAccept explains a refused acceptance: when another link worker took the referral first
// (two tabs, two people), the page says who, rather than showing an error code.
func (h *Handler) refusedAccept(w http.ResponseWriter, r *http.Request, l *localizer, name string, person Person, err error) {
	code := status.Code(err)
	// Once another link worker holds it, the service refuses this one's change (precondition,
	// etag, or no longer theirs to respond to); reading it says who holds it.
	if code == codes.FailedPrecondition || code == codes.Aborted || code == codes.PermissionDenied {
		ref, gerr := h.referrals.GetReferral(h.callContext(r), &referralv1.GetReferralRequest{Name: name})
		if gerr == nil && ref.GetAssignee() != "" {
			who, _ := h.practitioners(h.callContext(r))
			msg := l.T("referral.taken", who.name(ref.GetAssignee()))
			if ref.GetAssignee() == person.Subject {
				msg = l.T("referral.taken.you")
			}
			h.showReferral(w, r, name, formErrors{"": msg}, http.StatusConflict)
			return
		}
	}
	errs, c := h.explain(l, err, nil)
	h.showReferral(w, r, name, errs, c)
}
