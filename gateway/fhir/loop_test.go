package fhir_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/metadata"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

// The whole loop through /fhir/r4 with the EMR's client credentials token: the referral goes in
// as a transaction Bundle, its Task follows the link worker's and the performer's changes, the
// attended event appears as the Task's output Procedure, and the UCLA-3 measures as
// Observations; at each step the FHIR view and the gRPC view agree.
func TestClosedLoopThroughFHIR(t *testing.T) {
	s := start(t, 1)
	token := emrToken(t, "")
	emr := s.as(token)
	performer := s.asID(t, performerID)
	grpcCtx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token)
	lw := testenv.As(context.Background(), t, referraltest.LinkWorkerID)
	rc := s.referrals.Client

	sent := emr.do(t, "POST", "/", referralBundle("rx-1001", nil)).must(t, http.StatusOK, "inbound Bundle")
	if getS(sent.body, "type") != "transaction-response" || len(get(sent.body, "entry").([]any)) != 5 {
		t.Fatalf("transaction response: %s", sent.raw)
	}
	task := get(sent.body, "entry.2.resource")
	rid := getS(task, "id")
	if getS(task, "resourceType") != "Task" || getS(task, "status") != "requested" || rid == "" ||
		getS(sent.body, "entry.2.response.location") != "Task/"+rid+"/_history/"+getS(task, "meta.versionId") {
		t.Fatalf("the Task of the response: %s", sent.raw)
	}

	// The same Bundle again returns the first referral with the same ids.
	again := emr.do(t, "POST", "/", referralBundle("rx-1001", nil)).must(t, http.StatusOK, "the same Bundle again")
	for i := range 4 {
		if a, b := getS(sent.body, "entry."+itoa(i)+".response.location"), getS(again.body, "entry."+itoa(i)+".response.location"); a != b {
			t.Fatalf("entry %d: %s the first time, %s the second", i, a, b)
		}
	}
	list, err := rc.ListReferrals(grpcCtx, &referralv1.ListReferralsRequest{})
	if err != nil || list.GetTotalSize() != 1 {
		t.Fatalf("the EMR's referrals over gRPC: %d (%v), want 1", list.GetTotalSize(), err)
	}

	// agree reads the Task over FHIR and the referral over gRPC and checks they say the same.
	agree := func(wantStatus string) (map[string]any, *referralv1.Referral) {
		t.Helper()
		a := emr.do(t, "GET", "/Task/"+rid, "").must(t, http.StatusOK, "read the Task")
		r, err := rc.GetReferral(grpcCtx, &referralv1.GetReferralRequest{Name: "referrals/" + rid})
		if err != nil {
			t.Fatal(err)
		}
		grpcStatus := strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(r.GetStatus().String(), "REFERRAL_STATUS_")), "_", "-")
		if getS(a.body, "status") != wantStatus || grpcStatus != wantStatus {
			t.Fatalf("Task status %q, gRPC %q; want %q", getS(a.body, "status"), grpcStatus, wantStatus)
		}
		if v := getS(a.body, "meta.versionId"); v != r.GetEtag() || a.header.Get("ETag") != `W/"`+v+`"` {
			t.Fatalf("versionId %q, ETag %q; the referral's etag is %q", v, a.header.Get("ETag"), r.GetEtag())
		}
		if last := getS(a.body, "meta.lastUpdated"); !sameTime(last, r.GetUpdateTime().AsTime()) {
			t.Fatalf("lastUpdated %s, the referral's update time %s", last, r.GetUpdateTime().AsTime())
		}
		if getS(a.body, "owner.reference") != "Organization/chc" || getS(a.body, "focus.reference") != "ServiceRequest/"+rid ||
			getS(a.body, "for.reference") != "Patient/"+rid || getS(a.body, "requester.reference") != "Practitioner/dr-ng" {
			t.Fatalf("Task references: %s", a.raw)
		}
		return a.body, r
	}
	_, r := agree("requested")
	if r.GetReceivingOrganization() != referraltest.CHC || r.GetReferringPractitioner() != emrClinician || r.GetSubject().GetFamilyName() != "Okafor" ||
		r.GetWhatMatters() != "Meet people again; I used to love gardening." || len(r.GetNeeds()) != 1 || r.GetConsent() == nil {
		t.Fatalf("the referral the Bundle made: %v", r)
	}

	// The performer cannot skip the link worker's acceptance: an illegal move is 422.
	skip := performer.do(t, "PATCH", "/Task/"+rid, `[{"op": "replace", "path": "/status", "value": "completed"}]`,
		"Content-Type", "application/json-patch+json")
	if code, expr := skip.issue(); skip.status != http.StatusUnprocessableEntity || code != "business-rule" || expr != "Task.status" {
		t.Fatalf("complete a requested Task: %d %s %s: %s", skip.status, code, expr, skip.raw)
	}

	// The link worker accepts over gRPC; the performer's system starts it over FHIR.
	if _, err := rc.AcceptReferral(lw, &referralv1.AcceptReferralRequest{Name: "referrals/" + rid, Assignee: referraltest.LinkWorker}); err != nil {
		t.Fatal(err)
	}
	accepted, _ := agree("accepted")
	stale := performer.do(t, "PATCH", "/Task/"+rid, `[{"op": "replace", "path": "/status", "value": "in-progress"}]`,
		"Content-Type", "application/json-patch+json", "If-Match", `W/"`+getS(task, "meta.versionId")+`"`)
	if code, _ := stale.issue(); stale.status != http.StatusPreconditionFailed || code != "conflict" {
		t.Fatalf("start with a stale If-Match: %d %s", stale.status, stale.raw)
	}
	started := performer.do(t, "PATCH", "/Task/"+rid, `[{"op": "replace", "path": "/status", "value": "in-progress"}]`,
		"Content-Type", "application/json-patch+json", "If-Match", `W/"`+getS(accepted, "meta.versionId")+`"`).must(t, http.StatusOK, "start")
	if getS(started.body, "status") != "in-progress" {
		t.Fatalf("started: %s", started.raw)
	}
	agree("in-progress")

	// The link worker sets a goal, measures the baseline and books the event; the person
	// attends.
	mustRPC(t, func() error {
		_, err := rc.AddGoal(lw, &referralv1.AddGoalRequest{Name: "referrals/" + rid, Description: "Join a group once a week."})
		return err
	})
	mustRPC(t, func() error {
		_, err := rc.RecordMeasure(lw, &referralv1.RecordMeasureRequest{Name: "referrals/" + rid, Instrument: referralv1.Instrument_INSTRUMENT_UCLA3,
			Timepoint: referralv1.Timepoint_TIMEPOINT_BASELINE, Items: []int32{3, 3, 2}})
		return err
	})
	booked, err := rc.BookEvent(lw, &referralv1.BookEventRequest{Name: "referrals/" + rid, Session: s.session})
	if err != nil || len(booked.GetBookings()) != 1 {
		t.Fatalf("book: %v %v", booked, err)
	}
	host := testenv.As(context.Background(), t, referraltest.HostID)
	if _, err := s.events.Client.CheckInRegistration(host, &eventv1.CheckInRegistrationRequest{Name: booked.GetBookings()[0].GetRegistration()}); err != nil {
		t.Fatal(err)
	}
	if !testenv.Poll(20*time.Second, func() bool {
		r, err := rc.GetReferral(grpcCtx, &referralv1.GetReferralRequest{Name: "referrals/" + rid})
		return err == nil && len(r.GetBookings()) == 1 && r.GetBookings()[0].GetState() == "ATTENDED"
	}) {
		t.Fatal("the referral never learnt of the attendance")
	}
	attendedTask, _ := agree("in-progress")
	if getS(attendedTask, "businessStatus.coding.0.code") != "event-attended" {
		t.Fatalf("business status: %v", attendedTask["businessStatus"])
	}
	procRef := getS(attendedTask, "output.0.valueReference.reference")
	if procRef != "Procedure/"+rid+".b1" {
		t.Fatalf("Task.output: %v", attendedTask["output"])
	}
	proc := emr.do(t, "GET", "/"+procRef, "").must(t, http.StatusOK, "read the Procedure")
	if getS(proc.body, "status") != "completed" || getS(proc.body, "code.coding.0.code") != "storytelling-circle" ||
		getS(proc.body, "subject.reference") != "Patient/"+rid || getS(proc.body, "performedPeriod.start") == "" {
		t.Fatalf("Procedure: %s", proc.raw)
	}

	// The follow-up, and the performer closes the referral.
	mustRPC(t, func() error {
		_, err := rc.RecordMeasure(lw, &referralv1.RecordMeasureRequest{Name: "referrals/" + rid, Instrument: referralv1.Instrument_INSTRUMENT_UCLA3,
			Timepoint: referralv1.Timepoint_TIMEPOINT_FOLLOW_UP, Items: []int32{1, 2, 1}})
		return err
	})
	done := performer.do(t, "PUT", "/Task/"+rid, strings.Replace(string(emr.do(t, "GET", "/Task/"+rid, "").raw),
		`"status":"in-progress"`, `"status":"completed","statusReason":{"text":"Goes to the circle every week."}`, 1)).must(t, http.StatusOK, "complete with PUT")
	if getS(done.body, "status") != "completed" || getS(done.body, "statusReason.text") != "Goes to the circle every week." {
		t.Fatalf("completed: %s", done.raw)
	}
	_, closed := agree("completed")

	// The UCLA-3 measures as Observations: an item per component, the total as the value.
	for i, want := range []struct {
		timepoint string
		items     []float64
		total     float64
	}{{"baseline", []float64{3, 3, 2}, 8}, {"follow-up", []float64{1, 2, 1}, 4}} {
		m := closed.GetMeasures()[i]
		o := emr.do(t, "GET", "/Observation/"+rid+"."+m.GetId(), "").must(t, http.StatusOK, "read an Observation")
		if getS(o.body, "code.coding.0.system") != "http://loinc.org" || getS(o.body, "code.coding.0.code") != "106418-7" ||
			getS(o.body, "category.1.coding.0.code") != want.timepoint || get(o.body, "valueInteger") != want.total ||
			getS(o.body, "subject.reference") != "Patient/"+rid {
			t.Fatalf("Observation %d: %s", i, o.raw)
		}
		comps := get(o.body, "component").([]any)
		if len(comps) != 4 || get(comps[3], "valueInteger") != want.total || getS(comps[3], "code.coding.0.code") != "ucla3-total" {
			t.Fatalf("Observation %d components: %s", i, o.raw)
		}
		for j, v := range want.items {
			if get(comps[j], "valueInteger") != v {
				t.Fatalf("Observation %d item %d: %v, want %v", i, j+1, get(comps[j], "valueInteger"), v)
			}
		}
	}
	sr := emr.do(t, "GET", "/ServiceRequest/"+rid, "").must(t, http.StatusOK, "read the ServiceRequest")
	if getS(sr.body, "status") != "completed" || getS(sr.body, "reasonCode.0.coding.0.code") != "loneliness" ||
		getS(sr.body, "supportingInfo.0.reference") != "Consent/"+rid {
		t.Fatalf("ServiceRequest: %s", sr.raw)
	}
	consent := emr.do(t, "GET", "/Consent/"+rid, "").must(t, http.StatusOK, "read the Consent")
	if getS(consent.body, "status") != "active" || getS(consent.body, "provision.action.0.coding.0.code") != "share-with-link-worker" {
		t.Fatalf("Consent: %s", consent.raw)
	}
	goal := emr.do(t, "GET", "/Goal/"+rid+"."+closed.GetGoals()[0].GetId(), "").must(t, http.StatusOK, "read the Goal")
	if getS(goal.body, "achievementStatus.coding.0.code") != "in-progress" || getS(goal.body, "description.text") != "Join a group once a week." {
		t.Fatalf("Goal: %s", goal.raw)
	}
	patient := emr.do(t, "GET", "/Patient/"+rid, "").must(t, http.StatusOK, "read the Patient")
	if getS(patient.body, "name.0.family") != "Okafor" || getS(patient.body, "birthDate") != "1948-03-14" {
		t.Fatalf("Patient: %s", patient.raw)
	}
	// vread of the current version, and of an older one.
	emr.do(t, "GET", "/Task/"+rid+"/_history/"+closed.GetEtag(), "").must(t, http.StatusOK, "vread the current version")
	if old := emr.do(t, "GET", "/Task/"+rid+"/_history/"+getS(task, "meta.versionId"), ""); old.status != http.StatusNotFound {
		t.Fatalf("vread of an old version: %d", old.status)
	}
	// The search the referrer runs, with the ServiceRequests included.
	found := emr.do(t, "GET", "/Task?owner=Organization/chc&status=completed&_include=Task:focus", "").must(t, http.StatusOK, "search")
	if getS(found.body, "type") != "searchset" || len(get(found.body, "entry").([]any)) != 2 ||
		getS(found.body, "entry.0.resource.id") != rid || getS(found.body, "entry.1.resource.resourceType") != "ServiceRequest" ||
		getS(found.body, "entry.1.search.mode") != "include" {
		t.Fatalf("search: %s", found.raw)
	}
}

func mustRPC(t *testing.T, f func() error) {
	t.Helper()
	if err := f(); err != nil {
		t.Fatal(err)
	}
}

func itoa(i int) string { return string(rune('0' + i)) }

// sameTime reports whether a FHIR instant is t, to the millisecond.
func sameTime(instant string, t time.Time) bool {
	got, err := time.Parse(time.RFC3339Nano, instant)
	return err == nil && got.Truncate(time.Millisecond).Equal(t.Truncate(time.Millisecond))
}
