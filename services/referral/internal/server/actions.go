package server

import (
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/policy"
	"github.com/socialrx/socialrx/services/platform/protoconv"
	"github.com/socialrx/socialrx/services/referral/internal/domain"
)

// allowedActions is what caller id may do to p now: the domain's rules for p's state, for the
// sides the policy lets id act for on p.
func allowedActions(id auth.Identity, p *referralv1.Referral) []referralv1.ReferralAction {
	status := protoconv.EnumName(p.GetStatus())
	f := policy.Facts{ReferringOrganization: p.GetReferringOrganization(), ReceivingOrganization: p.GetReceivingOrganization(),
		Assignee: p.GetAssignee(), Draft: status == domain.Draft}
	c := domain.Caller{
		Update:  policy.Can(id, policy.ReferralUpdate, f) && len(policy.EditableFields(id, f)) > 0,
		Refer:   policy.Can(id, policy.ReferralRefer, f),
		Respond: policy.Can(id, policy.ReferralRespond, f),
		Share:   policy.Can(id, policy.ReferralShare, f),
	}
	s := domain.State{Status: status, Consent: p.GetConsent() != nil && !p.GetConsent().GetWithdrawn(), Goals: len(p.GetGoals())}
	var out []referralv1.ReferralAction
	for _, a := range domain.AllowedActions(s, c) {
		out = append(out, protoconv.ParseEnum[referralv1.ReferralAction](a))
	}
	return out
}

// forCaller shapes every referral an answer carries for the caller of this request: what they
// may do now (allowed_actions; whatever a client sent in the field is never used), and the
// person's details only as far as the person's consent shares them with the caller's side.
func forCaller(id auth.Identity, resp any) {
	var refs []*referralv1.Referral
	switch r := resp.(type) {
	case *referralv1.Referral:
		refs = []*referralv1.Referral{r}
	case *referralv1.ListReferralsResponse:
		refs = r.GetReferrals()
	case *referralv1.SearchReferralsResponse:
		refs = r.GetReferrals()
	}
	for _, p := range refs {
		p.AllowedActions = allowedActions(id, p)
		withholdSubject(id, p)
	}
}

// withholdSubject clears who the person is from a referral read by the receiving side (link
// workers, the centre's systems) unless the person agreed to share it with them and has not
// withdrawn. The referring side collected the details and always sees them. What the person
// needs to be served well (language, accessibility needs) stays.
func withholdSubject(id auth.Identity, p *referralv1.Referral) {
	f := policy.Facts{ReferringOrganization: p.GetReferringOrganization()}
	c := p.GetConsent()
	if policy.ReferrerOrg.Holds(id, f) || domain.Shares(c.GetScope(), c.GetWithdrawn(), domain.ScopeLinkWorker) {
		return
	}
	if sub := p.GetSubject(); sub != nil {
		p.Subject = &referralv1.Subject{PreferredLanguage: sub.GetPreferredLanguage(), AccessibilityNeeds: sub.GetAccessibilityNeeds()}
	}
	p.SubjectWithheld = true
}
