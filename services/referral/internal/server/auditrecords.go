package server

import (
	"context"
	"slices"

	"google.golang.org/protobuf/types/known/timestamppb"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/aip/pagination"
	"github.com/socialrx/socialrx/services/platform/audit"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/policy"
	"github.com/socialrx/socialrx/services/referral/internal/domain"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

// SearchAuditRecords answers a privacy officer: who accessed which referrals, when. An
// organisation's privacy officer sees the records about referrals their organisation made or
// received and those of their own staff; only a network privacy officer (a role the identity
// provider grants) sees the whole network. A person is resolved to their referrals first, so
// records never need to hold personal data, and only to referrals in the officer's scope: a
// question about anyone else's patient answers as one about nobody. The query is audited: one
// record naming each referral it was about, or "auditRecords" when none.
func (s *Server) SearchAuditRecords(ctx context.Context, req *referralv1.SearchAuditRecordsRequest) (*referralv1.SearchAuditRecordsResponse, error) {
	if _, err := pagination.Decode(req.GetPageToken(), req); err != nil {
		return nil, err
	}
	caller := auth.FromContext(ctx)
	if err := s.ix.Fresh(ctx); err != nil {
		return nil, s.fail(ctx, err, "auditRecords")
	}
	referrals := map[string]*store.Referral{}
	for _, r := range s.ix.Select(func(*store.Referral) bool { return true }) {
		referrals["referrals/"+r.ID] = r
	}
	visible := func(rec audit.Record) bool {
		f := policy.Facts{ActorOrganization: rec.Organization}
		if r, ok := referrals[rec.Resource]; ok {
			f.ReferringOrganization = r.ReferringOrganization
			if r.Status != domain.Draft {
				f.ReceivingOrganization = r.ReceivingOrganization
			}
		}
		return policy.Can(caller, policy.AuditRecordRead, f)
	}
	inScope := func(r *store.Referral) bool {
		return visible(audit.Record{Resource: "referrals/" + r.ID})
	}

	q := audit.Query{Actor: req.GetActor()}
	if t := req.GetStartTime(); t != nil {
		q.After = t.AsTime()
	}
	if t := req.GetEndTime(); t != nil {
		q.Before = t.AsTime()
	}
	if name := req.GetReferral(); name != "" {
		q.Resources = []string{name}
		if r, ok := referrals[name]; !ok || !inScope(r) {
			q.Resources = []string{}
		}
	}
	if p := req.GetPerson(); p != nil {
		names := []string{}
		for name, r := range referrals {
			if samePerson(r.Subject, p) && inScope(r) && (q.Resources == nil || slices.Contains(q.Resources, name)) {
				names = append(names, name)
			}
		}
		slices.Sort(names)
		q.Resources = names
	}
	about := q.Resources
	if len(about) == 0 {
		about = []string{"auditRecords"}
	}
	if err := s.audit(ctx, audit.ActionQuery, nil, about...); err != nil {
		return nil, err
	}
	var recs []audit.Record
	if q.Resources == nil || len(q.Resources) > 0 {
		found, err := s.st.Audit.Find(ctx, q)
		if err != nil {
			return nil, s.fail(ctx, err, "auditRecords")
		}
		for _, r := range found {
			if visible(r) {
				recs = append(recs, r)
			}
		}
	}
	items, next, err := pagination.Offset(req, req.GetPageSize(), req.GetPageToken(), 0, recs)
	if err != nil {
		return nil, err
	}
	resp := &referralv1.SearchAuditRecordsResponse{NextPageToken: next, TotalSize: int32(len(recs))}
	for _, r := range items {
		resp.AuditRecords = append(resp.AuditRecords, auditToProto(r))
	}
	return resp, nil
}

func auditToProto(r audit.Record) *referralv1.AuditRecord {
	return &referralv1.AuditRecord{Id: r.ID, Time: timestamppb.New(r.Time), Actor: r.Actor, Organization: r.Organization,
		Role: r.Role, Action: r.Action, Method: r.Method, Resource: r.Resource, Purpose: r.Purpose, Outcome: r.Outcome,
		RequestId: r.RequestID, ClientAddress: r.ClientAddress}
}
