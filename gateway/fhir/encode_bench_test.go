package fhir

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"testing"

	"google.golang.org/protobuf/types/known/timestamppb"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
)

// BenchmarkSearchsetOfTenTasks is the facade's own work in a Task search of ten: the views, the
// Bundle and its JSON.
func BenchmarkSearchsetOfTenTasks(b *testing.B) {
	h, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	var refs []*referralv1.Referral
	for i := range 10 {
		refs = append(refs, &referralv1.Referral{Name: fmt.Sprintf("referrals/r%d", i), Etag: "abc", Status: referralv1.ReferralStatus_REFERRAL_STATUS_REQUESTED,
			ReceivingOrganization: "organizations/chc", ReferringPractitioner: "practitioners/dr", CreateTime: timestamppb.Now(), UpdateTime: timestamppb.Now(),
			Needs: []referralv1.Need{referralv1.Need_NEED_LONELINESS}})
	}
	c := &call{r: httptest.NewRequest("GET", "/Task", nil), base: "http://x/fhir/r4"}
	b.ReportAllocs()
	for b.Loop() {
		var out []matched
		for _, r := range refs {
			out = append(out, matched{res: taskOf(r)})
		}
		if _, err := h.codec.encode(h.searchset(c, "Task", url.Values{}, out, "", 10)); err != nil {
			b.Fatal(err)
		}
	}
}
