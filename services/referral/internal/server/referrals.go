package server

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/aip/fieldmask"
	"github.com/socialrx/socialrx/services/platform/aip/filtering"
	"github.com/socialrx/socialrx/services/platform/aip/names"
	"github.com/socialrx/socialrx/services/platform/aip/pagination"
	"github.com/socialrx/socialrx/services/platform/aip/requestid"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/audit"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/policy"
	"github.com/socialrx/socialrx/services/referral/internal/domain"
	"github.com/socialrx/socialrx/services/referral/internal/readmodel"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

// CreateReferral creates a DRAFT after checking its references with the directory.
func (s *Server) CreateReferral(ctx context.Context, req *referralv1.CreateReferralRequest) (*referralv1.Referral, error) {
	in := req.GetReferral()
	// Referral ids are the service's: a caller-chosen one that another organisation already
	// holds would answer ALREADY_EXISTS where a GET answers NOT_FOUND, telling the caller that a
	// referral they may not see exists. The request id, scoped to the caller, makes retries safe.
	if req.GetReferralId() != "" {
		return nil, apierror.Field("referral_id", "referral ids are assigned by the service; send request_id to make retries safe")
	}
	if err := s.checkDetails(ctx, in, "referral"); err != nil {
		return nil, err
	}
	// The consent as given, before the directory is asked about the referrer.
	if c := in.GetConsent(); c != nil {
		born, _ := time.Parse(time.DateOnly, in.GetSubject().GetDateOfBirth()) // checked above
		if field, why := domain.CheckConsent(c.GetScope(), c.GetGrantTime().AsTime(), born, s.now(), consentSkew); field != "" {
			return nil, apierror.Field("referral.consent."+field, why)
		}
	}
	if err := s.checkReferrer(ctx, in); err != nil {
		return nil, err
	}
	caller := auth.FromContext(ctx)
	key := requestid.Key(caller, req.GetRequestId())
	id := requestid.ID(requestIDNamespace, "referral", key)
	now := s.now().UTC().Truncate(time.Millisecond)
	r := &store.Referral{
		ReferringPractitioner: in.GetReferringPractitioner(),
		ReferringOrganization: in.GetReferringOrganization(),
		ReceivingOrganization: in.GetReceivingOrganization(),
		Status:                domain.Draft,
		StatusChanged:         true,
	}
	r.ID, r.RequestID = id, key
	setDetails(r, in)
	r.Add(store.Entry{Time: now, Actor: actor(ctx), Kind: "CREATED", ToStatus: domain.Draft})
	if c := in.GetConsent(); c != nil {
		r.Consent = &store.Consent{GrantedBy: c.GetGrantedBy(), GrantTime: c.GetGrantTime().AsTime(), Scope: c.GetScope()}
		r.Add(store.Entry{Time: now, Actor: actor(ctx), Kind: "CONSENT", Note: "consent granted by " + c.GetGrantedBy()})
	}
	intent, err := s.intend(ctx, audit.ActionCreate, "referrals/"+id)
	if err != nil {
		return nil, err
	}
	r.NoteIntent(intent.ID)
	created, err := s.st.Referrals.Create(ctx, actor(ctx), r)
	if err != nil {
		err = s.fail(ctx, err, "referrals/"+id)
		s.settle(ctx, intent, audit.OutcomeOf(err))
		return nil, err
	}
	if !created.HasIntent(intent.ID) {
		// A retry: nothing was created, the stored referral is returned (and read).
		s.settle(ctx, intent, audit.OutcomeNotApplied)
		// It answers only if the caller may still read it, as a GET would.
		if err := policy.Check(caller, policy.ReferralRead, facts(created), "referrals/"+created.ID); err != nil {
			return nil, err
		}
		if err := s.audit(ctx, audit.ActionRead, nil, "referrals/"+created.ID); err != nil {
			return nil, err
		}
		return toProto(created), nil
	}
	s.settle(ctx, intent, "OK")
	return toProto(created), nil
}

// checkDetails validates what protovalidate cannot: the date of birth and the suggested service.
func (s *Server) checkDetails(ctx context.Context, in *referralv1.Referral, field string) error {
	dob, err := time.Parse("2006-01-02", in.GetSubject().GetDateOfBirth())
	if err != nil {
		return apierror.Field(field+".subject.date_of_birth", "not a date in the form YYYY-MM-DD")
	}
	if dob.After(s.now()) {
		return apierror.Field(field+".subject.date_of_birth", "must not be in the future")
	}
	if dob.Before(s.now().AddDate(-130, 0, 0)) {
		return apierror.Field(field+".subject.date_of_birth", "more than 130 years ago")
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if svc := in.GetSuggestedService(); svc != "" {
		if _, err := s.directory.GetService(ctx, &directoryv1.GetServiceRequest{Name: svc}); err != nil {
			return apierror.Lookup(err, field+".suggested_service", svc, "directory")
		}
	}
	if ev := in.GetSuggestedEvent(); ev != "" {
		if _, err := s.events.GetEvent(ctx, &eventv1.GetEventRequest{Name: ev}); err != nil {
			return apierror.Lookup(err, field+".suggested_event", ev, "event service")
		}
	}
	return nil
}

// checkReferrer checks the referring practitioner, their organisation and the receiving
// organisation with the directory.
func (s *Server) checkReferrer(ctx context.Context, in *referralv1.Referral) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	p, err := s.directory.GetPractitioner(ctx, &directoryv1.GetPractitionerRequest{Name: in.GetReferringPractitioner()})
	if err != nil {
		return apierror.Lookup(err, "referral.referring_practitioner", in.GetReferringPractitioner(), "directory")
	}
	if p.GetOrganization() != in.GetReferringOrganization() {
		return apierror.Field("referral.referring_organization", in.GetReferringPractitioner()+" does not work for "+in.GetReferringOrganization())
	}
	if _, err := s.directory.GetOrganization(ctx, &directoryv1.GetOrganizationRequest{Name: in.GetReceivingOrganization()}); err != nil {
		return apierror.Lookup(err, "referral.receiving_organization", in.GetReceivingOrganization(), "directory")
	}
	return nil
}

// GetReferral returns a referral and audits the read.
func (s *Server) GetReferral(ctx context.Context, req *referralv1.GetReferralRequest) (*referralv1.Referral, error) {
	r, err := s.authorized(ctx, req.GetName(), policy.ReferralRead)
	if err != nil {
		return nil, err
	}
	if err := s.audit(ctx, audit.ActionRead, nil, req.GetName()); err != nil {
		return nil, err
	}
	return toProto(r), nil
}

// visible keeps the referrals the caller may read.
func visible(ctx context.Context, all []*store.Referral) []*store.Referral {
	id := auth.FromContext(ctx)
	out := all[:0:0]
	for _, r := range all {
		if policy.Can(id, policy.ReferralRead, facts(r)) {
			out = append(out, r)
		}
	}
	return out
}

// page returns one page of referrals, each hit audited under action.
func (s *Server) page(ctx context.Context, action string, req proto.Message, size int32, token string, all []*store.Referral) ([]*referralv1.Referral, string, error) {
	items, next, err := pagination.Offset(req, size, token, 0, all)
	if err != nil {
		return nil, "", err
	}
	out := make([]*referralv1.Referral, 0, len(items))
	names := make([]string, 0, len(items))
	for _, r := range items {
		out = append(out, toProto(r))
		names = append(names, "referrals/"+r.ID)
	}
	if err := s.audit(ctx, action, nil, names...); err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// ListReferrals serves worklists from the read model after bringing it up to date.
func (s *Server) ListReferrals(ctx context.Context, req *referralv1.ListReferralsRequest) (*referralv1.ListReferralsResponse, error) {
	f, err := filtering.Parse(req.GetFilter(), readmodel.Filter)
	if err != nil {
		return nil, err
	}
	if err := s.ix.Fresh(ctx); err != nil {
		return nil, s.fail(ctx, err, "referrals")
	}
	all := visible(ctx, s.ix.Query(f, req.GetFollowUpOverdue(), s.now()))
	items, next, err := s.page(ctx, audit.ActionList, req, req.GetPageSize(), req.GetPageToken(), all)
	if err != nil {
		return nil, err
	}
	return &referralv1.ListReferralsResponse{Referrals: items, TotalSize: int32(len(all)), NextPageToken: next}, nil
}

// SearchReferrals finds one person's referrals among those the caller may see.
func (s *Server) SearchReferrals(ctx context.Context, req *referralv1.SearchReferralsRequest) (*referralv1.SearchReferralsResponse, error) {
	if _, err := pagination.Decode(req.GetPageToken(), req); err != nil {
		return nil, err
	}
	if err := s.ix.Sync(ctx); err != nil {
		return nil, s.fail(ctx, err, "referrals")
	}
	everything, err := filtering.Parse("", readmodel.Filter)
	if err != nil {
		return nil, err
	}
	all := visible(ctx, s.ix.Query(everything, false, s.now()))
	matches := all[:0:0]
	for _, r := range all {
		if samePerson(r.Subject, req.GetPerson()) {
			matches = append(matches, r)
		}
	}
	sort.SliceStable(matches, func(i, j int) bool { return matches[i].CreateTime.Before(matches[j].CreateTime) })
	items, next, err := s.page(ctx, audit.ActionSearch, req, req.GetPageSize(), req.GetPageToken(), matches)
	if err != nil {
		return nil, err
	}
	return &referralv1.SearchReferralsResponse{Referrals: items, TotalSize: int32(len(matches)), NextPageToken: next}, nil
}

// samePerson matches a person by name, ignoring case and surrounding space, and birth date.
func samePerson(s store.Subject, q *referralv1.PersonQuery) bool {
	norm := func(v string) string { return strings.ToLower(strings.TrimSpace(v)) }
	return norm(s.GivenName) == norm(q.GetGivenName()) && norm(s.FamilyName) == norm(q.GetFamilyName()) &&
		s.DateOfBirth == q.GetDateOfBirth()
}

// CountReferrals counts by status.
func (s *Server) CountReferrals(ctx context.Context, req *referralv1.CountReferralsRequest) (*referralv1.CountReferralsResponse, error) {
	f, err := filtering.Parse(req.GetFilter(), readmodel.Filter)
	if err != nil {
		return nil, err
	}
	if err := s.ix.Fresh(ctx); err != nil {
		return nil, s.fail(ctx, err, "referrals")
	}
	resp := &referralv1.CountReferralsResponse{Counts: map[string]int32{}}
	for _, r := range visible(ctx, s.ix.Query(f, false, s.now())) {
		resp.Counts[r.Status]++
		resp.Total++
	}
	return resp, nil
}

// UpdateReferral changes the details of a referral that is not closed.
func (s *Server) UpdateReferral(ctx context.Context, req *referralv1.UpdateReferralRequest) (*referralv1.Referral, error) {
	in := req.GetReferral()
	if in == nil {
		return nil, apierror.Field("referral", "is required")
	}
	var id string
	if err := names.ParseField("referral.name", in.GetName(), referralPattern, &id); err != nil {
		return nil, err
	}
	updatable := []string{"subject", "needs", "needs_text", "what_matters", "priority", "suggested_service", "suggested_event", "follow_up_time"}
	for _, p := range req.GetUpdateMask().GetPaths() {
		root, _, _ := strings.Cut(p, ".")
		if p != "*" && !slices.Contains(updatable, root) {
			return nil, apierror.Field("update_mask", fmt.Sprintf("%q cannot be updated here; use the custom methods", p))
		}
	}
	caller := auth.FromContext(ctx)
	var checked *referralv1.Referral
	out, err := s.change(ctx, in.GetName(), in.GetEtag(), func(r *store.Referral, now time.Time) error {
		if domain.Terminal(r.Status) {
			return apierror.FailedPrecondition(ReasonReferralStatus, "referrals/"+r.ID+" is "+r.Status+" and can no longer be changed",
				map[string]string{"status": r.Status})
		}
		merged := toProto(r)
		// Each side changes only its own fields; naming another is refused, and "all fields"
		// means all of the caller's.
		allowed := policy.EditableFields(caller, facts(r))
		mask := req.GetUpdateMask()
		if len(mask.GetPaths()) == 0 || (len(mask.GetPaths()) == 1 && mask.GetPaths()[0] == "*") {
			mask = &fieldmaskpb.FieldMask{Paths: allowed}
		}
		for _, p := range mask.GetPaths() {
			if root, _, _ := strings.Cut(p, "."); !slices.Contains(allowed, root) {
				return policy.FieldDenied(p)
			}
		}
		if err := fieldmask.Apply(merged, in, mask); err != nil {
			return err
		}
		if err := s.validator.Check(merged, "referral"); err != nil {
			return err
		}
		if checked == nil || checked.GetSuggestedService() != merged.GetSuggestedService() || checked.GetSubject().GetDateOfBirth() != merged.GetSubject().GetDateOfBirth() {
			if err := s.checkDetails(ctx, merged, "referral"); err != nil {
				return err
			}
			checked = merged
		}
		setDetails(r, merged)
		r.Add(store.Entry{Time: now, Actor: actor(ctx), Kind: "UPDATED", Note: "details updated"})
		return nil
	})
	return out, err
}
