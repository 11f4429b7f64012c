package names

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestParse(t *testing.T) {
	const pattern = "events/{event}/sessions/{session}"
	for _, tt := range []struct {
		name, in       string
		event, session string
		wantErr        bool
	}{
		{name: "both ids", in: "events/tea/sessions/first", event: "tea", session: "first"},
		{name: "dots and dashes", in: "events/a.b-c_d/sessions/s1", event: "a.b-c_d", session: "s1"},
		{name: "wrong collection", in: "events/tea/slots/first", wantErr: true},
		{name: "too short", in: "events/tea", wantErr: true},
		{name: "trailing segments", in: "events/tea/sessions/first/registrations/r", wantErr: true},
		{name: "empty id", in: "events//sessions/first", wantErr: true},
		{name: "id starting with a dash", in: "events/-tea/sessions/first", wantErr: true},
		{name: "id too long", in: "events/" + strings.Repeat("a", 64) + "/sessions/first", wantErr: true},
		{name: "non-ASCII id", in: "events/café/sessions/first", wantErr: true},
		{name: "invalid UTF-8", in: "events/\xff/sessions/first", wantErr: true},
		{name: "full resource name", in: "//event.socialrx/events/tea/sessions/first", wantErr: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var event, session string
			err := Parse(tt.in, pattern, &event, &session)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Parse(%q) = %q, %q, want an error", tt.in, event, session)
				}
				return
			}
			if err != nil || event != tt.event || session != tt.session {
				t.Fatalf("Parse(%q) = %q, %q, %v; want %q, %q", tt.in, event, session, err, tt.event, tt.session)
			}
		})
	}
}

func TestParseFieldNamesTheField(t *testing.T) {
	var id string
	err := ParseField("parent", "organisations/x", "organizations/{organization}", &id)
	st, _ := status.FromError(err)
	if st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), "parent") {
		t.Fatalf("err = %v, want INVALID_ARGUMENT naming parent", err)
	}
}

func TestFormat(t *testing.T) {
	if got := Format("events/{event}/sessions/{session}", "tea", "first"); got != "events/tea/sessions/first" {
		t.Fatalf("Format = %q", got)
	}
}
