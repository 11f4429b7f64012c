package web

import (
	"fmt"
	"net/http"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
)

// worklistSection is one list of the link worker's worklist.
type worklistSection struct {
	ID, Heading, Empty string
	Rows               []referralRow
}

type statusCount struct {
	Status string
	Count  int32
}

type worklistData struct {
	Organization string
	Counts       []statusCount
	Total        int32
	Sections     []worklistSection
	Live         string
}

// worklist is the link worker's: referrals requested to their organisation, assigned to them,
// on hold, and with a follow-up overdue, the most urgent and oldest first, with counts per status.
func (h *Handler) worklist(w http.ResponseWriter, r *http.Request) {
	person, ok := h.requireRole(w, r, auth.RoleLinkWorker)
	if !ok {
		return
	}
	now := h.now()
	ctx := h.callContext(r)
	facts, who, ok := h.namesAndPeople(ctx, w, r)
	if !ok {
		return
	}
	org := fmt.Sprintf("receiving_organization = %q", person.Organization)
	counts, err := h.referrals.CountReferrals(ctx, &referralv1.CountReferralsRequest{Filter: org})
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	p := h.newPage(w, r, "referral_worklist", "worklist")
	l := p.localizer
	p.Title = l.T("worklist.title")
	d := &worklistData{Organization: facts.orgs[person.Organization], Total: counts.GetTotal(), Live: liveSince(now)}
	for i := int32(1); i < int32(len(referralv1.ReferralStatus_name)); i++ {
		st := shortStatus(referralv1.ReferralStatus(i))
		if n := counts.GetCounts()[st]; n > 0 {
			d.Counts = append(d.Counts, statusCount{Status: st, Count: n})
		}
	}
	for _, s := range []struct {
		id      string
		filter  string
		overdue bool
	}{
		{"requested", org + " AND status = REQUESTED", false},
		{"mine", fmt.Sprintf("assignee = %q AND (status = ACCEPTED OR status = IN_PROGRESS)", person.Subject), false},
		{"on-hold", org + " AND status = ON_HOLD", false},
		{"overdue", org, true},
	} {
		resp, err := h.referrals.ListReferrals(ctx, &referralv1.ListReferralsRequest{PageSize: 200, Filter: s.filter, FollowUpOverdue: s.overdue})
		if err != nil {
			h.failCall(w, r, err)
			return
		}
		refs := resp.GetReferrals()
		sortByUrgencyAndAge(refs)
		sec := worklistSection{ID: s.id, Heading: l.T("worklist." + s.id), Empty: l.T("worklist." + s.id + ".none")}
		for _, ref := range refs {
			sec.Rows = append(sec.Rows, h.referralRow(l, ref, facts, who, now))
		}
		d.Sections = append(d.Sections, sec)
	}
	p.Data = d
	h.render(w, http.StatusOK, p)
}
