package web

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
)

// The practitioners' referral pages: a clinician's "new social prescription" and "my referrals",
// a link worker's worklist, and the referral page both of them work on. Every page shows what
// the referral service returns for the signed-in person's token, nothing more, and offers only
// the changes the service lists in the referral's allowed_actions.
//
// One file (and template) per page, all named referral_*: referral_new.go, referral_list.go,
// referral_worklist.go, referral_page.go with its forms in referral_actions.go (and the
// questionnaires and matching events it shows, referral_measures.go and referral_matching.go),
// referral_live.go for the pages' live updates, and referral_messages.go for their words.
// This file has their routes and what they share.

// referralRoutes are the routes of every referral page.
func (h *Handler) referralRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /referrals", h.myReferrals)
	m.HandleFunc("GET /referrals/new", h.newReferralForm)
	m.HandleFunc("POST /referrals/new", h.newReferral)
	m.HandleFunc("GET /referrals/live", h.liveReferrals)
	m.HandleFunc("GET /referrals/{referral}", h.referralPage)
	m.HandleFunc("POST /referrals/{referral}/{action}", h.referralAction)
	m.HandleFunc("GET /worklist", h.worklist)
}

// requirePractitioner is the signed-in clinician or link worker of r.
func (h *Handler) requirePractitioner(w http.ResponseWriter, r *http.Request) (Person, bool) {
	p := h.person(r)
	if p.SignedIn() && !p.Has(auth.RoleClinician) && !p.Has(auth.RoleLinkWorker) {
		h.fail(w, r, http.StatusForbidden, "error.denied")
		return p, false
	}
	role := auth.RoleClinician
	if p.Has(auth.RoleLinkWorker) {
		role = auth.RoleLinkWorker
	}
	return h.requireRole(w, r, role)
}

// shortRef is the short reference of a resource: the first 8 characters of its last id, enough
// to tell two records apart on a page ("referrals/41da6a78-…" is 41da6a78).
func shortRef(name string) string {
	id := name[strings.LastIndex(name, "/")+1:]
	if len(id) > 8 {
		id = id[:8]
	}
	return id
}

// personName is the referred person's name, or, when the referral service withheld it from
// the reader (no consent to share it with them), says so.
func personName(l *localizer, s *referralv1.Subject) string {
	if s.GetGivenName() == "" {
		return l.T("referral.withheld")
	}
	return strings.TrimSpace(s.GetGivenName() + " " + s.GetFamilyName())
}

func shortStatus(s referralv1.ReferralStatus) string {
	return strings.TrimPrefix(s.String(), "REFERRAL_STATUS_")
}

func shortBusiness(s referralv1.BusinessStatus) string {
	if s == referralv1.BusinessStatus_BUSINESS_STATUS_UNSPECIFIED {
		return ""
	}
	return strings.TrimPrefix(s.String(), "BUSINESS_STATUS_")
}

func shortPriority(p referralv1.Priority) string {
	if p == referralv1.Priority_PRIORITY_UNSPECIFIED {
		return "ROUTINE"
	}
	return strings.TrimPrefix(p.String(), "PRIORITY_")
}

// closed reports whether a status is terminal.
func closed(s referralv1.ReferralStatus) bool {
	switch s {
	case referralv1.ReferralStatus_REFERRAL_STATUS_REJECTED, referralv1.ReferralStatus_REFERRAL_STATUS_COMPLETED,
		referralv1.ReferralStatus_REFERRAL_STATUS_FAILED, referralv1.ReferralStatus_REFERRAL_STATUS_CANCELLED,
		referralv1.ReferralStatus_REFERRAL_STATUS_ENTERED_IN_ERROR:
		return true
	}
	return false
}

// urgency orders priorities, most urgent first.
func urgency(p referralv1.Priority) int {
	switch p {
	case referralv1.Priority_PRIORITY_ASAP:
		return 0
	case referralv1.Priority_PRIORITY_URGENT:
		return 1
	}
	return 2
}

// sortByUrgencyAndAge puts the most urgent first and, among equals, the one waiting longest.
func sortByUrgencyAndAge(refs []*referralv1.Referral) {
	sort.SliceStable(refs, func(i, j int) bool {
		ui, uj := urgency(refs[i].GetPriority()), urgency(refs[j].GetPriority())
		if ui != uj {
			return ui < uj
		}
		return refs[i].GetCreateTime().AsTime().Before(refs[j].GetCreateTime().AsTime())
	})
}

// people are the directory's practitioners, by resource name.
type people map[string]*directoryv1.Practitioner

func (p people) name(subject string) string {
	if pr, ok := p[subject]; ok {
		return strings.TrimSpace(pr.GetGivenName() + " " + pr.GetFamilyName())
	}
	return subject
}

// colleagues are the link workers of org, by name.
func (p people) colleagues(org string) []*directoryv1.Practitioner {
	var out []*directoryv1.Practitioner
	for _, pr := range p {
		if pr.GetOrganization() == org && pr.GetRole() == directoryv1.PractitionerRole_PRACTITIONER_ROLE_LINK_WORKER {
			out = append(out, pr)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].GetFamilyName() < out[j].GetFamilyName() })
	return out
}

func (h *Handler) practitioners(ctx context.Context) (people, error) {
	out := people{}
	for tok := ""; ; {
		resp, err := h.directory.ListPractitioners(ctx, &directoryv1.ListPractitionersRequest{PageSize: 1000, PageToken: tok})
		if err != nil {
			return nil, fmt.Errorf("list practitioners: %w", err)
		}
		for _, p := range resp.GetPractitioners() {
			out[p.GetName()] = p
		}
		if tok = resp.GetNextPageToken(); tok == "" {
			return out, nil
		}
	}
}

// referralRow is one referral in a list.
type referralRow struct {
	ID, URL string
	// Person is the person's name, or that their details were not shared with the reader;
	// Born their date of birth, Ref the short reference, and Title all three, to name the referral.
	Person, Born, Ref   string
	Title               string
	Status, Business    string
	Priority            string
	Receiving, Referrer string
	Assignee            string
	Created             string
	FollowUp            string
	Overdue             bool
}

func (h *Handler) referralRow(l *localizer, ref *referralv1.Referral, facts *directoryFacts, who people, now time.Time) referralRow {
	id := strings.TrimPrefix(ref.GetName(), "referrals/")
	row := referralRow{ID: id, URL: "/referrals/" + id, Ref: shortRef(id),
		Person: personName(l, ref.GetSubject()), Born: l.Birth(ref.GetSubject().GetDateOfBirth()),
		Status: shortStatus(ref.GetStatus()), Business: shortBusiness(ref.GetBusinessStatus()),
		Priority: shortPriority(ref.GetPriority()), Receiving: facts.orgs[ref.GetReceivingOrganization()],
		Referrer: who.name(ref.GetReferringPractitioner()),
		Created:  l.Date(ref.GetCreateTime().AsTime(), h.zone.String()),
	}
	row.Title = l.T("referral.named", row.Person, row.Ref)
	if row.Born != "" {
		row.Title = l.T("referral.named.born", row.Person, row.Born, row.Ref)
	}
	if a := ref.GetAssignee(); a != "" {
		row.Assignee = who.name(a)
	}
	if f := ref.GetFollowUpTime(); f != nil {
		row.FollowUp = l.Date(f.AsTime(), h.zone.String())
		row.Overdue = f.AsTime().Before(now) && !closed(ref.GetStatus())
	}
	return row
}

// liveSince is the instant a live page was drawn from, for its stream of changes to start at.
func liveSince(now time.Time) string {
	return fmt.Sprintf("/referrals/live?since=%d", now.Add(-2*time.Second).UnixMilli())
}
