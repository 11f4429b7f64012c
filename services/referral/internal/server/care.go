package server

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/protoconv"
	"github.com/socialrx/socialrx/services/referral/internal/domain"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

func working(r *store.Referral) error {
	if domain.Working(r.Status) {
		return nil
	}
	return apierror.FailedPrecondition(ReasonReferralStatus,
		fmt.Sprintf("referrals/%s is %s; goals, measures and bookings are recorded while it is ACCEPTED, IN_PROGRESS or ON_HOLD", r.ID, r.Status),
		map[string]string{"status": r.Status})
}

func (s *Server) AddGoal(ctx context.Context, req *referralv1.AddGoalRequest) (*referralv1.Referral, error) {
	return s.change(ctx, req.GetName(), "", func(r *store.Referral, now time.Time) error {
		if err := working(r); err != nil {
			return err
		}
		g := store.Goal{ID: strconv.Itoa(len(r.Goals) + 1), Description: req.GetDescription(), CreateTime: now}
		r.Goals = append(r.Goals, g)
		r.Add(store.Entry{Time: now, Actor: actor(ctx), Kind: "GOAL", Note: "goal " + g.ID + " set: " + g.Description})
		return nil
	})
}

func (s *Server) UpdateGoalProgress(ctx context.Context, req *referralv1.UpdateGoalProgressRequest) (*referralv1.Referral, error) {
	return s.change(ctx, req.GetName(), "", func(r *store.Referral, now time.Time) error {
		if err := working(r); err != nil {
			return err
		}
		for i := range r.Goals {
			if g := &r.Goals[i]; g.ID == req.GetGoalId() {
				g.Percent = req.GetPercent()
				g.Progress = append(g.Progress, store.GoalProgress{Time: now, Percent: req.GetPercent(), Note: req.GetNote()})
				r.Add(store.Entry{Time: now, Actor: actor(ctx), Kind: "GOAL",
					Note: fmt.Sprintf("goal %s at %d%%: %s", g.ID, g.Percent, req.GetNote())})
				return nil
			}
		}
		return apierror.Field("goal_id", "no goal "+req.GetGoalId()+" on this referral")
	})
}

func (s *Server) RecordMeasure(ctx context.Context, req *referralv1.RecordMeasureRequest) (*referralv1.Referral, error) {
	instrument := protoconv.EnumName(req.GetInstrument())
	total, err := domain.Score(instrument, req.GetItems())
	if err != nil {
		var ie *domain.ItemError
		if errors.As(err, &ie) && ie.Index >= 0 {
			return nil, apierror.Field(fmt.Sprintf("items[%d]", ie.Index), err.Error())
		}
		return nil, apierror.Field("items", err.Error())
	}
	timepoint := protoconv.EnumName(req.GetTimepoint())
	return s.change(ctx, req.GetName(), "", func(r *store.Referral, now time.Time) error {
		if err := working(r); err != nil {
			return err
		}
		m := store.Measure{ID: strconv.Itoa(len(r.Measures) + 1), Instrument: instrument, Timepoint: timepoint,
			Items: req.GetItems(), Total: total, RecordTime: now, RecordedBy: actor(ctx)}
		if timepoint == "FOLLOW_UP" {
			for i := len(r.Measures) - 1; i >= 0; i-- {
				if b := r.Measures[i]; b.Instrument == instrument && b.Timepoint == "BASELINE" {
					m.Change = domain.Change(instrument, b.Items, m.Items, b.Total, m.Total)
					break
				}
			}
		}
		r.Measures = append(r.Measures, m)
		note := fmt.Sprintf("%s %s recorded: total %d", instrument, strings.ToLower(timepoint), total)
		if len(m.Change) > 0 {
			note += fmt.Sprintf(", change from baseline %v", m.Change)
		}
		r.Add(store.Entry{Time: now, Actor: actor(ctx), Kind: "MEASURE", Note: note})
		return nil
	})
}
