package importer

import (
	"slices"
	"strings"
	"testing"

	"github.com/socialrx/socialrx/gateway/hsds/document"
)

const (
	serviceID = "ac148810-d857-441c-9679-408f346de14b"
	termID    = "3f7b145d-84af-42d7-8fae-eaca714b02b2"
)

// TestImportReportsParseRejections imports a document whose records are all rejected by Parse,
// so the directory is never called and the importer runs without a client.
func TestImportReportsParseRejections(t *testing.T) {
	data := `[{"id":"s1","name":"","status":"active","organization_id":"o1"},{"id":"o1","description":"d"},
		{"id":"t1","name":"","description":"","taxonomy":"x"}]`
	report, err := (&Importer{}).Import(t.Context(), []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{
		{Kind: document.KindTaxonomyTerm, ID: "t1", Outcome: OutcomeRejected, Reason: "name: required"},
		{Kind: document.KindOrganization, ID: "o1", Outcome: OutcomeRejected, Reason: "name: required"},
		{Kind: document.KindService, ID: "s1", Outcome: OutcomeRejected, Reason: "name: required"},
	}
	if !slices.Equal(report.Records, want) {
		t.Errorf("got %+v\nwant %+v", report.Records, want)
	}
	if n := report.Count(OutcomeRejected); n != 3 {
		t.Errorf("Count(rejected) = %d", n)
	}
}

func TestRequestID(t *testing.T) {
	long := strings.Repeat("a", 63)
	tests := []struct {
		name string
		kind document.Kind
		id   string
		want string
	}{
		{"uuid service", document.KindService, serviceID, "hsds-import:service:" + serviceID},
		{"uuid taxonomy term", document.KindTaxonomyTerm, termID, "hsds-import:taxonomy_term:" + termID},
		{"long id is hashed", document.KindOrganization, long, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RequestID(tt.kind, tt.id)
			if tt.want != "" && got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if len(got) > 64 || !strings.HasPrefix(got, "hsds-import:"+string(tt.kind)+":") {
				t.Errorf("request id %q is too long or mislabelled", got)
			}
		})
	}
	if RequestID(document.KindOrganization, long) == RequestID(document.KindOrganization, long[:62]+"b") {
		t.Error("different long ids give the same request id")
	}
}
