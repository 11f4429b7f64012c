package referral_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/audit"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/headers"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

// The demo person of these tests, whose details must never reach a log.
const (
	personGiven  = "Margaret"
	personFamily = "Okafor"
	personBirth  = "1948-03-14"
	personEmail  = "margaret@example.org"
	personPhone  = "+1 416 555 0199"
)

// withRequestID adds an AIP-155-style request id to ctx, which audit records carry.
func withRequestID(ctx context.Context, id string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, headers.RequestID, id)
}

// flow runs the closed loop over gRPC, every step as the person it is for, with a request id
// per step ("flow-<step>"), and returns the referral's name.
func (w *world) flow(t *testing.T) string {
	t.Helper()
	ctx, c := ctxT(t), w.rc()
	step := func(what string, f func(ctx context.Context) error) {
		t.Helper()
		if err := f(withRequestID(ctx, "flow-"+what)); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	d := referraltest.Draft(true)
	d.Subject.Phone = personPhone
	var name string
	step("create", func(ctx context.Context) error {
		r, err := c.CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: d})
		name = r.GetName()
		return err
	})
	step("submit", func(ctx context.Context) error {
		_, err := c.SubmitReferral(ctx, &referralv1.SubmitReferralRequest{Name: name})
		return err
	})
	step("worklist", func(ctx context.Context) error {
		_, err := c.ListReferrals(lw(ctx), &referralv1.ListReferralsRequest{Filter: `status = REQUESTED`})
		return err
	})
	step("get", func(ctx context.Context) error {
		_, err := c.GetReferral(lw(ctx), &referralv1.GetReferralRequest{Name: name})
		return err
	})
	step("accept", func(ctx context.Context) error {
		_, err := c.AcceptReferral(lw(ctx), &referralv1.AcceptReferralRequest{Name: name, Assignee: linkWorker})
		return err
	})
	step("start", func(ctx context.Context) error {
		_, err := c.StartReferral(lw(ctx), &referralv1.StartReferralRequest{Name: name})
		return err
	})
	step("update", func(ctx context.Context) error {
		_, err := c.UpdateReferral(lw(ctx), &referralv1.UpdateReferralRequest{
			Referral:   &referralv1.Referral{Name: name, WhatMatters: "Painting with others."},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"what_matters"}}})
		return err
	})
	step("book", func(ctx context.Context) error {
		_, err := c.BookEvent(lw(ctx), &referralv1.BookEventRequest{Name: name, Session: w.session})
		return err
	})
	step("search", func(ctx context.Context) error {
		got, err := c.SearchReferrals(ctx, &referralv1.SearchReferralsRequest{Person: &referralv1.PersonQuery{
			GivenName: strings.ToUpper(personGiven), FamilyName: personFamily, DateOfBirth: personBirth}})
		if err == nil && got.GetTotalSize() != 1 {
			t.Fatalf("search found %d referrals, want 1", got.GetTotalSize())
		}
		return err
	})
	step("timeline", func(ctx context.Context) error {
		_, err := c.ListTimeline(ctx, &referralv1.ListTimelineRequest{Name: name})
		return err
	})
	// A refused read of another organisation's clinician is audited too.
	_, err := c.GetReferral(as(withRequestID(ctx, "flow-snoop"), matrixCallers[2].id), &referralv1.GetReferralRequest{Name: name})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("snoop: %v", err)
	}
	return name
}

// Every read, list hit, search hit and change of the referral in the closed loop has its audit
// record in the referral database, naming who (subject, organisation, role), what, the
// outcome, the request id and the client address; the booking's contact details are audited in
// the event database; a privacy officer finds them by person, by user and by time, and that
// query is audited too.
func TestAuditOfTheFullFlow(t *testing.T) {
	w := newWorld(t, 1, 10)
	begin := time.Now().Add(-time.Second)
	name := w.flow(t)
	recs := testenv.Find[audit.Record](t, w.refDB, "audit", bson.D{{Key: "resource", Value: name}})
	type key struct{ method, actor, action, outcome string }
	byRequest := map[string]key{}
	ids := map[string]bool{}
	for _, r := range recs {
		if ids[r.ID] {
			t.Fatalf("two records with _id %s", r.ID)
		}
		ids[r.ID] = true
		if r.ClientAddress != "127.0.0.1" || r.Time.Before(begin) || r.Purpose == "" {
			t.Fatalf("record without client address, time or purpose: %+v", r)
		}
		if r.RequestID != "" {
			byRequest[r.RequestID] = key{r.Method, r.Actor, r.Action, r.Outcome}
		}
	}
	want := map[string]key{
		"flow-create":   {"CreateReferral", clinician, audit.ActionCreate, "OK"},
		"flow-submit":   {"SubmitReferral", clinician, audit.ActionChange, "OK"},
		"flow-worklist": {"ListReferrals", linkWorker, audit.ActionList, "OK"},
		"flow-get":      {"GetReferral", linkWorker, audit.ActionRead, "OK"},
		"flow-accept":   {"AcceptReferral", linkWorker, audit.ActionChange, "OK"},
		"flow-start":    {"StartReferral", linkWorker, audit.ActionChange, "OK"},
		"flow-update":   {"UpdateReferral", linkWorker, audit.ActionChange, "OK"},
		"flow-book":     {"BookEvent", linkWorker, audit.ActionChange, "OK"},
		"flow-search":   {"SearchReferrals", clinician, audit.ActionSearch, "OK"},
		"flow-timeline": {"ListTimeline", clinician, audit.ActionRead, "OK"},
		"flow-snoop":    {"GetReferral", "practitioners/dr-x", audit.ActionRead, "NotFound"},
	}
	for rid, k := range want {
		if got, ok := byRequest[rid]; !ok || got != k {
			t.Errorf("audit of %s: %+v (present %v), want %+v", rid, got, ok, k)
		}
	}
	for _, r := range recs {
		if r.RequestID == "flow-get" && (r.Organization != chc || r.Role != "link_worker") {
			t.Errorf("record does not name the organisation and role: %+v", r)
		}
	}

	// The registrant's contact details went to the event service; it audits them there.
	ref, err := w.rc().GetReferral(ctxT(t), &referralv1.GetReferralRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	reg := ref.GetBookings()[0].GetRegistration()
	evRecs := testenv.Find[audit.Record](t, w.eventDB, "audit", bson.D{{Key: "resource", Value: reg}})
	if len(evRecs) != 1 || evRecs[0].Actor != "services/referral" || evRecs[0].Action != audit.ActionCreate || evRecs[0].Role != "service" {
		t.Fatalf("event service audit of %s: %+v", reg, evRecs)
	}
	// The host's list shows no contact details, and its read of them is not needed to audit;
	// the referral service's read is.
	if _, err := w.events.Client.ListRegistrations(host(ctxT(t)), &eventv1.ListRegistrationsRequest{Parent: w.session}); err != nil {
		t.Fatal(err)
	}

	// The privacy officer's questions.
	po := as(ctxT(t), privacyID)
	byPerson, err := w.rc().SearchAuditRecords(po, &referralv1.SearchAuditRecordsRequest{PageSize: 1000,
		Person: &referralv1.PersonQuery{GivenName: personGiven, FamilyName: personFamily, DateOfBirth: personBirth}})
	if err != nil {
		t.Fatal(err)
	}
	// Every record of the person's referral, the query's own record included.
	all := testenv.Find[audit.Record](t, w.refDB, "audit", bson.D{{Key: "resource", Value: name}})
	if int(byPerson.GetTotalSize()) != len(all) || len(all) < len(recs)+2 {
		t.Fatalf("by person: %d records, want the %d of %s", byPerson.GetTotalSize(), len(all), name)
	}
	byUser, err := w.rc().SearchAuditRecords(po, &referralv1.SearchAuditRecordsRequest{PageSize: 1000, Actor: linkWorker})
	if err != nil {
		t.Fatal(err)
	}
	if byUser.GetTotalSize() == 0 {
		t.Fatal("by user: no records of the link worker")
	}
	for _, r := range byUser.GetAuditRecords() {
		if r.GetActor() != linkWorker {
			t.Fatalf("by user: a record of %s", r.GetActor())
		}
	}
	later, err := w.rc().SearchAuditRecords(po, &referralv1.SearchAuditRecordsRequest{Actor: linkWorker,
		StartTime: timestamppb.New(time.Now().Add(time.Hour))})
	if err != nil || later.GetTotalSize() != 0 {
		t.Fatalf("by time: %v %v, want none after now", later, err)
	}
	window, err := w.rc().SearchAuditRecords(po, &referralv1.SearchAuditRecordsRequest{Actor: linkWorker, PageSize: 1000,
		StartTime: timestamppb.New(begin), EndTime: timestamppb.New(time.Now().Add(time.Minute))})
	if err != nil || window.GetTotalSize() != byUser.GetTotalSize() {
		t.Fatalf("by time window: %d, want %d (%v)", window.GetTotalSize(), byUser.GetTotalSize(), err)
	}
	queries := testenv.Find[audit.Record](t, w.refDB, "audit", bson.D{{Key: "action", Value: audit.ActionQuery}, {Key: "actor", Value: privacyID.Subject}})
	if len(queries) < 4 {
		t.Fatalf("%d audit records of the privacy officer's queries, want one per query at least", len(queries))
	}

	// Another organisation's privacy officer learns nothing of this patient, this referral or
	// these staff; the network's privacy officer sees them all. Their questions are audited too.
	elsewhere := as(ctxT(t), auth.Identity{Subject: "practitioners/privacy-x", Organization: "organizations/elsewhere", Roles: []string{auth.RolePrivacyOfficer}})
	network := as(ctxT(t), auth.Identity{Subject: "practitioners/alliance-privacy", Roles: []string{auth.RoleNetworkPrivacyOfficer}})
	person := &referralv1.PersonQuery{GivenName: personGiven, FamilyName: personFamily, DateOfBirth: personBirth}
	for what, req := range map[string]*referralv1.SearchAuditRecordsRequest{
		"by person":   {PageSize: 1000, Person: person},
		"by referral": {PageSize: 1000, Referral: name},
		"by user":     {PageSize: 1000, Actor: linkWorker},
		"everything":  {PageSize: 1000},
	} {
		got, err := w.rc().SearchAuditRecords(elsewhere, req)
		if err != nil {
			t.Fatalf("another organisation's officer, %s: %v", what, err)
		}
		for _, r := range got.GetAuditRecords() {
			// What its own staff did stays theirs to see (dr-x's refused read of this referral).
			if r.GetOrganization() == "organizations/elsewhere" {
				continue
			}
			if r.GetResource() == name || r.GetActor() == linkWorker || r.GetActor() == clinician {
				t.Errorf("another organisation's officer, %s, sees %s by %s", what, r.GetResource(), r.GetActor())
			}
		}
	}
	wide, err := w.rc().SearchAuditRecords(network, &referralv1.SearchAuditRecordsRequest{PageSize: 1000, Person: person})
	if err != nil {
		t.Fatal(err)
	}
	if all := testenv.Find[audit.Record](t, w.refDB, "audit", bson.D{{Key: "resource", Value: name}}); int(wide.GetTotalSize()) != len(all) {
		t.Fatalf("network officer by person: %d records, want the %d of %s", wide.GetTotalSize(), len(all), name)
	}
	if q := testenv.Find[audit.Record](t, w.refDB, "audit", bson.D{{Key: "action", Value: audit.ActionQuery}, {Key: "actor", Value: "practitioners/privacy-x"}}); len(q) != 4 {
		t.Fatalf("%d audit records of the other officer's 4 queries", len(q))
	}
}

// When the audit trail refuses a write, the request that caused it fails with UNAVAILABLE and
// returns nothing. The audit collection is made to refuse every record of one referral with a
// unique index on the resource and one record already there.
func TestAuditFailureFailsTheRequest(t *testing.T) {
	w := newWorld(t, 1, 5)
	ctx, c := ctxT(t), w.rc()
	blocked, err := c.CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: referraltest.Draft(true)})
	if err != nil {
		t.Fatal(err)
	}
	other, err := c.CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: referraltest.Draft(true)})
	if err != nil {
		t.Fatal(err)
	}
	client, err := mongo.Connect(options.Client().ApplyURI(testenv.MongoURI(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(ctx)
	// The trail, and the intents of changes beside it, refuse every record of the blocked
	// referral (a unique resource that one record already holds; dated ahead, so that the
	// service's reconciler does not take the intents' one for an intent to settle).
	for _, name := range []string{"audit", "audit_pending"} {
		coll := client.Database(w.refDB).Collection(name)
		if err := coll.Drop(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "resource", Value: 1}},
			Options: options.Index().SetUnique(true)}); err != nil {
			t.Fatal(err)
		}
		if _, err := coll.InsertOne(ctx, bson.M{"_id": "blocker", "resource": blocked.GetName(), "time": time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}

	unavailable := func(what string, got any, err error) {
		t.Helper()
		if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "audit") {
			t.Fatalf("%s with the audit refusing: %v, want UNAVAILABLE", what, err)
		}
		switch g := got.(type) {
		case *referralv1.Referral:
			if g != nil {
				t.Fatalf("%s returned data: %v", what, g)
			}
		case *referralv1.ListReferralsResponse:
			if g != nil {
				t.Fatalf("%s returned data: %v", what, g)
			}
		case *referralv1.ListTimelineResponse:
			if g != nil {
				t.Fatalf("%s returned data: %v", what, g)
			}
		}
	}
	got, err := c.GetReferral(ctx, &referralv1.GetReferralRequest{Name: blocked.GetName()})
	unavailable("get", got, err)
	tl, err := c.ListTimeline(ctx, &referralv1.ListTimelineRequest{Name: blocked.GetName()})
	unavailable("timeline", tl, err)
	list, err := c.ListReferrals(ctx, &referralv1.ListReferralsRequest{PageSize: 100})
	unavailable("list", list, err)
	sub, err := c.SubmitReferral(ctx, &referralv1.SubmitReferralRequest{Name: blocked.GetName()})
	unavailable("submit", sub, err)

	// Another referral's audit records are written, so its reads go on.
	if _, err := c.GetReferral(ctx, &referralv1.GetReferralRequest{Name: other.GetName()}); err != nil {
		t.Fatalf("get of a referral whose audit works: %v", err)
	}

	// The refused submit changed nothing: no change without its audit record.
	if err := client.Database(w.refDB).Collection("audit").Drop(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := c.GetReferral(ctx, &referralv1.GetReferralRequest{Name: blocked.GetName()})
	if err != nil || after.GetStatus() != referralv1.ReferralStatus_REFERRAL_STATUS_DRAFT || after.GetEtag() != blocked.GetEtag() {
		t.Fatalf("after a submit whose audit failed: %v %v, want the draft unchanged", after.GetStatus(), err)
	}
}

// A change's audit record is written first as an intent and settled with the outcome, so no
// record claims a change that did not happen: a refused change settles with its code, a
// successful one with OK, and an intent left pending by a request that died (written here by
// hand, as a crash between the two writes would leave it) is settled NOT_APPLIED unless the
// referral holds its change.
func TestAuditIntentsSettleWithWhatHappened(t *testing.T) {
	w := newWorld(t, 1, 5)
	ctx, c := ctxT(t), w.rc()
	r, err := c.CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: referraltest.Draft(true), RequestId: "intents-1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SubmitReferral(ctx, &referralv1.SubmitReferralRequest{Name: r.GetName()}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SubmitReferral(ctx, &referralv1.SubmitReferralRequest{Name: r.GetName()}); status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("second submit: %v, want FAILED_PRECONDITION", err)
	}
	if _, err := c.CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: referraltest.Draft(true), RequestId: "intents-1"}); err != nil {
		t.Fatalf("retry of the create: %v", err)
	}
	outcomes := map[string][]string{}
	for _, rec := range testenv.Find[audit.Record](t, w.refDB, "audit", bson.D{{Key: "resource", Value: r.GetName()}}) {
		outcomes[rec.Method+" "+rec.Action] = append(outcomes[rec.Method+" "+rec.Action], rec.Outcome)
	}
	want := map[string][]string{
		"CreateReferral create": {"OK", audit.OutcomeNotApplied}, // the retry created nothing
		"CreateReferral read":   {"OK"},                          // and returned the first
		"SubmitReferral change": {"OK", "FailedPrecondition"},
	}
	for k, v := range want {
		if fmt.Sprint(outcomes[k]) != fmt.Sprint(v) {
			t.Errorf("%s: outcomes %v, want %v", k, outcomes[k], v)
		}
	}

	client, err := mongo.Connect(options.Client().ApplyURI(testenv.MongoURI(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(ctx)
	trail, intents := client.Database(w.refDB).Collection("audit"), client.Database(w.refDB).Collection("audit_pending")
	// Every intent the requests above made was settled, and dropped.
	if left := testenv.Find[bson.M](t, w.refDB, "audit_pending", bson.D{}); len(left) != 0 {
		t.Fatalf("%d pending intents left after settled requests: %v", len(left), left)
	}
	old := time.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond)
	var applied audit.Record
	for _, rec := range testenv.Find[audit.Record](t, w.refDB, "audit", bson.D{{Key: "resource", Value: r.GetName()}, {Key: "method", Value: "SubmitReferral"}, {Key: "outcome", Value: "OK"}}) {
		applied = rec
	}
	// As crashes would leave them: the submit's intent, its change made and the request gone
	// before settling; one whose change never reached the referral; one still young; and one
	// whose request settled it and died before dropping it.
	if _, err := trail.DeleteOne(ctx, bson.D{{Key: "_id", Value: applied.ID}}); err != nil {
		t.Fatal(err)
	}
	applied.Outcome, applied.Time = audit.OutcomePending, old
	var settledEarlier audit.Record
	for _, rec := range testenv.Find[audit.Record](t, w.refDB, "audit", bson.D{{Key: "resource", Value: r.GetName()}, {Key: "outcome", Value: "FailedPrecondition"}}) {
		settledEarlier = rec
	}
	kept := settledEarlier
	settledEarlier.Outcome, settledEarlier.Time = audit.OutcomePending, old
	for _, rec := range []audit.Record{applied, settledEarlier,
		{ID: "crashed-before-the-change", Time: old, Actor: linkWorker, Action: audit.ActionChange, Method: "AcceptReferral", Resource: r.GetName(), Outcome: audit.OutcomePending},
		// Dated ahead, so that the service's own reconciler (every 200 ms here) leaves it too.
		{ID: "too-young-to-settle", Time: time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond), Actor: linkWorker, Action: audit.ActionChange, Method: "AcceptReferral", Resource: r.GetName(), Outcome: audit.OutcomePending},
	} {
		if _, err := intents.InsertOne(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	// The audit query shows an intent not yet settled as a PENDING record.
	shown := map[string]string{}
	found, err := c.SearchAuditRecords(as(ctxT(t), privacyID), &referralv1.SearchAuditRecordsRequest{Referral: r.GetName(), PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range found.GetAuditRecords() {
		shown[rec.GetId()] = rec.GetOutcome()
	}
	if shown["too-young-to-settle"] != audit.OutcomePending || shown[kept.ID] != "FailedPrecondition" {
		t.Fatalf("audit query before settling: %v", shown)
	}
	// Settled here or by the service's reconciler, whichever comes first.
	if _, err := w.referrals[0].Service.SettleAuditIntents(ctx); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 20*time.Second, "the old intents to be settled and dropped", func() bool {
		left := testenv.Find[bson.M](t, w.refDB, "audit_pending", bson.D{})
		return len(left) == 1 && left[0]["_id"] == "too-young-to-settle"
	})
	got := map[string]audit.Record{}
	for _, rec := range testenv.Find[audit.Record](t, w.refDB, "audit", bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: []string{applied.ID, kept.ID, "crashed-before-the-change", "too-young-to-settle"}}}}}) {
		got[rec.ID] = rec
	}
	if got[applied.ID].Outcome != "OK" || got["crashed-before-the-change"].Outcome != audit.OutcomeNotApplied {
		t.Fatalf("settled outcomes: %v", got)
	}
	if got[kept.ID] != kept {
		t.Fatalf("a record settled before its intent was dropped became %+v, want it kept as %+v", got[kept.ID], kept)
	}
	if _, ok := got["too-young-to-settle"]; ok {
		t.Fatal("a young intent was settled")
	}
}

// All the logs of the full flow, at debug level, from every service, hold none of the person's
// name, birth date, email or phone; nor do the error messages of refused requests that carried
// them. The gateway's tests hold its logs and REST errors to the same.
func TestNoPersonalDataInLogs(t *testing.T) {
	var logs testenv.Logs
	w := newWorldLogged(t, 1, 10, logs.Logger())
	w.flow(t)

	secrets := []string{personGiven, personFamily, personBirth, personEmail, personPhone, "416 555"}
	var errs []string
	// Refused requests carrying the person's details: a birth date in the future, a malformed
	// email.
	bad := referraltest.Draft(true)
	bad.Subject.DateOfBirth = "2999-03-14"
	_, err := w.rc().CreateReferral(ctxT(t), &referralv1.CreateReferralRequest{Referral: bad})
	errs = append(errs, status.Convert(err).Message())
	bad = referraltest.Draft(true)
	bad.Subject.Email = "margaret@"
	_, err = w.rc().CreateReferral(ctxT(t), &referralv1.CreateReferralRequest{Referral: bad})
	errs = append(errs, status.Convert(err).Message())
	for _, e := range errs {
		if !strings.Contains(e, "subject.") {
			t.Fatalf("a refused create's message names no field: %q", e)
		}
	}

	out := logs.String()
	if !strings.Contains(out, "SubmitReferral") || !strings.Contains(out, "SearchReferrals") {
		t.Fatalf("the logs were not captured: %.500s", out)
	}
	for _, s := range secrets {
		if strings.Contains(out, s) {
			i := strings.Index(out, s)
			t.Errorf("the logs hold %q: ...%s...", s, out[max(0, i-200):min(len(out), i+100)])
		}
		for _, e := range errs {
			if strings.Contains(e, s) {
				t.Errorf("an error message holds %q: %s", s, e)
			}
		}
	}
	t.Logf("%d bytes of logs checked, %d error messages", len(out), len(errs))
}
