package web

import (
	"fmt"
	"net/http"
	"sort"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
)

type myReferralsData struct {
	Rows []referralRow
	Live string
}

// myReferrals lists the referrals of the clinician's organisation, newest first.
func (h *Handler) myReferrals(w http.ResponseWriter, r *http.Request) {
	person, ok := h.requirePractitioner(w, r)
	if !ok {
		return
	}
	if !person.Has(auth.RoleClinician) {
		http.Redirect(w, r, "/worklist", http.StatusSeeOther)
		return
	}
	now := h.now()
	ctx := h.callContext(r)
	facts, who, ok := h.namesAndPeople(ctx, w, r)
	if !ok {
		return
	}
	resp, err := h.referrals.ListReferrals(ctx, &referralv1.ListReferralsRequest{PageSize: 200,
		Filter: fmt.Sprintf("referring_organization = %q", person.Organization)})
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	refs := resp.GetReferrals()
	sort.SliceStable(refs, func(i, j int) bool {
		return refs[i].GetCreateTime().AsTime().After(refs[j].GetCreateTime().AsTime())
	})
	p := h.newPage(w, r, "referral_list", "referrals")
	p.Title = p.T("referrals.title")
	d := &myReferralsData{Live: liveSince(now)}
	for _, ref := range refs {
		d.Rows = append(d.Rows, h.referralRow(p.localizer, ref, facts, who, now))
	}
	p.Data = d
	h.render(w, http.StatusOK, p)
}
