package server

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/aip/pagination"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/referral/internal/domain"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

// Consent.

func (s *Server) RecordConsent(ctx context.Context, req *referralv1.RecordConsentRequest) (*referralv1.Referral, error) {
	c := req.GetConsent()
	if c.GetGrantTime().AsTime().After(s.now().Add(5 * time.Minute)) {
		return nil, apierror.Field("consent.grant_time", "must not be in the future")
	}
	return s.change(ctx, req.GetName(), req.GetEtag(), func(r *store.Referral, now time.Time) error {
		if domain.Terminal(r.Status) {
			return apierror.FailedPrecondition(ReasonReferralStatus, "referrals/"+r.ID+" is "+r.Status, map[string]string{"status": r.Status})
		}
		r.Consent = &store.Consent{GrantedBy: c.GetGrantedBy(), GrantTime: c.GetGrantTime().AsTime(), Scope: c.GetScope()}
		r.Add(store.Entry{Time: now, Actor: actor(ctx), Kind: "CONSENT", Note: "consent granted by " + c.GetGrantedBy() + " for " + strings.Join(c.GetScope(), ", ")})
		return nil
	})
}

func (s *Server) WithdrawConsent(ctx context.Context, req *referralv1.WithdrawConsentRequest) (*referralv1.Referral, error) {
	return s.change(ctx, req.GetName(), req.GetEtag(), func(r *store.Referral, now time.Time) error {
		if r.Consent == nil || r.Consent.Withdrawn {
			return apierror.FailedPrecondition(ReasonConsentMissing, "there is no consent to withdraw", nil)
		}
		t := now
		r.Consent.Withdrawn, r.Consent.WithdrawTime = true, &t
		r.Add(store.Entry{Time: now, Actor: actor(ctx), Kind: "CONSENT", Note: "consent withdrawn", Reason: req.GetReason()})
		if r.Status == domain.Requested {
			return move(r, "cancel", "consent withdrawn", actor(ctx), now)
		}
		return nil
	})
}

// Lifecycle.

func (s *Server) transition(ctx context.Context, name, method, reason, etag string, extra func(r *store.Referral) error) (*referralv1.Referral, error) {
	return s.change(ctx, name, etag, func(r *store.Referral, now time.Time) error {
		if !domain.Allowed(method, r.Status) {
			return notAllowed(method, r)
		}
		if extra != nil {
			if err := extra(r); err != nil {
				return err
			}
		}
		return move(r, method, reason, actor(ctx), now)
	})
}

func (s *Server) SubmitReferral(ctx context.Context, req *referralv1.SubmitReferralRequest) (*referralv1.Referral, error) {
	return s.transition(ctx, req.GetName(), "submit", "", req.GetEtag(), func(r *store.Referral) error {
		if r.Consent == nil || r.Consent.Withdrawn {
			return apierror.FailedPrecondition(ReasonConsentMissing,
				"record the person's consent to share their details before submitting (consent is missing or withdrawn)",
				map[string]string{"field": "consent"})
		}
		return nil
	})
}

func (s *Server) AcceptReferral(ctx context.Context, req *referralv1.AcceptReferralRequest) (*referralv1.Referral, error) {
	dctx, cancel := context.WithTimeout(ctx, s.timeout)
	p, err := s.directory.GetPractitioner(dctx, &directoryv1.GetPractitionerRequest{Name: req.GetAssignee()})
	cancel()
	if err != nil {
		return nil, apierror.Lookup(err, "assignee", req.GetAssignee(), "directory")
	}
	if p.GetRole() != directoryv1.PractitionerRole_PRACTITIONER_ROLE_LINK_WORKER {
		return nil, apierror.Field("assignee", req.GetAssignee()+" is not a link worker")
	}
	return s.transition(ctx, req.GetName(), "accept", "", req.GetEtag(), func(r *store.Referral) error {
		if p.GetOrganization() != r.ReceivingOrganization {
			return apierror.Field("assignee", req.GetAssignee()+" does not work for the receiving organisation "+r.ReceivingOrganization)
		}
		r.Assignee = req.GetAssignee()
		return nil
	})
}

func (s *Server) RejectReferral(ctx context.Context, req *referralv1.RejectReferralRequest) (*referralv1.Referral, error) {
	return s.transition(ctx, req.GetName(), "reject", req.GetReason(), req.GetEtag(), nil)
}

func (s *Server) StartReferral(ctx context.Context, req *referralv1.StartReferralRequest) (*referralv1.Referral, error) {
	return s.transition(ctx, req.GetName(), "start", "", req.GetEtag(), nil)
}

func (s *Server) HoldReferral(ctx context.Context, req *referralv1.HoldReferralRequest) (*referralv1.Referral, error) {
	return s.transition(ctx, req.GetName(), "hold", req.GetReason(), req.GetEtag(), nil)
}

func (s *Server) ResumeReferral(ctx context.Context, req *referralv1.ResumeReferralRequest) (*referralv1.Referral, error) {
	return s.transition(ctx, req.GetName(), "resume", "", req.GetEtag(), nil)
}

func (s *Server) CompleteReferral(ctx context.Context, req *referralv1.CompleteReferralRequest) (*referralv1.Referral, error) {
	return s.transition(ctx, req.GetName(), "complete", req.GetNote(), req.GetEtag(), nil)
}

func (s *Server) FailReferral(ctx context.Context, req *referralv1.FailReferralRequest) (*referralv1.Referral, error) {
	return s.transition(ctx, req.GetName(), "fail", req.GetReason(), req.GetEtag(), nil)
}

func (s *Server) MarkReferralEnteredInError(ctx context.Context, req *referralv1.MarkReferralEnteredInErrorRequest) (*referralv1.Referral, error) {
	return s.transition(ctx, req.GetName(), "markEnteredInError", req.GetReason(), req.GetEtag(), nil)
}

// CancelReferral cancels the person's open event registrations first, so that a referral is
// never cancelled while it still holds seats; if the event service cannot be reached nothing
// changes and the caller retries.
func (s *Server) CancelReferral(ctx context.Context, req *referralv1.CancelReferralRequest) (*referralv1.Referral, error) {
	r, err := s.st.Referrals.Get(ctx, idOf(req.GetName()))
	if err != nil {
		return nil, s.fail(ctx, err, req.GetName())
	}
	if !domain.Allowed("cancel", r.Status) {
		return nil, notAllowed("cancel", r)
	}
	cancelled := map[string]bool{}
	for _, b := range r.Bookings {
		if b.State != "CONFIRMED" && b.State != "WAITLISTED" {
			continue
		}
		ectx, cancel := context.WithTimeout(ctx, s.timeout)
		_, err := s.events.CancelRegistration(ectx, &eventv1.CancelRegistrationRequest{Name: b.Registration, Reason: "referral cancelled"})
		cancel()
		if err != nil && status.Code(err) != codes.NotFound {
			return nil, eventError(err)
		}
		cancelled[b.Registration] = true
	}
	return s.transition(ctx, req.GetName(), "cancel", req.GetReason(), req.GetEtag(), func(r *store.Referral) error {
		for i := range r.Bookings {
			if cancelled[r.Bookings[i].Registration] {
				r.Bookings[i].State, r.Bookings[i].UpdateTime = "CANCELLED", s.now().UTC()
			}
		}
		return nil
	})
}

func eventError(err error) error {
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled:
		return apierror.New(codes.Unavailable, apierror.ReasonUnavailable,
			"the event service did not answer; nothing was changed, retry later", nil)
	}
	return err
}

// Timeline.

func (s *Server) AddTimelineNote(ctx context.Context, req *referralv1.AddTimelineNoteRequest) (*referralv1.Referral, error) {
	return s.change(ctx, req.GetName(), "", func(r *store.Referral, now time.Time) error {
		if domain.Terminal(r.Status) {
			return apierror.FailedPrecondition(ReasonReferralStatus, "referrals/"+r.ID+" is "+r.Status, map[string]string{"status": r.Status})
		}
		kind := strings.TrimPrefix(req.GetKind().String(), "TIMELINE_KIND_")
		e := store.Entry{Time: now, Actor: actor(ctx), Kind: kind, Note: req.GetNote()}
		if req.GetKind() == referralv1.TimelineKind_TIMELINE_KIND_CONTACT_ATTEMPT {
			if req.GetReached() {
				r.BusinessStatus = "CONTACTED"
				e.Reason = "reached"
			} else {
				e.Reason = "not reached"
			}
			e.BusinessStatus = r.BusinessStatus
		}
		if t := req.GetFollowUpTime(); t != nil {
			v := t.AsTime()
			r.FollowUpTime = &v
		}
		r.Add(e)
		return nil
	})
}

func (s *Server) ListTimeline(ctx context.Context, req *referralv1.ListTimelineRequest) (*referralv1.ListTimelineResponse, error) {
	if _, err := pagination.Decode(req.GetPageToken(), req); err != nil {
		return nil, err // before any read, so a bad token costs nothing
	}
	r, err := s.st.Referrals.Get(ctx, idOf(req.GetName()))
	if err != nil {
		return nil, s.fail(ctx, err, req.GetName())
	}
	s.audit(ctx, "timeline", req.GetName())
	entries, next, err := pagination.Offset(req, req.GetPageSize(), req.GetPageToken(), 0, r.Timeline)
	if err != nil {
		return nil, err
	}
	resp := &referralv1.ListTimelineResponse{TotalSize: int32(len(r.Timeline)), NextPageToken: next}
	for _, e := range entries {
		resp.Entries = append(resp.Entries, entryToProto(e))
	}
	return resp, nil
}

// Goals and measures: recorded while the referral is being worked on.

func working(r *store.Referral) error {
	switch r.Status {
	case domain.Accepted, domain.InProgress, domain.OnHold:
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
	instrument := strings.TrimPrefix(req.GetInstrument().String(), "INSTRUMENT_")
	total, err := domain.Score(instrument, req.GetItems())
	if err != nil {
		var ie *domain.ItemError
		if errors.As(err, &ie) && ie.Index >= 0 {
			return nil, apierror.Field(fmt.Sprintf("items[%d]", ie.Index), err.Error())
		}
		return nil, apierror.Field("items", err.Error())
	}
	timepoint := strings.TrimPrefix(req.GetTimepoint().String(), "TIMEPOINT_")
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

// Booking.

// BookEvent registers the person at the event service with a request id derived from the
// referral and the session, so a retry after a timeout returns the first registration instead
// of making a second; then records the booking.
func (s *Server) BookEvent(ctx context.Context, req *referralv1.BookEventRequest) (*referralv1.Referral, error) {
	r, err := s.st.Referrals.Get(ctx, idOf(req.GetName()))
	if err != nil {
		return nil, s.fail(ctx, err, req.GetName())
	}
	if r.Status != domain.InProgress {
		return nil, apierror.FailedPrecondition(ReasonReferralStatus,
			fmt.Sprintf("referrals/%s is %s; events are booked while it is IN_PROGRESS", r.ID, r.Status), map[string]string{"status": r.Status})
	}
	if r.Consent == nil || r.Consent.Withdrawn {
		return nil, apierror.FailedPrecondition(ReasonConsentMissing, "the person's consent is missing or withdrawn", map[string]string{"field": "consent"})
	}
	requestID := "referral-" + uuid.NewSHA1(requestIDNamespace, []byte(r.ID+"|"+req.GetSession())).String()
	ectx, cancel := context.WithTimeout(ctx, s.timeout)
	reg, err := s.events.CreateRegistration(ectx, &eventv1.CreateRegistrationRequest{
		Parent:    req.GetSession(),
		RequestId: requestID,
		Registration: &eventv1.Registration{
			Person: &eventv1.Person{GivenName: r.Subject.GivenName, FamilyName: r.Subject.FamilyName,
				Email: r.Subject.Email, Phone: r.Subject.Phone},
			Needs:    r.Subject.AccessibilityNeeds,
			Referral: "referrals/" + r.ID,
		},
	})
	cancel()
	if err != nil {
		if status.Code(err) == codes.InvalidArgument {
			return nil, apierror.Field("session", status.Convert(err).Message())
		}
		return nil, eventError(err)
	}
	state := strings.TrimPrefix(reg.GetState().String(), "REGISTRATION_STATE_")
	return s.change(ctx, req.GetName(), "", func(r *store.Referral, now time.Time) error {
		for _, b := range r.Bookings {
			if b.Registration == reg.GetName() {
				return nil // already recorded by an earlier try
			}
		}
		r.Bookings = append(r.Bookings, store.Booking{Session: req.GetSession(), Registration: reg.GetName(), State: state, CreateTime: now, UpdateTime: now})
		r.BusinessStatus = "EVENT_BOOKED"
		note := "booked at " + req.GetSession()
		if state == "WAITLISTED" {
			r.BusinessStatus = "WAITLISTED"
			note = fmt.Sprintf("waitlisted at %s, position %d", req.GetSession(), reg.GetWaitlistPosition())
		}
		r.Add(store.Entry{Time: now, Actor: actor(ctx), Kind: "BOOKING", BusinessStatus: r.BusinessStatus, Note: note})
		return nil
	})
}

// Watch.

// WatchReferrals streams status changes of one referring organisation's referrals from the
// change feed; each carries its feed position as the resume token.
func (s *Server) WatchReferrals(req *referralv1.WatchReferralsRequest, stream referralv1.ReferralService_WatchReferralsServer) error {
	ctx := stream.Context()
	var after int64
	if req.GetAfter() != "" {
		after, _ = strconv.ParseInt(req.GetAfter(), 10, 64)
	}
	for {
		entries, err := s.st.Feed.Read(ctx, after, 100)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return s.fail(ctx, err, "referrals")
		}
		for _, e := range entries {
			after = e.Seq
			var r store.Referral
			if err := bson.Unmarshal(e.Data, &r); err != nil {
				return s.fail(ctx, err, "referrals")
			}
			if r.ReferringOrganization != req.GetReferringOrganization() || !r.StatusChanged {
				continue
			}
			if err := stream.Send(&referralv1.ReferralChange{
				Token: strconv.FormatInt(e.Seq, 10), Referral: "referrals/" + r.ID,
				Status: statusOf(r.Status), BusinessStatus: businessStatus(r.BusinessStatus),
				Time: timestamppb.New(e.Time), Etag: r.Etag(),
			}); err != nil {
				return err
			}
		}
		if len(entries) == 100 {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(s.poll):
		}
	}
}
