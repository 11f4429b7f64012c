package web

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"
	"google.golang.org/protobuf/types/known/timestamppb"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
)

func TestSortByUrgencyAndAge(t *testing.T) {
	day := func(d int) *timestamppb.Timestamp {
		return timestamppb.New(time.Date(2026, 11, d, 9, 0, 0, 0, time.UTC))
	}
	ref := func(name string, p referralv1.Priority, created int) *referralv1.Referral {
		return &referralv1.Referral{Name: name, Priority: p, CreateTime: day(created)}
	}
	refs := []*referralv1.Referral{
		ref("routine-new", referralv1.Priority_PRIORITY_ROUTINE, 20),
		ref("unset-old", referralv1.Priority_PRIORITY_UNSPECIFIED, 2),
		ref("urgent-new", referralv1.Priority_PRIORITY_URGENT, 21),
		ref("asap", referralv1.Priority_PRIORITY_ASAP, 22),
		ref("urgent-old", referralv1.Priority_PRIORITY_URGENT, 3),
	}
	sortByUrgencyAndAge(refs)
	want := []string{"asap", "urgent-old", "urgent-new", "unset-old", "routine-new"}
	for i, r := range refs {
		if r.GetName() != want[i] {
			t.Fatalf("order[%d] = %s; want %v", i, r.GetName(), want)
		}
	}
}

// Every status, business status, need, priority and timeline kind the referral service can send
// has words on the pages, in both languages.
func TestReferralEnumsHaveMessages(t *testing.T) {
	tr, err := newTranslations()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for i := int32(1); i < int32(len(referralv1.ReferralStatus_name)); i++ {
		keys = append(keys, "referral.status."+shortStatus(referralv1.ReferralStatus(i)))
	}
	for i := int32(1); i < int32(len(referralv1.BusinessStatus_name)); i++ {
		keys = append(keys, "referral.business."+shortBusiness(referralv1.BusinessStatus(i)))
	}
	for i := int32(1); i < int32(len(referralv1.Need_name)); i++ {
		keys = append(keys, "need."+strings.TrimPrefix(referralv1.Need(i).String(), "NEED_"))
	}
	for i := int32(0); i < int32(len(referralv1.Priority_name)); i++ {
		keys = append(keys, "priority."+shortPriority(referralv1.Priority(i)))
	}
	for i := int32(1); i < int32(len(referralv1.TimelineKind_name)); i++ {
		keys = append(keys, "timeline.kind."+strings.TrimPrefix(referralv1.TimelineKind(i).String(), "TIMELINE_KIND_"))
	}
	for _, q := range questionnaires {
		keys = append(keys, "measure."+q.Key+".name", "measure."+q.Key+".intro")
		for _, n := range q.ItemNumbers() {
			keys = append(keys, "measure."+q.Key+".item."+strconv.Itoa(n))
		}
		for _, v := range q.Answers() {
			keys = append(keys, "measure."+q.Key+".answer."+strconv.Itoa(v))
		}
	}
	for _, s := range []string{"CONFIRMED", "WAITLISTED", "CANCELLED", "ATTENDED", "NO_SHOW"} {
		keys = append(keys, "booking.state."+s)
	}
	for _, k := range keys {
		if !tr.keys[k] {
			t.Errorf("no message %q", k)
		}
	}
}

// A referral names its person, or says the details were not shared when the referral service
// withheld the name from the reader (no consent), in both languages; every reason the services
// refuse with has its words.
func TestReferralPersonNameAndRefusalWords(t *testing.T) {
	tr, err := newTranslations()
	if err != nil {
		t.Fatal(err)
	}
	en, fr := tr.localizer(language.English), tr.localizer(language.French)
	named := &referralv1.Subject{GivenName: "Grace", FamilyName: "Mensah"}
	for _, c := range []struct {
		l    *localizer
		s    *referralv1.Subject
		want string
	}{
		{en, named, "Grace Mensah"},
		{en, &referralv1.Subject{}, "Details not shared (no consent)"},
		{fr, &referralv1.Subject{}, "Coordonnées non communiquées (sans consentement)"},
		{fr, nil, "Coordonnées non communiquées (sans consentement)"},
	} {
		if got := personName(c.l, c.s); got != c.want {
			t.Errorf("personName(%v) = %q; want %q", c.s, got, c.want)
		}
	}
	if got := shortRef("referrals/41da6a78-9c0e-4c1e-bd54-3f0f5b3a6f10"); got != "41da6a78" {
		t.Errorf("shortRef = %q; want 41da6a78", got)
	}
	for _, reason := range []string{"EVENT_STATE", "SESSION_CANCELLED", "SESSION_STARTED", "SESSION_NOT_ENDED",
		"REGISTRATION_NOT_OPEN", "REGISTRATION_CLOSED", "REGISTRATION_STATE", "CHECK_IN_WINDOW",
		"CAPACITY_BELOW_CONFIRMED", "NO_SESSIONS", "REFERRAL_STATUS", "CONSENT_REQUIRED", "ALREADY_EXISTS",
		"STILL_REFERENCED", "START_TIME_PASSED"} {
		if !tr.keys["error.reason."+reason] {
			t.Errorf("no words for the refusal %s", reason)
		}
	}
}
