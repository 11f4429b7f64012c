package pagination_test

import (
	"crypto/sha256"
	"encoding/base64"
	"math/rand/v2"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/platform/aip/pagination"
	"github.com/socialrx/socialrx/services/platform/apierror"
)

// wantInvalidArgument fails unless err is INVALID_ARGUMENT with reason, naming field in both the
// ErrorInfo metadata and the BadRequest detail, with a message containing fragment.
func wantInvalidArgument(t *testing.T, err error, reason, field, fragment string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want INVALID_ARGUMENT %s", reason)
	}
	st, ok := status.FromError(err)
	if !ok {
		t.Fatalf("error %v is not a gRPC status", err)
	}
	if st.Code() != codes.InvalidArgument {
		t.Errorf("code = %v, want %v", st.Code(), codes.InvalidArgument)
	}
	if got := apierror.Reason(err); got != reason {
		t.Errorf("reason = %q, want %q", got, reason)
	}
	if got := apierror.ErrorInfo(err).GetMetadata()["field"]; got != field {
		t.Errorf("ErrorInfo field = %q, want %q", got, field)
	}
	var fields []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				fields = append(fields, v.GetField())
			}
		}
	}
	if len(fields) != 1 || fields[0] != field {
		t.Errorf("BadRequest fields = %q, want [%q]", fields, field)
	}
	if !strings.Contains(st.Message(), fragment) {
		t.Errorf("message = %q, want it to contain %q", st.Message(), fragment)
	}
}

func TestPageSize(t *testing.T) {
	tests := []struct {
		name      string
		requested int32
		want      int
		wantErr   bool
	}{
		{name: "zero gives default", requested: 0, want: 50},
		{name: "small kept", requested: 7, want: 7},
		{name: "one kept", requested: 1, want: 1},
		{name: "maximum kept", requested: 1000, want: 1000},
		{name: "above maximum clamped", requested: 5000, want: 1000},
		{name: "largest int32 clamped", requested: 1<<31 - 1, want: 1000},
		{name: "negative rejected", requested: -1, wantErr: true},
		{name: "most negative rejected", requested: -1 << 31, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pagination.PageSize(tt.requested)
			if tt.wantErr {
				wantInvalidArgument(t, err, apierror.ReasonInvalidArgument, "page_size", "page_size")
				return
			}
			if err != nil {
				t.Fatalf("PageSize(%d): %v", tt.requested, err)
			}
			if got != tt.want {
				t.Errorf("PageSize(%d) = %d, want %d", tt.requested, got, tt.want)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	list := &directoryv1.ListServicesRequest{Filter: `status = ACTIVE`, PageSize: 20}
	search := &directoryv1.SearchServicesRequest{
		Query:         "food bank",
		TaxonomyTerms: []string{"taxonomyTerms/food", "taxonomyTerms/housing"},
		Statuses:      []directoryv1.ServiceStatus{directoryv1.ServiceStatus_SERVICE_STATUS_ACTIVE},
		Near:          &directoryv1.GeoCircle{Latitude: 51.5, Longitude: -0.12},
		PageSize:      10,
	}
	tests := []struct {
		name    string
		request proto.Message
		cursor  pagination.Cursor
	}{
		{name: "keyset", request: list, cursor: pagination.Cursor{After: "services/abc-123"}},
		{name: "offset", request: search, cursor: pagination.Cursor{Offset: 40}},
		{name: "both", request: search, cursor: pagination.Cursor{After: "services/x", Offset: 3}},
		{name: "zero cursor", request: list, cursor: pagination.Cursor{}},
		{name: "large offset", request: search, cursor: pagination.Cursor{Offset: 1 << 40}},
		{name: "non-ASCII key", request: list, cursor: pagination.Cursor{After: "services/café"}},
		{name: "empty request", request: &directoryv1.ListServicesRequest{}, cursor: pagination.Cursor{After: "a"}},
		{name: "nil request", request: (*directoryv1.ListServicesRequest)(nil), cursor: pagination.Cursor{Offset: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := pagination.Encode(tt.request, tt.cursor)
			if token == "" {
				t.Fatal("Encode returned an empty token, which means the first page")
			}
			if len(token) > 2048 {
				t.Fatalf("token is %d chars, longer than page_token allows", len(token))
			}
			got, err := pagination.Decode(token, tt.request)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got != tt.cursor {
				t.Errorf("Decode = %+v, want %+v", got, tt.cursor)
			}
		})
	}
}

func TestEmptyTokenIsFirstPage(t *testing.T) {
	got, err := pagination.Decode("", &directoryv1.ListServicesRequest{Filter: "x = 1"})
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if got != (pagination.Cursor{}) {
		t.Errorf("Decode(\"\") = %+v, want the zero Cursor", got)
	}
}

// TestBinding checks which changes to a request between pages keep its token valid.
func TestBinding(t *testing.T) {
	first := &directoryv1.ListServicesRequest{Filter: `status = ACTIVE`, PageSize: 20}
	firstSearch := &directoryv1.SearchServicesRequest{
		Query:    "food",
		Near:     &directoryv1.GeoCircle{Latitude: 51.5, Longitude: -0.12, RadiusMeters: 5000},
		PageSize: 10,
	}
	cursor := pagination.Cursor{After: "services/s1", Offset: 20}
	listToken := pagination.Encode(first, cursor)
	searchToken := pagination.Encode(firstSearch, cursor)

	// withToken returns a copy of the first request changed by edit, carrying the token, as a
	// client would send it for the next page.
	withList := func(edit func(*directoryv1.ListServicesRequest)) proto.Message {
		r := proto.CloneOf(first)
		r.PageToken = listToken
		edit(r)
		return r
	}
	withSearch := func(edit func(*directoryv1.SearchServicesRequest)) proto.Message {
		r := proto.CloneOf(firstSearch)
		r.PageToken = searchToken
		edit(r)
		return r
	}
	tests := []struct {
		name    string
		token   string
		request proto.Message
		wantErr bool
	}{
		{name: "same request", token: listToken, request: withList(func(*directoryv1.ListServicesRequest) {})},
		{name: "page size changed", token: listToken, request: withList(func(r *directoryv1.ListServicesRequest) { r.PageSize = 100 })},
		{name: "page size cleared", token: listToken, request: withList(func(r *directoryv1.ListServicesRequest) { r.PageSize = 0 })},
		{name: "skip added", token: listToken, request: withList(func(r *directoryv1.ListServicesRequest) { r.Skip = 5 })},
		{name: "filter changed", token: listToken, wantErr: true, request: withList(func(r *directoryv1.ListServicesRequest) { r.Filter = `status = INACTIVE` })},
		{name: "filter cleared", token: listToken, wantErr: true, request: withList(func(r *directoryv1.ListServicesRequest) { r.Filter = "" })},
		{name: "search page size changed", token: searchToken, request: withSearch(func(r *directoryv1.SearchServicesRequest) { r.PageSize = 50 })},
		{name: "search query changed", token: searchToken, wantErr: true, request: withSearch(func(r *directoryv1.SearchServicesRequest) { r.Query = "foods" })},
		{name: "search circle moved", token: searchToken, wantErr: true, request: withSearch(func(r *directoryv1.SearchServicesRequest) { r.Near.Latitude = 51.6 })},
		{name: "search term added", token: searchToken, wantErr: true, request: withSearch(func(r *directoryv1.SearchServicesRequest) {
			r.TaxonomyTerms = []string{"taxonomyTerms/food"}
		})},
		{name: "list token on search", token: listToken, wantErr: true, request: &directoryv1.SearchServicesRequest{Filter: `status = ACTIVE`}},
		{name: "empty list token on empty search", token: pagination.Encode(&directoryv1.ListServicesRequest{}, cursor), wantErr: true, request: &directoryv1.SearchServicesRequest{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pagination.Decode(tt.token, tt.request)
			if tt.wantErr {
				wantInvalidArgument(t, err, apierror.ReasonInvalidPageToken, "page_token", "does not match the request")
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got != cursor {
				t.Errorf("Decode = %+v, want %+v", got, cursor)
			}
		})
	}
}

func TestDecodeMalformed(t *testing.T) {
	request := &directoryv1.ListServicesRequest{Filter: `status = ACTIVE`}
	valid := pagination.Encode(request, pagination.Cursor{After: "services/s1", Offset: 7})
	raw, err := base64.RawURLEncoding.DecodeString(valid)
	if err != nil {
		t.Fatalf("decode a valid token: %v", err)
	}
	// The payload ends with 8 bytes of SHA-256 over what comes before them. reencode returns
	// valid's payload changed by edit with that checksum made again, so that each check behind
	// it is tested; corrupt changes it and leaves the checksum as it was.
	body := raw[:len(raw)-8]
	reencode := func(edit func(b []byte) []byte) string {
		b := edit(append([]byte(nil), body...))
		sum := sha256.Sum256(append([]byte("socialrx page token\x00"), b...))
		return base64.RawURLEncoding.EncodeToString(append(b, sum[:8]...))
	}
	if c, err := pagination.Decode(reencode(func(b []byte) []byte { return b }), request); err != nil || c.After != "services/s1" {
		t.Fatalf("the test's checksum is not the package's: Decode = %+v, %v", c, err)
	}
	corrupt := func(edit func(b []byte) []byte) string {
		return base64.RawURLEncoding.EncodeToString(edit(append([]byte(nil), raw...)))
	}
	random := make([]byte, 48)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	long := pagination.Encode(request, pagination.Cursor{After: "services/riverdale-community-health-centre-drop-in"})
	// The payload is version, 16 bytes of checksum, a signed varint offset, then After.
	withOffset := func(varint ...byte) string {
		return reencode(func(b []byte) []byte {
			return append(append(b[:17:17], varint...), "services/s1"...)
		})
	}

	tests := []struct {
		name  string
		token string
	}{
		{name: "short word", token: "abc"},
		{name: "not base64", token: "!!!"},
		{name: "space", token: " "},
		{name: "padded", token: valid + "=="},
		{name: "standard alphabet", token: strings.NewReplacer("-", "+", "_", "/").Replace(valid) + "+/"},
		{name: "line break inside", token: valid[:10] + "\r\n" + valid[10:]},
		{name: "truncated", token: valid[:len(valid)/2]},
		{name: "truncated by one", token: valid[:len(valid)-1]},
		{name: "random bytes", token: base64.RawURLEncoding.EncodeToString(random)},
		{name: "version only", token: base64.RawURLEncoding.EncodeToString([]byte{1})},
		{name: "header without offset", token: reencode(func(b []byte) []byte { return b[:17] })},
		{name: "wrong version", token: reencode(func(b []byte) []byte { b[0] = 9; return b })},
		{name: "version zero", token: reencode(func(b []byte) []byte { b[0] = 0; return b })},
		{name: "negative offset", token: withOffset(0x01)},
		{name: "unterminated offset", token: reencode(func(b []byte) []byte { return append(b[:17], 0x80, 0x80) })},
		{name: "overlong offset", token: withOffset(0x80, 0x00)},
		{name: "offset overflows", token: withOffset(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)},
		{name: "After not UTF-8", token: reencode(func(b []byte) []byte { return append(b, 0xff, 0xfe) })},
		{name: "too long", token: valid + strings.Repeat("A", 2049-len(valid))},
		// The whole token is checked, not only its header: a part of a token or one with a
		// character changed is refused, not read as another cursor.
		{name: "cut in half, keeping the header", token: long[:len(long)/2/4*4]},
		{name: "last two characters changed", token: long[:len(long)-2] + swap(long[len(long)-2:])},
		{name: "last character dropped", token: long[:len(long)-1]},
		{name: "a byte of After changed", token: corrupt(func(b []byte) []byte { b[len(b)-12] ^= 1; return b })},
		{name: "a byte of the checksum changed", token: corrupt(func(b []byte) []byte { b[len(b)-1] ^= 1; return b })},
		{name: "a byte appended", token: corrupt(func(b []byte) []byte { return append(b, 'x') })},
		{name: "a version 1 token", token: corrupt(func(b []byte) []byte { b[0] = 1; return b[:len(b)-8] })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pagination.Decode(tt.token, request)
			if err == nil {
				t.Fatalf("Decode(%q) = %+v, want an error", tt.token, got)
			}
			wantInvalidArgument(t, err, apierror.ReasonInvalidPageToken, "page_token", "malformed")
		})
	}
}

// swap changes each of the characters of s into another one of the token alphabet.
func swap(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
	}
	return string(b)
}

func TestNegativeOffsetTokenRejected(t *testing.T) {
	request := &directoryv1.ListServicesRequest{}
	token := pagination.Encode(request, pagination.Cursor{Offset: -1})
	_, err := pagination.Decode(token, request)
	wantInvalidArgument(t, err, apierror.ReasonInvalidPageToken, "page_token", "malformed")
}

func TestTokenIsOpaque(t *testing.T) {
	token := pagination.Encode(&directoryv1.ListServicesRequest{}, pagination.Cursor{After: "services/secret-key"})
	if strings.Contains(token, "services") {
		t.Errorf("token %q shows the cursor in clear", token)
	}
	if strings.ContainsAny(token, "+/=") {
		t.Errorf("token %q is not URL-safe", token)
	}
}

func FuzzDecode(f *testing.F) {
	request := &directoryv1.ListServicesRequest{Filter: `status = ACTIVE`}
	f.Add("")
	f.Add("abc")
	f.Add("!!!")
	f.Add(pagination.Encode(request, pagination.Cursor{After: "services/s1", Offset: 7}))
	f.Add(pagination.Encode(request, pagination.Cursor{Offset: -5}))
	f.Add(pagination.Encode(&directoryv1.ListServicesRequest{}, pagination.Cursor{After: "x"}))
	f.Fuzz(func(t *testing.T, token string) {
		c, err := pagination.Decode(token, request)
		if err != nil {
			if code := status.Code(err); code != codes.InvalidArgument {
				t.Fatalf("Decode(%q) error code = %v, want InvalidArgument", token, code)
			}
			if reason := apierror.Reason(err); reason != apierror.ReasonInvalidPageToken {
				t.Fatalf("Decode(%q) reason = %q", token, reason)
			}
			return
		}
		if c.Offset < 0 {
			t.Fatalf("Decode(%q) gave negative offset %d", token, c.Offset)
		}
		// An accepted token must be exactly what Encode makes for its cursor.
		if token != "" && pagination.Encode(request, c) != token {
			t.Fatalf("Decode(%q) = %+v, which encodes differently", token, c)
		}
	})
}

// Offset pages a computed ordering: every item once, skip applied, tokens bound to the request.
func TestOffset(t *testing.T) {
	items := []int{0, 1, 2, 3, 4, 5, 6}
	req := &directoryv1.SearchServicesRequest{Query: "walk", PageSize: 3}
	var seen []int
	token := ""
	for pages := 0; ; pages++ {
		page, next, err := pagination.Offset(req, 3, token, 0, items)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, page...)
		if next == "" {
			if pages != 2 {
				t.Fatalf("%d pages, want 3", pages+1)
			}
			break
		}
		token = next
	}
	if len(seen) != len(items) {
		t.Fatalf("saw %v", seen)
	}
	for i := range items {
		if seen[i] != i {
			t.Fatalf("saw %v", seen)
		}
	}
	page, _, err := pagination.Offset(req, 2, "", 5, items)
	if err != nil || len(page) != 2 || page[0] != 5 {
		t.Fatalf("skip 5: %v %v", page, err)
	}
	_, next, _ := pagination.Offset(req, 3, "", 0, items)
	other := &directoryv1.SearchServicesRequest{Query: "garden"}
	if _, _, err := pagination.Offset(other, 3, next, 0, items); apierror.Reason(err) != apierror.ReasonInvalidPageToken {
		t.Fatalf("token reused for another query: %v", err)
	}
	if _, _, err := pagination.Offset(req, -1, "", 0, items); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("negative page size: %v", err)
	}
}
