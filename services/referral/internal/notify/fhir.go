package notify

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"
	cpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	dpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	bpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/bundle_and_contained_resource_go_proto"
	ppb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/parameters_go_proto"

	"github.com/socialrx/socialrx/services/referral/internal/store"
)

// TopicURL is the topic of every notification: a change of a Task (a referral).
const TopicURL = "urn:socialrx:subscription-topic:task-changed"

// statusProfile is the R4 Subscriptions Backport profile of the notification's status.
const statusProfile = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4"

// fhirBody is the FHIR R4 rest-hook notification of ev for w, id-only: a history Bundle whose
// first entry is the SubscriptionStatus (Parameters) and whose second names the changed Task,
// Task/<referral id>, without its content.
func fhirBody(w *store.Webhook, ev Event, seq int64, t time.Time) ([]byte, error) {
	str := func(s string) *dpb.String { return &dpb.String{Value: s} }
	code := func(s string) *dpb.Code { return &dpb.Code{Value: s} }
	instant := &dpb.Instant{ValueUs: t.UnixMicro(), Timezone: "UTC", Precision: dpb.Instant_MICROSECOND}
	task := &dpb.Reference{Reference: &dpb.Reference_TaskId{TaskId: &dpb.ReferenceId{Value: ev.Referral}}}
	sub := &dpb.Reference{Reference: &dpb.Reference_SubscriptionId{SubscriptionId: &dpb.ReferenceId{Value: path.Base(w.ID)}}}
	param := func(name string, v *ppb.Parameters_Parameter_ValueX) *ppb.Parameters_Parameter {
		return &ppb.Parameters_Parameter{Name: str(name), Value: v}
	}
	status := &ppb.Parameters{
		Meta: &dpb.Meta{Profile: []*dpb.Canonical{{Value: statusProfile}}},
		Parameter: []*ppb.Parameters_Parameter{
			param("subscription", &ppb.Parameters_Parameter_ValueX{Choice: &ppb.Parameters_Parameter_ValueX_Reference{Reference: sub}}),
			param("topic", &ppb.Parameters_Parameter_ValueX{Choice: &ppb.Parameters_Parameter_ValueX_Canonical{Canonical: &dpb.Canonical{Value: TopicURL}}}),
			param("status", &ppb.Parameters_Parameter_ValueX{Choice: &ppb.Parameters_Parameter_ValueX_Code{Code: code("active")}}),
			param("type", &ppb.Parameters_Parameter_ValueX{Choice: &ppb.Parameters_Parameter_ValueX_Code{Code: code("event-notification")}}),
			{Name: str("notification-event"), Part: []*ppb.Parameters_Parameter{
				param("event-number", &ppb.Parameters_Parameter_ValueX{Choice: &ppb.Parameters_Parameter_ValueX_StringValue{StringValue: str(strconv.FormatInt(seq, 10))}}),
				param("timestamp", &ppb.Parameters_Parameter_ValueX{Choice: &ppb.Parameters_Parameter_ValueX_Instant{Instant: instant}}),
				param("focus", &ppb.Parameters_Parameter_ValueX{Choice: &ppb.Parameters_Parameter_ValueX_Reference{Reference: task}}),
			}},
		},
	}
	bundle := &bpb.Bundle{
		Type:      &bpb.Bundle_TypeCode{Value: cpb.BundleTypeCode_HISTORY},
		Timestamp: instant,
		Entry: []*bpb.Bundle_Entry{
			{
				FullUrl:  &dpb.Uri{Value: "urn:uuid:" + uuidOf(w.ID, ev.Key)},
				Resource: &bpb.ContainedResource{OneofResource: &bpb.ContainedResource_Parameters{Parameters: status}},
				Request: &bpb.Bundle_Entry_Request{Method: &bpb.Bundle_Entry_Request_MethodCode{Value: cpb.HTTPVerbCode_GET},
					Url: &dpb.Uri{Value: "Subscription/" + path.Base(w.ID) + "/$status"}},
				Response: &bpb.Bundle_Entry_Response{Status: str("200")},
			},
			{
				FullUrl: &dpb.Uri{Value: "Task/" + ev.Referral},
				Request: &bpb.Bundle_Entry_Request{Method: &bpb.Bundle_Entry_Request_MethodCode{Value: cpb.HTTPVerbCode_PUT},
					Url: &dpb.Uri{Value: "Task/" + ev.Referral}},
				Response: &bpb.Bundle_Entry_Response{Status: str("200")},
			},
		},
	}
	m, err := jsonformat.NewMarshaller(false, "", "", fhirversion.R4)
	if err != nil {
		return nil, fmt.Errorf("fhir marshaller: %w", err)
	}
	b, err := m.MarshalResource(bundle)
	if err != nil {
		return nil, fmt.Errorf("encode fhir notification: %w", err)
	}
	return b, nil
}

// uuidOf is a name-based id for the status entry (the same change gives the same id).
func uuidOf(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	h := hex.EncodeToString(sum[:16])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// ParseCriteria checks a FHIR_REST_HOOK criteria: "", `Task?owner=Organization/{id}` or
// `Task?requester=Organization/{id}`.
func ParseCriteria(c string) (param, org string, err error) {
	if c == "" {
		return "", "", nil
	}
	rest, ok := strings.CutPrefix(c, "Task?")
	if !ok {
		return "", "", fmt.Errorf("criteria must be Task?owner=Organization/{id} or Task?requester=Organization/{id}")
	}
	k, v, ok := strings.Cut(rest, "=")
	id, okOrg := strings.CutPrefix(v, "Organization/")
	if !ok || !okOrg || id == "" || (k != "owner" && k != "requester") || strings.ContainsAny(id, "&/?=") {
		return "", "", fmt.Errorf("criteria must be Task?owner=Organization/{id} or Task?requester=Organization/{id}")
	}
	return k, "organizations/" + id, nil
}

// criteriaHolds reports whether r matches criteria c (a valid one; "" matches all): the owner
// of a Task is the receiving organisation, its requester the referring one.
func criteriaHolds(c string, r *store.Referral) bool {
	k, org, err := ParseCriteria(c)
	switch {
	case err != nil:
		return false
	case k == "owner":
		return r.ReceivingOrganization == org
	case k == "requester":
		return r.ReferringOrganization == org
	}
	return true
}
