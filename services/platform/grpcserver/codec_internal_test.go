package grpcserver

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/proto"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
)

// locateWire names the field of a nested message that does not decode.
func TestLocateWire(t *testing.T) {
	valid, err := proto.Marshal(&directoryv1.CreateServiceRequest{
		ServiceId: "walks",
		Service:   &directoryv1.Service{DisplayName: "AAAA", TaxonomyTerms: []string{"taxonomyTerms/a", "taxonomyTerms/BBBB"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	replace := func(old, new string) []byte {
		if !bytes.Contains(valid, []byte(old)) {
			t.Fatalf("%q not in the encoded message", old)
		}
		return bytes.Replace(valid, []byte(old), []byte(new), 1)
	}
	tests := []struct {
		name      string
		raw       []byte
		wantField string
		wantDesc  string
	}{
		{"valid", valid, "", ""},
		{"invalid UTF-8 in a nested string", replace("AAAA", "\xff\xfe\xfd\xfc"), "service.display_name", "must be valid UTF-8"},
		{"invalid UTF-8 in a repeated string", replace("BBBB", "\xc3\x28BB"), "service.taxonomy_terms[1]", "must be valid UTF-8"},
		{"invalid UTF-8 at the top", replace("walks", "wa\xffks"), "service_id", "must be valid UTF-8"},
		{"truncated in the last field", valid[:len(valid)-3], "service_id", "is truncated"},
		{"truncated inside the nested message", valid[:6], "service", "is truncated"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var req directoryv1.CreateServiceRequest
			field, desc := locateWire(req.ProtoReflect().Descriptor(), tc.raw, "")
			if field != tc.wantField || desc != tc.wantDesc {
				t.Fatalf("got %q %q, want %q %q", field, desc, tc.wantField, tc.wantDesc)
			}
			if decodeErr := proto.Unmarshal(tc.raw, &req); (decodeErr == nil) != (tc.wantField == "") {
				t.Fatalf("proto.Unmarshal: %v, but locateWire found %q", decodeErr, field)
			}
		})
	}
}
