package web

import (
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
)

// consentScopes are what a person may agree to share, as the referral service stores them.
var consentScopes = []string{"share-with-link-worker", "share-with-event-hosts"}

// needNames are the Need enum's short names, in the form's order.
var needNames = []string{"LONELINESS", "SOCIAL_ISOLATION", "LOW_MOOD", "FOOD_INSECURITY", "TRANSPORT", "HOUSING", "INCOME", "OTHER"}

var priorityNames = []string{"ROUTINE", "URGENT", "ASAP"}

// referralForm is the "new social prescription" form as typed.
type referralForm struct {
	Given, Family, DOB string
	Email, Phone, Lang string
	Access             []string
	AccessOther        string
	ConsentBy          string // "subject" or "other"
	ConsentOther       string // the substitute decision-maker
	ConsentDate        string
	Scope              []string
	Needs              []string
	NeedsText          string
	WhatMatters        string
	Priority           string
	Receiving, Service string
	RequestID          string
}

// referralFields maps the referral service's field paths to the form's fields.
var referralFields = fieldMap{
	"referral.subject.given_name":          "p_given",
	"referral.subject.family_name":         "p_family",
	"referral.subject.date_of_birth":       "p_dob",
	"referral.subject.email":               "p_email",
	"referral.subject.phone":               "p_phone",
	"referral.subject.preferred_language":  "p_lang",
	"referral.subject.accessibility_needs": "p_access_other",
	"referral.consent.granted_by":          "consent_other",
	"referral.consent.grant_time":          "consent_date",
	"referral.consent.scope":               "consent_scope",
	"referral.needs":                       "needs",
	"referral.needs_text":                  "needs_text",
	"referral.what_matters":                "what_matters",
	"referral.priority":                    "priority",
	"referral.receiving_organization":      "receiving",
	"referral.suggested_service":           "service",
	"person.given_name":                    "p_given",
	"person.family_name":                   "p_family",
	"person.date_of_birth":                 "p_dob",
}

func parseReferralForm(r *http.Request) referralForm {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := referralForm{Given: v("p_given"), Family: v("p_family"), DOB: v("p_dob"), Email: v("p_email"), Phone: v("p_phone"),
		Lang: v("p_lang"), Access: r.PostForm["p_access"], AccessOther: v("p_access_other"),
		ConsentBy: v("consent_by"), ConsentOther: v("consent_other"), ConsentDate: v("consent_date"), Scope: r.PostForm["consent_scope"],
		Needs: r.PostForm["needs"], NeedsText: v("needs_text"), WhatMatters: v("what_matters"), Priority: v("priority"),
		Receiving: v("receiving"), Service: v("service"), RequestID: v("request_id")}
	if !strings.HasPrefix(f.RequestID, "web-") || len(f.RequestID) > 60 {
		f.RequestID = newRequestID()
	}
	return f
}

type referralFormData struct {
	Form       referralForm
	Centres    []centre
	Services   []serviceChoice
	Languages  []string
	Features   []string
	Needs      []string
	Priorities []string
	Scopes     []string
	Earlier    []referralRow
	LookedUp   bool
	Today      string
	// ConsentMin is the earliest consent date: the date of birth, once it is a date.
	ConsentMin string
}

type serviceChoice struct{ Name, Title string }

// l10nJoin writes a programme with the organisation that offers it.
func l10nJoin(l *localizer, programme, org string) string {
	return l.T("newref.service.at", programme, org)
}

func (h *Handler) newReferralForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.requireRole(w, r, auth.RoleClinician); !ok {
		return
	}
	f := referralForm{ConsentBy: "subject", Priority: "ROUTINE", RequestID: newRequestID(),
		ConsentDate: h.now().In(h.zone).Format(time.DateOnly)} // no scope ticked: the person says what they agree to
	h.showReferralForm(w, r, f, nil, http.StatusOK, nil, false)
}

func (h *Handler) showReferralForm(w http.ResponseWriter, r *http.Request, f referralForm, errs formErrors, code int, earlier []*referralv1.Referral, lookedUp bool) {
	ctx := h.callContext(r)
	facts, ok := h.names(ctx, w, r)
	if !ok {
		return
	}
	p := h.newPage(w, r, "referral_new", "new-referral")
	p.Title = p.T("newref.title")
	p.Errors = errs
	d := &referralFormData{Form: f, Centres: facts.centres, Languages: filterLanguages, Features: commonFeatures,
		Needs: needNames, Priorities: priorityNames, Scopes: consentScopes, LookedUp: lookedUp,
		Today: h.now().In(h.zone).Format(time.DateOnly)}
	if _, err := time.Parse(time.DateOnly, f.DOB); err == nil {
		d.ConsentMin = f.DOB
	}
	if svcs, err := h.directory.ListServices(ctx, &directoryv1.ListServicesRequest{PageSize: 1000}); err == nil {
		for _, s := range svcs.GetServices() {
			title := s.GetName()
			if s.GetDisplayName() != "" {
				title = s.GetDisplayName()
			}
			// Five centres offer "Social prescribing link worker": the centre tells them apart.
			if org := facts.orgs[s.GetOrganization()]; org != "" {
				title = l10nJoin(p.localizer, title, org)
			}
			d.Services = append(d.Services, serviceChoice{Name: s.GetName(), Title: title})
		}
		sort.SliceStable(d.Services, func(i, j int) bool { return d.Services[i].Title < d.Services[j].Title })
	}
	if len(earlier) > 0 {
		who, _ := h.practitioners(ctx)
		for _, ref := range earlier {
			d.Earlier = append(d.Earlier, h.referralRow(p.localizer, ref, facts, who, h.now()))
		}
	}
	p.Data = d
	h.render(w, code, p)
}

// newReferral looks up earlier referrals of the person, or saves the referral as a draft, or
// saves and sends it.
func (h *Handler) newReferral(w http.ResponseWriter, r *http.Request) {
	person, ok := h.requireRole(w, r, auth.RoleClinician)
	if !ok {
		return
	}
	f := parseReferralForm(r)
	l := h.i18n.localizer(h.i18n.choose(r))
	ctx := h.callContext(r)
	action := r.PostFormValue("action")
	errs := formErrors{}
	req := func(field string, ok bool) {
		if !ok {
			errs[field] = h.fieldMessage(l, field)
		}
	}
	req("p_given", f.Given != "" && len(f.Given) <= 100)
	req("p_family", f.Family != "" && len(f.Family) <= 100)
	dob, err := time.ParseInLocation(time.DateOnly, f.DOB, h.zone)
	req("p_dob", err == nil && dob.Before(h.now()) && dob.Year() > 1890)

	if action == "lookup" {
		if errs.Any() {
			h.showReferralForm(w, r, f, errs, http.StatusUnprocessableEntity, nil, false)
			return
		}
		// The person's details travel in the form's body, never in the URL.
		resp, err := h.referrals.SearchReferrals(ctx, &referralv1.SearchReferralsRequest{PageSize: 20,
			Person: &referralv1.PersonQuery{GivenName: f.Given, FamilyName: f.Family, DateOfBirth: f.DOB}})
		if err != nil {
			errs, code := h.explain(l, err, referralFields)
			h.showReferralForm(w, r, f, errs, code, nil, false)
			return
		}
		h.showReferralForm(w, r, f, nil, http.StatusOK, resp.GetReferrals(), true)
		return
	}
	send := action == "send"
	facts, ok := h.names(ctx, w, r)
	if !ok {
		return
	}
	_, isCentre := facts.centre(f.Receiving)
	req("receiving", isCentre)
	var needs []referralv1.Need
	for _, n := range f.Needs {
		v, ok := referralv1.Need_value["NEED_"+n]
		if !ok || v == 0 {
			errs["needs"] = h.fieldMessage(l, "needs")
			continue
		}
		needs = append(needs, referralv1.Need(v))
	}
	req("needs", len(needs) > 0)
	req("needs_text", !slices.Contains(f.Needs, "OTHER") || f.NeedsText != "")
	prio, ok := referralv1.Priority_value["PRIORITY_"+f.Priority]
	req("priority", ok && prio != 0)
	access := []string{}
	for _, a := range f.Access {
		if slices.Contains(commonFeatures, a) {
			access = append(access, a)
		}
	}
	if f.AccessOther != "" {
		access = append(access, f.AccessOther)
	}
	ref := &referralv1.Referral{
		Subject: &referralv1.Subject{GivenName: f.Given, FamilyName: f.Family, DateOfBirth: f.DOB, Email: f.Email,
			Phone: f.Phone, PreferredLanguage: f.Lang, AccessibilityNeeds: access},
		ReferringPractitioner: person.Subject, ReferringOrganization: person.Organization,
		Needs: needs, NeedsText: f.NeedsText, WhatMatters: f.WhatMatters, Priority: referralv1.Priority(prio),
		ReceivingOrganization: f.Receiving, SuggestedService: f.Service,
	}
	// Consent is captured before a referral is sent: who gave it, when, and what it covers.
	// The date comes filled in with today; a ticked scope or a substitute decision-maker is
	// what says consent was given.
	consentGiven := len(f.Scope) > 0 || f.ConsentBy == "other"
	if send || consentGiven {
		by := "subject"
		if f.ConsentBy == "other" {
			by = f.ConsentOther
			req("consent_other", by != "")
		}
		when, err := time.ParseInLocation(time.DateOnly, f.ConsentDate, h.zone)
		// Between the person's birth and today, as the referral service also requires.
		req("consent_date", err == nil && !when.After(h.now()) && (dob.IsZero() || !when.Before(dob)))
		var scope []string
		for _, s := range f.Scope {
			if slices.Contains(consentScopes, s) {
				scope = append(scope, s)
			}
		}
		req("consent_scope", len(scope) > 0)
		ref.Consent = &referralv1.Consent{GrantedBy: by, GrantTime: timestamppb.New(when), Scope: scope}
	}
	if errs.Any() {
		h.showReferralForm(w, r, f, errs, http.StatusUnprocessableEntity, nil, false)
		return
	}
	created, err := h.referrals.CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: ref, RequestId: f.RequestID})
	if err != nil {
		errs, code := h.explain(l, err, referralFields)
		h.showReferralForm(w, r, f, errs, code, nil, false)
		return
	}
	if send && created.GetStatus() == referralv1.ReferralStatus_REFERRAL_STATUS_DRAFT {
		if _, err := h.referrals.SubmitReferral(ctx, &referralv1.SubmitReferralRequest{Name: created.GetName(), Etag: created.GetEtag()}); err != nil {
			// The draft is saved; its page says why it was not sent.
			errs, code := h.explain(l, err, nil)
			h.showReferral(w, r, created.GetName(), errs, code)
			return
		}
	}
	if send {
		h.confirm(w, r, "flash.referral.sent", "")
	} else {
		h.confirm(w, r, "flash.referral.draft", "")
	}
	http.Redirect(w, r, "/"+created.GetName(), http.StatusSeeOther)
}
