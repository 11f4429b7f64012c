package server

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/aip/pagination"
	"github.com/socialrx/socialrx/services/platform/audit"
)

// SearchAuditRecords answers a privacy officer: who accessed which referrals, when. A person is
// resolved to their referrals first, so records never need to hold personal data. The query
// is audited: one record naming each referral it was about, or "auditRecords" when none.
func (s *Server) SearchAuditRecords(ctx context.Context, req *referralv1.SearchAuditRecordsRequest) (*referralv1.SearchAuditRecordsResponse, error) {
	if _, err := pagination.Decode(req.GetPageToken(), req); err != nil {
		return nil, err
	}
	q := audit.Query{Actor: req.GetActor()}
	if t := req.GetStartTime(); t != nil {
		q.After = t.AsTime()
	}
	if t := req.GetEndTime(); t != nil {
		q.Before = t.AsTime()
	}
	if r := req.GetReferral(); r != "" {
		q.Resources = []string{r}
	}
	if p := req.GetPerson(); p != nil {
		all, err := s.st.Referrals.All(ctx)
		if err != nil {
			return nil, s.fail(ctx, err, "referrals")
		}
		names := []string{}
		for _, r := range all {
			if samePerson(r.Subject, p) && (q.Resources == nil || q.Resources[0] == "referrals/"+r.ID) {
				names = append(names, "referrals/"+r.ID)
			}
		}
		q.Resources = names
	}
	about := q.Resources
	if len(about) == 0 {
		about = []string{"auditRecords"}
	}
	if err := s.audit(ctx, audit.ActionQuery, nil, about...); err != nil {
		return nil, err
	}
	recs, err := s.st.Audit.Find(ctx, q)
	if err != nil {
		return nil, s.fail(ctx, err, "auditRecords")
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
