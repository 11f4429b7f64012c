package server

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/aip/fieldmask"
	"github.com/socialrx/socialrx/services/platform/aip/filtering"
	"github.com/socialrx/socialrx/services/platform/aip/pagination"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/referral/internal/domain"
	"github.com/socialrx/socialrx/services/referral/internal/readmodel"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

// CreateReferral creates a DRAFT after checking its references with the directory.
func (s *Server) CreateReferral(ctx context.Context, req *referralv1.CreateReferralRequest) (*referralv1.Referral, error) {
	in := req.GetReferral()
	if err := s.checkDetails(ctx, in, "referral"); err != nil {
		return nil, err
	}
	if err := s.checkReferrer(ctx, in); err != nil {
		return nil, err
	}
	id := req.GetReferralId()
	switch {
	case id != "":
	case req.GetRequestId() != "":
		id = uuid.NewSHA1(requestIDNamespace, []byte(req.GetRequestId())).String()
	default:
		id = uuid.NewString()
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	r := &store.Referral{
		ReferringPractitioner: in.GetReferringPractitioner(),
		ReferringOrganization: in.GetReferringOrganization(),
		ReceivingOrganization: in.GetReceivingOrganization(),
		Status:                domain.Draft,
		StatusChanged:         true,
	}
	r.ID, r.RequestID = id, req.GetRequestId()
	setDetails(r, in)
	r.Add(store.Entry{Time: now, Actor: actor(ctx), Kind: "CREATED", ToStatus: domain.Draft})
	if c := in.GetConsent(); c != nil {
		r.Consent = &store.Consent{GrantedBy: c.GetGrantedBy(), GrantTime: c.GetGrantTime().AsTime(), Scope: c.GetScope()}
		r.Add(store.Entry{Time: now, Actor: actor(ctx), Kind: "CONSENT", Note: "consent granted by " + c.GetGrantedBy()})
	}
	created, err := s.st.Referrals.Create(ctx, actor(ctx), r)
	if err != nil {
		return nil, s.fail(ctx, err, "referrals/"+id)
	}
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
	r, err := s.st.Referrals.Get(ctx, idOf(req.GetName()))
	if err != nil {
		return nil, s.fail(ctx, err, req.GetName())
	}
	s.audit(ctx, "get", req.GetName())
	return toProto(r), nil
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
	all := s.ix.Query(f, req.GetFollowUpOverdue(), s.now())
	items, next, err := pagination.Offset(req, req.GetPageSize(), req.GetPageToken(), 0, all)
	if err != nil {
		return nil, err
	}
	resp := &referralv1.ListReferralsResponse{TotalSize: int32(len(all)), NextPageToken: next}
	names := make([]string, 0, len(items))
	for _, r := range items {
		resp.Referrals = append(resp.Referrals, toProto(r))
		names = append(names, "referrals/"+r.ID)
	}
	s.audit(ctx, "list", names...)
	return resp, nil
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
	for _, r := range s.ix.Query(f, false, s.now()) {
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
	id, ok := strings.CutPrefix(in.GetName(), "referrals/")
	if !ok || id == "" || strings.Contains(id, "/") {
		return nil, apierror.Field("referral.name", "must be referrals/{referral}")
	}
	allowed := []string{"subject", "needs", "needs_text", "what_matters", "priority", "suggested_service", "suggested_event", "follow_up_time"}
	for _, p := range req.GetUpdateMask().GetPaths() {
		root, _, _ := strings.Cut(p, ".")
		if p != "*" && !contains(allowed, root) {
			return nil, apierror.Field("update_mask", fmt.Sprintf("%q cannot be updated here; use the custom methods", p))
		}
	}
	var checked *referralv1.Referral
	out, err := s.change(ctx, in.GetName(), in.GetEtag(), func(r *store.Referral, now time.Time) error {
		if domain.Terminal(r.Status) {
			return apierror.FailedPrecondition(ReasonReferralStatus, "referrals/"+r.ID+" is "+r.Status+" and can no longer be changed",
				map[string]string{"status": r.Status})
		}
		merged := toProto(r)
		mask := req.GetUpdateMask()
		if len(mask.GetPaths()) == 0 || (len(mask.GetPaths()) == 1 && mask.GetPaths()[0] == "*") {
			mask = &fieldmaskpb.FieldMask{Paths: allowed}
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
