package notify

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"
	bpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/bundle_and_contained_resource_go_proto"

	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

// The rest-hook notification is a history Bundle that a FHIR R4 parser reads, naming the Task
// and nothing of its content.
func TestFHIRBodyIsAnIDOnlyHistoryBundle(t *testing.T) {
	w := &store.Webhook{Meta: docstore.Meta{ID: "organizations/chc/webhooks/fhir"}, Format: store.FormatFHIRRestHook}
	body, err := fhirBody(w, Event{Type: ReferralAccepted, Referral: "r-42", Status: "ACCEPTED", Key: "k"}, 7, time.Unix(1700000000, 0))
	if err != nil {
		t.Fatal(err)
	}
	u, err := jsonformat.NewUnmarshaller("UTC", fhirversion.R4)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := u.Unmarshal(body)
	if err != nil {
		t.Fatalf("a FHIR parser refuses the body: %v\n%s", err, body)
	}
	b := msg.(*bpb.ContainedResource).GetBundle()
	if b.GetType().GetValue().String() != "HISTORY" || len(b.GetEntry()) != 2 {
		t.Fatalf("bundle %s", body)
	}
	if got := b.GetEntry()[1].GetFullUrl().GetValue(); got != "Task/r-42" {
		t.Fatalf("second entry names %q, want Task/r-42", got)
	}
	if b.GetEntry()[1].GetResource() != nil {
		t.Fatal("the Task's content is in an id-only notification")
	}
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil || raw["resourceType"] != "Bundle" {
		t.Fatalf("body %s: %v", body, err)
	}
}
