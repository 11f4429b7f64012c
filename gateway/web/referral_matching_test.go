package web

import (
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
)

func TestMatchRequest(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	ref := &referralv1.Referral{
		Subject: &referralv1.Subject{PreferredLanguage: "fr", AccessibilityNeeds: []string{"step-free access", "a ride from home"}},
		Needs:   []referralv1.Need{referralv1.Need_NEED_FOOD_INSECURITY},
	}
	req := matchRequest(ref, &centre{Latitude: 43.7, Longitude: -79.6}, now)
	if req.GetLanguage() != "fr" {
		t.Errorf("language = %q, want fr", req.GetLanguage())
	}
	if len(req.GetAccessibilityFeatures()) != 1 || req.GetAccessibilityFeatures()[0] != "step-free access" {
		t.Errorf("features = %v, want only the common one", req.GetAccessibilityFeatures())
	}
	if len(req.GetCategories()) != 3 {
		t.Errorf("categories for food insecurity = %v", req.GetCategories())
	}
	if req.GetNear().GetRadiusMeters() != 25000 || req.GetNear().GetLatitude() != 43.7 {
		t.Errorf("near = %v", req.GetNear())
	}
	ref.Needs = append(ref.Needs, referralv1.Need_NEED_LONELINESS)
	if got := matchRequest(ref, nil, now); len(got.GetCategories()) != 0 || got.GetNear() != nil {
		t.Errorf("loneliness is met by any gathering, anywhere without a centre: %v", got)
	}
}

func TestSeatsFirst(t *testing.T) {
	at := func(h int) *timestamppb.Timestamp {
		return timestamppb.New(time.Date(2026, 12, 1, h, 0, 0, 0, time.UTC))
	}
	l := func(name string, seats int32, h int) *eventv1.EventListing {
		return &eventv1.EventListing{Session: &eventv1.Session{Name: name, SeatsLeft: seats, StartTime: at(h)}}
	}
	rs := []*eventv1.EventListing{l("full-soon", 0, 9), l("seats-late", 3, 15), l("seats-soon", 1, 10), l("full-late", 0, 16)}
	seatsFirst(rs)
	want := []string{"seats-soon", "seats-late", "full-soon", "full-late"}
	for i, r := range rs {
		if r.GetSession().GetName() != want[i] {
			t.Fatalf("order[%d] = %s, want %v", i, r.GetSession().GetName(), want)
		}
	}
}
