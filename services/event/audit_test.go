package event_test

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/platform/audit"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// Views and changes of a registrant's contact details are audited in the event database; a view
// fails with UNAVAILABLE and no data when the audit refuses the record.
func TestContactDetailsAreAudited(t *testing.T) {
	w := newWorld(t, 1)
	_, ss := w.published(t, "audited", 5)
	svc := as(ctxT(t), serviceID)
	reg, err := w.ev().CreateRegistration(svc, &eventv1.CreateRegistrationRequest{Parent: ss.GetName(),
		Registration: &eventv1.Registration{Person: &eventv1.Person{GivenName: "Walter", Email: "walter@example.org"}, Referral: "referrals/w"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.ev().GetRegistration(svc, &eventv1.GetRegistrationRequest{Name: reg.GetName()}); err != nil {
		t.Fatal(err)
	}
	// The host's view has no contact details and needs no record.
	if _, err := w.ev().GetRegistration(ctxT(t), &eventv1.GetRegistrationRequest{Name: reg.GetName()}); err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	coll := testenv.OpenDatabase(t, w.db).Collection("audit")
	cur, err := coll.Find(ctx, bson.D{{Key: "resource", Value: reg.GetName()}})
	if err != nil {
		t.Fatal(err)
	}
	var recs []audit.Record
	if err := cur.All(ctx, &recs); err != nil {
		t.Fatal(err)
	}
	methods := map[string]string{}
	for _, r := range recs {
		if r.Actor != serviceID.Subject || r.Outcome != "OK" {
			t.Fatalf("record %+v", r)
		}
		methods[r.Method] = r.Action
	}
	if len(recs) != 2 || methods["CreateRegistration"] != audit.ActionCreate || methods["GetRegistration"] != audit.ActionRead {
		t.Fatalf("records %+v, want the create and the service's read", recs)
	}

	// Refuse every further record of this registration.
	if err := coll.Drop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "resource", Value: 1}},
		Options: options.Index().SetUnique(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := coll.InsertOne(ctx, bson.M{"_id": "blocker", "resource": reg.GetName()}); err != nil {
		t.Fatal(err)
	}
	got, err := w.ev().GetRegistration(svc, &eventv1.GetRegistrationRequest{Name: reg.GetName()})
	if status.Code(err) != codes.Unavailable || got != nil {
		t.Fatalf("read with the audit refusing: %v %v, want UNAVAILABLE and nothing", got, err)
	}
	list, err := w.ev().ListRegistrations(svc, &eventv1.ListRegistrationsRequest{Parent: ss.GetName()})
	if status.Code(err) != codes.Unavailable || list != nil {
		t.Fatalf("list with the audit refusing: %v %v, want UNAVAILABLE and nothing", list, err)
	}
}
