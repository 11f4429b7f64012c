package server

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/policy"
	"github.com/socialrx/socialrx/services/referral/internal/impact"
)

// Impact serves the impact report from the impact read model. A report holds no personal data
// and is not audited; what it covers follows policy.ImpactRead, cell by cell.
type Impact struct {
	referralv1.UnimplementedImpactServiceServer
	model  *impact.Model
	now    func() time.Time
	logger *slog.Logger
}

var _ referralv1.ImpactServiceServer = (*Impact)(nil)

// NewImpact returns the impact handler over model.
func NewImpact(model *impact.Model, now func() time.Time, logger *slog.Logger) *Impact {
	return &Impact{model: model, now: now, logger: logger}
}

// fail logs an unexpected failure and hides its cause from the caller.
func (s *Impact) fail(ctx context.Context, err error) error {
	if e := apierror.FromContext(ctx); e != nil {
		return e
	}
	s.logger.Error("impact report", "error", err)
	return apierror.Internal()
}

// ImpactScope is what the caller may see: with policy.ImpactRead, the referrals of the
// organisations it allows; without, every centre as one network.
func ImpactScope(id auth.Identity) impact.Scope {
	if policy.Method(id, policy.ImpactRead) != policy.Allow {
		return impact.Scope{Network: true, Allow: func(string, string) bool { return true }}
	}
	return impact.Scope{Allow: func(receiving, referring string) bool {
		return policy.Can(id, policy.ImpactRead, policy.Facts{ReceivingOrganization: receiving, ReferringOrganization: referring})
	}}
}

func (s *Impact) report(ctx context.Context, q impact.Query) (impact.Report, error) {
	if q.StartMonth != "" && q.EndMonth != "" && q.EndMonth < q.StartMonth {
		return impact.Report{}, apierror.Field("end_month", "end_month is before start_month")
	}
	if err := s.model.Fresh(ctx); err != nil {
		return impact.Report{}, s.fail(ctx, err)
	}
	return s.model.Report(q, ImpactScope(auth.FromContext(ctx))), nil
}

// GetImpactReport reports the impact of the referrals of a period.
func (s *Impact) GetImpactReport(ctx context.Context, req *referralv1.GetImpactReportRequest) (*referralv1.ImpactReport, error) {
	r, err := s.report(ctx, impact.Query{StartMonth: req.GetStartMonth(), EndMonth: req.GetEndMonth(),
		Receiving: req.GetReceivingOrganization(), Referring: req.GetReferringOrganization()})
	if err != nil {
		return nil, err
	}
	return reportProto(r, s.now()), nil
}

// ExportImpactReport is the report as CSV.
func (s *Impact) ExportImpactReport(ctx context.Context, req *referralv1.ExportImpactReportRequest) (*httpbody.HttpBody, error) {
	r, err := s.report(ctx, impact.Query{StartMonth: req.GetStartMonth(), EndMonth: req.GetEndMonth(),
		Receiving: req.GetReceivingOrganization(), Referring: req.GetReferringOrganization()})
	if err != nil {
		return nil, err
	}
	data, err := r.CSV(req.GetTable())
	if errors.Is(err, impact.ErrNoTable) {
		return nil, apierror.Field("table", err.Error())
	}
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &httpbody.HttpBody{ContentType: "text/csv; charset=utf-8; header=present", Data: data}, nil
}

func reportProto(r impact.Report, now time.Time) *referralv1.ImpactReport {
	out := &referralv1.ImpactReport{StartMonth: r.Query.StartMonth, EndMonth: r.Query.EndMonth,
		ReceivingOrganizations: r.Centres, ComputeTime: timestamppb.New(now), SuppressionThreshold: impact.Threshold}
	for _, t := range r.Tables {
		pt := &referralv1.ImpactTable{Id: t.ID, Title: t.Title, Unit: t.Unit}
		for _, c := range t.Columns {
			pt.Columns = append(pt.Columns, &referralv1.ImpactColumn{Key: c.Key, Label: c.Label})
		}
		for _, row := range t.Rows {
			pr := &referralv1.ImpactRow{Key: row.Key, Label: row.Label}
			for _, c := range row.Cells {
				pc := &referralv1.ImpactCell{Text: c.Text(), Suppressed: c.Suppressed}
				if c.Reported {
					v := c.Value
					pc.Value = &v
				}
				pr.Cells = append(pr.Cells, pc)
			}
			pt.Rows = append(pt.Rows, pr)
		}
		out.Tables = append(out.Tables, pt)
	}
	return out
}

// EventResolver looks events up at the event service for the impact read model: their
// category (without its enum prefix) and host.
func EventResolver(events eventv1.EventServiceClient) impact.Resolve {
	return func(ctx context.Context, name string) (impact.Event, bool, error) {
		ev, err := events.GetEvent(ctx, &eventv1.GetEventRequest{Name: name})
		if status.Code(err) == codes.NotFound {
			return impact.Event{}, false, nil
		}
		if err != nil {
			return impact.Event{}, false, err
		}
		return impact.Event{Category: strings.TrimPrefix(ev.GetCategory().String(), "EVENT_CATEGORY_"),
			Host: ev.GetHostOrganization()}, true, nil
	}
}
