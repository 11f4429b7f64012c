package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
)

// The forms of the referral page. Each posts to /referrals/{referral}/{action}; its handler
// reads the form and returns the change to make. A refused field comes back beside it, a
// refused change beside its form, and a done one goes back to the page (so that a reload does
// not post again).

// actionForm is one posted form of the referral page.
type actionForm struct {
	name   string // the referral
	etag   string
	person Person
	l      *localizer
	r      *http.Request
	errs   formErrors
	// anchor is the part of the page to go back to.
	anchor string
}

func (f *actionForm) value(k string) string { return strings.TrimSpace(f.r.PostFormValue(k)) }

// need is the value of a field that must be filled in.
func (f *actionForm) need(h *Handler, field string) string {
	s := f.value(field)
	if s == "" || len(s) > 1000 {
		f.errs[field] = h.fieldMessage(f.l, field)
	}
	return s
}

// change is a call to the referral service made once the form's fields are valid.
type change func(ctx context.Context) error

// actionHandler reads the form f and returns its change; nil when the form names nothing
// the page has (then the answer is 404).
type actionHandler func(h *Handler, f *actionForm) change

// referralActions are the referral page's forms, by the last element of their address.
var referralActions = map[string]actionHandler{
	"consent":          consentAction,
	"withdraw-consent": withdrawConsentAction,
	"submit":           submitAction,
	"cancel":           cancelAction,
	"error":            enteredInErrorAction,
	"accept":           acceptAction,
	"reject":           rejectAction,
	"start":            startAction,
	"hold":             holdAction,
	"resume":           resumeAction,
	"complete":         completeAction,
	"fail":             failAction,
	"note":             noteAction,
	"followup":         followUpAction,
	"goal":             goalAction,
	"progress":         progressAction,
	"measure":          measureAction,
	"book":             bookAction,
}

// referralAction makes one change to a referral from a form of its page.
func (h *Handler) referralAction(w http.ResponseWriter, r *http.Request) {
	person, ok := h.requirePractitioner(w, r)
	if !ok {
		return
	}
	handle, ok := referralActions[r.PathValue("action")]
	if !ok {
		h.notFound(w, r)
		return
	}
	f := &actionForm{name: "referrals/" + r.PathValue("referral"), person: person, r: r, errs: formErrors{},
		l: h.i18n.localizer(h.i18n.choose(r))}
	f.etag = f.value("etag")
	call := handle(h, f)
	if call == nil {
		h.notFound(w, r)
		return
	}
	if f.errs.Any() {
		h.showReferral(w, r, f.name, f.errs, http.StatusUnprocessableEntity)
		return
	}
	if err := call(h.callContext(r)); err != nil {
		h.refusedChange(w, r, f, err)
		return
	}
	h.confirm(w, r, "flash.referral."+r.PathValue("action"), "")
	http.Redirect(w, r, "/"+f.name+f.anchor, http.StatusSeeOther)
}

// refusedChange shows the page again with why the service refused the change. When another
// link worker took the referral first (two tabs, two people), the page says who rather than
// showing an error code: once another holds it, the service refuses this one's change
// (precondition, etag, or no longer theirs to respond to), and reading it says who holds it.
func (h *Handler) refusedChange(w http.ResponseWriter, r *http.Request, f *actionForm, err error) {
	if r.PathValue("action") == "accept" {
		switch status.Code(err) {
		case codes.FailedPrecondition, codes.Aborted, codes.PermissionDenied:
			ref, gerr := h.referrals.GetReferral(h.callContext(r), &referralv1.GetReferralRequest{Name: f.name})
			if gerr == nil && ref.GetAssignee() != "" {
				who, _ := h.practitioners(h.callContext(r))
				msg := f.l.T("referral.taken", who.name(ref.GetAssignee()))
				if ref.GetAssignee() == f.person.Subject {
					msg = f.l.T("referral.taken.you")
				}
				h.showReferral(w, r, f.name, formErrors{"": msg}, http.StatusConflict)
				return
			}
		}
	}
	errs, code := h.explain(f.l, err, actionFields)
	if code == http.StatusNotFound {
		h.failCall(w, r, err)
		return
	}
	h.showReferral(w, r, f.name, errs, code)
}

// actionFields maps the referral service's field paths of the page's forms to their fields.
var actionFields = fieldMap{"note": "note", "reason": "withdraw_reason", "description": "goal", "follow_up_time": "follow_up",
	"consent.granted_by": "consent_other", "consent.grant_time": "consent_date", "consent.scope": "consent_scope"}

// consentAction records who gave consent, on which day and to what. The day is checked
// against today here; against the date of birth by the referral service, which knows it.
func consentAction(h *Handler, f *actionForm) change {
	by := "subject"
	if f.value("consent_by") == "other" {
		by = f.need(h, "consent_other")
	}
	when, err := time.ParseInLocation(time.DateOnly, f.value("consent_date"), h.zone)
	if err != nil || when.After(h.now()) {
		f.errs["consent_date"] = h.fieldMessage(f.l, "consent_date")
	}
	var scope []string
	for _, s := range f.r.PostForm["consent_scope"] {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(scope, s) {
			scope = append(scope, s)
		}
	}
	if len(scope) == 0 {
		f.errs["consent_scope"] = h.fieldMessage(f.l, "consent_scope")
	}
	return func(ctx context.Context) error {
		_, err := h.referrals.RecordConsent(ctx, &referralv1.RecordConsentRequest{Name: f.name, Etag: f.etag,
			Consent: &referralv1.Consent{GrantedBy: by, GrantTime: timestamppb.New(when), Scope: scope}})
		return err
	}
}

func submitAction(h *Handler, f *actionForm) change {
	return func(ctx context.Context) error {
		_, err := h.referrals.SubmitReferral(ctx, &referralv1.SubmitReferralRequest{Name: f.name, Etag: f.etag})
		return err
	}
}

func cancelAction(h *Handler, f *actionForm) change {
	reason := f.need(h, "cancel_reason")
	return func(ctx context.Context) error {
		_, err := h.referrals.CancelReferral(ctx, &referralv1.CancelReferralRequest{Name: f.name, Reason: reason})
		return err
	}
}

// withdrawConsentAction records that the person no longer agrees; the reason may be left empty.
func withdrawConsentAction(h *Handler, f *actionForm) change {
	reason := f.value("withdraw_reason")
	if len(reason) > 1000 {
		f.errs["withdraw_reason"] = h.fieldMessage(f.l, "withdraw_reason")
	}
	f.anchor = "#consent-h"
	return func(ctx context.Context) error {
		_, err := h.referrals.WithdrawConsent(ctx, &referralv1.WithdrawConsentRequest{Name: f.name, Reason: reason, Etag: f.etag})
		return err
	}
}

func enteredInErrorAction(h *Handler, f *actionForm) change {
	reason := f.need(h, "error_reason")
	return func(ctx context.Context) error {
		_, err := h.referrals.MarkReferralEnteredInError(ctx, &referralv1.MarkReferralEnteredInErrorRequest{Name: f.name, Reason: reason})
		return err
	}
}

// acceptAction assigns the referral to the link worker chosen, the one signed in by default.
func acceptAction(h *Handler, f *actionForm) change {
	assignee := f.value("assignee")
	if assignee == "" {
		assignee = f.person.Subject
	}
	return func(ctx context.Context) error {
		_, err := h.referrals.AcceptReferral(ctx, &referralv1.AcceptReferralRequest{Name: f.name, Assignee: assignee, Etag: f.etag})
		return err
	}
}

func rejectAction(h *Handler, f *actionForm) change {
	reason := f.need(h, "reject_reason")
	return func(ctx context.Context) error {
		_, err := h.referrals.RejectReferral(ctx, &referralv1.RejectReferralRequest{Name: f.name, Reason: reason, Etag: f.etag})
		return err
	}
}

func startAction(h *Handler, f *actionForm) change {
	return func(ctx context.Context) error {
		_, err := h.referrals.StartReferral(ctx, &referralv1.StartReferralRequest{Name: f.name})
		return err
	}
}

func holdAction(h *Handler, f *actionForm) change {
	reason := f.need(h, "hold_reason")
	return func(ctx context.Context) error {
		_, err := h.referrals.HoldReferral(ctx, &referralv1.HoldReferralRequest{Name: f.name, Reason: reason, Etag: f.etag})
		return err
	}
}

func resumeAction(h *Handler, f *actionForm) change {
	return func(ctx context.Context) error {
		_, err := h.referrals.ResumeReferral(ctx, &referralv1.ResumeReferralRequest{Name: f.name, Etag: f.etag})
		return err
	}
}

// completeAction completes the referral; without an attendance or a follow-up measure on
// record, it first asks to confirm and says which is missing.
func completeAction(h *Handler, f *actionForm) change {
	note := f.value("complete_note")
	if f.value("complete_confirm") != "yes" {
		if ref, err := h.referrals.GetReferral(h.callContext(f.r), &referralv1.GetReferralRequest{Name: f.name}); err == nil {
			if key := missingOutcomes(ref); key != "" {
				f.errs["complete_confirm"] = f.l.T(key)
			}
		}
	}
	return func(ctx context.Context) error {
		_, err := h.referrals.CompleteReferral(ctx, &referralv1.CompleteReferralRequest{Name: f.name, Note: note})
		return err
	}
}

func failAction(h *Handler, f *actionForm) change {
	reason := f.need(h, "fail_reason")
	return func(ctx context.Context) error {
		_, err := h.referrals.FailReferral(ctx, &referralv1.FailReferralRequest{Name: f.name, Reason: reason})
		return err
	}
}

// noteAction adds a note, or a contact attempt and whether the person was reached.
func noteAction(h *Handler, f *actionForm) change {
	note := f.need(h, "note")
	kind := referralv1.TimelineKind_TIMELINE_KIND_NOTE
	if f.value("note_kind") == "contact" {
		kind = referralv1.TimelineKind_TIMELINE_KIND_CONTACT_ATTEMPT
	}
	f.anchor = "#timeline"
	return func(ctx context.Context) error {
		_, err := h.referrals.AddTimelineNote(ctx, &referralv1.AddTimelineNoteRequest{Name: f.name, Kind: kind, Note: note,
			Reached: f.value("reached") == "yes"})
		return err
	}
}

// followUpAction sets the follow-up date (from yesterday on, in the site's time zone) with a note.
func followUpAction(h *Handler, f *actionForm) change {
	day, err := time.ParseInLocation(time.DateOnly, f.value("follow_up"), h.zone)
	if err != nil || day.Before(h.now().In(h.zone).Truncate(24*time.Hour).Add(-24*time.Hour)) {
		f.errs["follow_up"] = h.fieldMessage(f.l, "follow_up")
	}
	note := f.value("follow_up_note")
	if note == "" {
		note = f.l.T("followup.note", f.value("follow_up"))
	}
	f.anchor = "#follow-up"
	return func(ctx context.Context) error {
		_, err := h.referrals.AddTimelineNote(ctx, &referralv1.AddTimelineNoteRequest{Name: f.name, Kind: referralv1.TimelineKind_TIMELINE_KIND_NOTE,
			Note: note, FollowUpTime: timestamppb.New(day.Add(9 * time.Hour))})
		return err
	}
}

func goalAction(h *Handler, f *actionForm) change {
	desc := f.need(h, "goal")
	f.anchor = "#goals"
	return func(ctx context.Context) error {
		_, err := h.referrals.AddGoal(ctx, &referralv1.AddGoalRequest{Name: f.name, Description: desc})
		return err
	}
}

func progressAction(h *Handler, f *actionForm) change {
	id := f.value("goal_id")
	field := "percent_" + id
	pct, err := strconv.Atoi(f.value(field))
	if err != nil || pct < 0 || pct > 100 {
		f.errs[field] = h.fieldMessage(f.l, "percent")
	}
	f.anchor = "#goals"
	return func(ctx context.Context) error {
		_, err := h.referrals.UpdateGoalProgress(ctx, &referralv1.UpdateGoalProgressRequest{Name: f.name, GoalId: id,
			Percent: int32(pct), Note: f.value("progress_note_" + id)})
		return err
	}
}

// measureAction records a questionnaire; an unanswered question comes back beside it.
func measureAction(h *Handler, f *actionForm) change {
	q, ok := questionnaireOf(f.value("instrument"))
	if !ok {
		return nil
	}
	items, bad := q.answers(f.value)
	for field := range bad {
		f.errs[field] = h.fieldMessage(f.l, "measure_item")
	}
	tp := referralv1.Timepoint_TIMEPOINT_BASELINE
	if f.value(q.Key+"_timepoint") == "FOLLOW_UP" {
		tp = referralv1.Timepoint_TIMEPOINT_FOLLOW_UP
	}
	f.anchor = "#measures"
	return func(ctx context.Context) error {
		_, err := h.referrals.RecordMeasure(ctx, &referralv1.RecordMeasureRequest{Name: f.name, Instrument: q.Instrument, Timepoint: tp, Items: items})
		return err
	}
}

func bookAction(h *Handler, f *actionForm) change {
	session := f.value("session")
	f.anchor = "#bookings"
	return func(ctx context.Context) error {
		_, err := h.referrals.BookEvent(ctx, &referralv1.BookEventRequest{Name: f.name, Session: session})
		return err
	}
}
