package referraltest

import (
	"context"
	"testing"

	"google.golang.org/protobuf/types/known/timestamppb"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
)

// The organisations and practitioners SeedDirectory creates: a clinic whose clinician refers,
// and a community health centre whose two link workers receive.
const (
	Clinic      = "organizations/clinic"
	CHC         = "organizations/chc"
	Clinician   = "practitioners/dr-lee"
	LinkWorker  = "practitioners/lw-amara"
	LinkWorker2 = "practitioners/lw-bo"
)

// The people of the seeded directory, as callers; Host hosts the centre's events.
var (
	ClinicianID   = auth.Identity{Subject: Clinician, Organization: Clinic, Roles: []string{auth.RoleClinician}}
	LinkWorkerID  = auth.Identity{Subject: LinkWorker, Organization: CHC, Roles: []string{auth.RoleLinkWorker}}
	LinkWorker2ID = auth.Identity{Subject: LinkWorker2, Organization: CHC, Roles: []string{auth.RoleLinkWorker}}
	HostID        = auth.Identity{Subject: "practitioners/host-chc", Organization: CHC, Roles: []string{auth.RoleEventHost}}
)

// SeedDirectory creates the clinic, the centre and their practitioners in the directory that
// d calls; ctx acts as a directory administrator.
func SeedDirectory(ctx context.Context, tb testing.TB, d directoryv1.DirectoryServiceClient) {
	tb.Helper()
	for _, o := range []*directoryv1.CreateOrganizationRequest{
		{OrganizationId: "clinic", Organization: &directoryv1.Organization{DisplayName: "Family Health Team"}},
		{OrganizationId: "chc", Organization: &directoryv1.Organization{DisplayName: "Riverdale CHC", MemberCentre: true}},
	} {
		if _, err := d.CreateOrganization(ctx, o); err != nil {
			tb.Fatalf("create %s: %v", o.GetOrganizationId(), err)
		}
	}
	for _, p := range []struct {
		id, org string
		role    directoryv1.PractitionerRole
	}{
		{"dr-lee", Clinic, directoryv1.PractitionerRole_PRACTITIONER_ROLE_CLINICIAN},
		{"lw-amara", CHC, directoryv1.PractitionerRole_PRACTITIONER_ROLE_LINK_WORKER},
		{"lw-bo", CHC, directoryv1.PractitionerRole_PRACTITIONER_ROLE_LINK_WORKER},
	} {
		if _, err := d.CreatePractitioner(ctx, &directoryv1.CreatePractitionerRequest{PractitionerId: p.id, Practitioner: &directoryv1.Practitioner{
			Organization: p.org, GivenName: "Given", FamilyName: "Family", Role: p.role}}); err != nil {
			tb.Fatalf("create %s: %v", p.id, err)
		}
	}
}

// Draft is a valid new referral from the test clinic to the test centre, with consent unless
// withConsent is false.
func Draft(withConsent bool) *referralv1.Referral {
	r := &referralv1.Referral{
		Subject: &referralv1.Subject{GivenName: "Margaret", FamilyName: "Okafor", DateOfBirth: "1948-03-14",
			Email: "margaret@example.org", PreferredLanguage: "en", AccessibilityNeeds: []string{"step-free access"}},
		ReferringPractitioner: Clinician, ReferringOrganization: Clinic, ReceivingOrganization: CHC,
		Needs:       []referralv1.Need{referralv1.Need_NEED_LONELINESS, referralv1.Need_NEED_SOCIAL_ISOLATION},
		WhatMatters: "Seeing people again since my husband died; I used to love gardening.",
		Priority:    referralv1.Priority_PRIORITY_ROUTINE,
	}
	if withConsent {
		r.Consent = &referralv1.Consent{GrantedBy: "subject", GrantTime: timestamppb.Now(), Scope: []string{"share-with-link-worker", "share-with-event-hosts"}}
	}
	return r
}
