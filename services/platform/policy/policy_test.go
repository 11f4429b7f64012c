package policy_test

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/policy"
)

func TestDecide(t *testing.T) {
	clin := auth.Identity{Subject: "practitioners/c", Organization: "organizations/clinic", Roles: []string{auth.RoleClinician}}
	lw := auth.Identity{Subject: "practitioners/lw", Organization: "organizations/chc", Roles: []string{auth.RoleLinkWorker}}
	lwOther := auth.Identity{Subject: "practitioners/lw2", Organization: "organizations/other", Roles: []string{auth.RoleLinkWorker}}
	host := auth.Identity{Subject: "practitioners/h", Organization: "organizations/chc", Roles: []string{auth.RoleEventHost}}
	sys := auth.Identity{Subject: "clients/his", Organization: "organizations/chc", Roles: []string{auth.RoleSystem}}
	public := auth.Anonymous
	manager := auth.Identity{Subject: "practitioners/m", Organization: "organizations/chc", Roles: []string{auth.RoleCentreManager}}
	analyst := auth.Identity{Subject: "practitioners/a", Organization: "organizations/alliance", Roles: []string{auth.RoleNetworkAnalyst}}
	elsewhere := policy.Facts{ReferringOrganization: "organizations/clinic2", ReceivingOrganization: "organizations/other"}
	sent := policy.Facts{ReferringOrganization: "organizations/clinic", ReceivingOrganization: "organizations/chc"}
	draft := sent
	draft.Draft = true
	taken := sent
	taken.Assignee = "practitioners/other-lw"
	published := policy.Facts{HostOrganization: "organizations/chc", EventState: "PUBLISHED"}
	drafted := policy.Facts{HostOrganization: "organizations/chc", EventState: "DRAFT"}
	withToken := published
	withToken.TokenValid = true

	tests := []struct {
		name string
		id   auth.Identity
		a    policy.Action
		f    policy.Facts
		want policy.Outcome
	}{
		{"clinician reads own organisation's", clin, policy.ReferralRead, sent, policy.Allow},
		{"clinician reads own draft", clin, policy.ReferralRead, draft, policy.Allow},
		{"link worker reads sent to them", lw, policy.ReferralRead, sent, policy.Allow},
		{"link worker does not see a draft", lw, policy.ReferralRead, draft, policy.Hidden},
		{"link worker of another centre", lwOther, policy.ReferralRead, sent, policy.Hidden},
		{"link worker responds when unassigned", lw, policy.ReferralRespond, sent, policy.Allow},
		{"link worker sees but may not change another's", lw, policy.ReferralRespond, taken, policy.Forbidden},
		{"clinician may never respond", clin, policy.ReferralRespond, sent, policy.Forbidden},
		{"host may never read referrals", host, policy.ReferralRead, sent, policy.Forbidden},
		{"public must sign in to read", public, policy.ReferralRead, sent, policy.SignIn},
		{"public must sign in to create", public, policy.ReferralCreate, sent, policy.SignIn},
		{"clinician creates for another organisation", clin, policy.ReferralCreate,
			policy.Facts{ReferringOrganization: "organizations/chc"}, policy.Forbidden},
		{"system reads its receiving organisation's", sys, policy.ReferralRead, sent, policy.Allow},
		{"system may not submit for the referrer", sys, policy.ReferralRefer, sent, policy.Forbidden},
		{"system manages its organisation's webhooks", sys, policy.WebhookManage,
			policy.Facts{OwnerOrganization: "organizations/chc"}, policy.Allow},
		{"system may not touch another organisation's webhooks", sys, policy.WebhookManage,
			policy.Facts{OwnerOrganization: "organizations/clinic"}, policy.Forbidden},
		{"staff of the organisation may not manage webhooks", lw, policy.WebhookManage,
			policy.Facts{OwnerOrganization: "organizations/chc"}, policy.Forbidden},
		{"public must sign in to manage webhooks", public, policy.WebhookManage,
			policy.Facts{OwnerOrganization: "organizations/chc"}, policy.SignIn},
		{"public reads a published event", public, policy.EventRead, published, policy.Allow},
		{"public does not see a draft event", public, policy.EventRead, drafted, policy.Hidden},
		{"host manages own event", host, policy.EventManage, drafted, policy.Allow},
		{"host of elsewhere sees published but may not manage", auth.Identity{Subject: "h2", Organization: "organizations/x",
			Roles: []string{auth.RoleEventHost}}, policy.EventManage, published, policy.Forbidden},
		{"public may not cancel without the token", public, policy.RegistrationCancel, published, policy.Hidden},
		{"public cancels with the token", public, policy.RegistrationCancel, withToken, policy.Allow},
		{"public never sees contacts", public, policy.RegistrationContacts, published, policy.SignIn},
		{"host never sees contacts", host, policy.RegistrationContacts, published, policy.Forbidden},
		{"only directory_admin writes the directory", clin, policy.DirectoryWrite, policy.Facts{}, policy.Forbidden},
		{"anyone reads the directory", public, policy.DirectoryRead, policy.Facts{}, policy.Allow},
		{"centre manager reads own centre's impact", manager, policy.ImpactRead, sent, policy.Allow},
		{"centre manager does not see another centre's impact", manager, policy.ImpactRead, elsewhere, policy.Hidden},
		{"centre manager may never read a referral", manager, policy.ReferralRead, sent, policy.Forbidden},
		{"link worker reads own centre's impact", lw, policy.ImpactRead, sent, policy.Allow},
		{"clinician reads the impact of what it referred", clin, policy.ImpactRead, sent, policy.Allow},
		{"clinician does not see others' referrals' impact", clin, policy.ImpactRead, elsewhere, policy.Hidden},
		{"analyst reads every centre's impact", analyst, policy.ImpactRead, elsewhere, policy.Allow},
		{"analyst may never read a referral", analyst, policy.ReferralRead, sent, policy.Forbidden},
		{"host has no scoped impact report", host, policy.ImpactRead, sent, policy.Forbidden},
		{"the public has no scoped impact report", public, policy.ImpactRead, sent, policy.SignIn},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := policy.Decide(tc.id, tc.a, tc.f); got != tc.want {
				t.Fatalf("Decide = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestErrCodes(t *testing.T) {
	for o, want := range map[policy.Outcome]codes.Code{policy.Allow: codes.OK, policy.SignIn: codes.Unauthenticated,
		policy.Forbidden: codes.PermissionDenied, policy.Hidden: codes.NotFound} {
		if got := status.Code(o.Err(policy.ReferralRead, "referrals/x")); got != want {
			t.Errorf("%v: %v, want %v", o, got, want)
		}
	}
}

func TestEditableFields(t *testing.T) {
	f := policy.Facts{ReferringOrganization: "organizations/clinic", ReceivingOrganization: "organizations/chc"}
	clin := auth.Identity{Subject: "c", Organization: "organizations/clinic", Roles: []string{auth.RoleClinician}}
	lw := auth.Identity{Subject: "lw", Organization: "organizations/chc", Roles: []string{auth.RoleLinkWorker}}
	has := func(fields []string, x string) bool {
		for _, v := range fields {
			if v == x {
				return true
			}
		}
		return false
	}
	if c := policy.EditableFields(clin, f); !has(c, "subject") || has(c, "follow_up_time") {
		t.Fatalf("clinician: %v", c)
	}
	if l := policy.EditableFields(lw, f); has(l, "subject") || !has(l, "follow_up_time") {
		t.Fatalf("link worker: %v", l)
	}
}
