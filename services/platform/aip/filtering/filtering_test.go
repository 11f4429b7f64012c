package filtering_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/platform/aip/filtering"
	"github.com/socialrx/socialrx/services/platform/apierror"
)

var schema = filtering.Schema{
	"display_name":        {Kind: filtering.String},
	"description":         {Kind: filtering.String},
	"accepting_referrals": {Kind: filtering.Bool},
	"minimum_age":         {Kind: filtering.Int},
	"status": {Kind: filtering.Enum, Values: []string{
		"ACTIVE", "INACTIVE", "DEFUNCT", "TEMPORARILY_CLOSED",
	}},
	"update_time": {Kind: filtering.Timestamp},
	"languages":   {Kind: filtering.StringList},
}

// record turns a map into a Record; a missing key is an absent field.
func record(fields map[string]any) filtering.Record {
	return func(field string) (any, bool) {
		v, ok := fields[field]
		return v, ok
	}
}

// The sample records use the different Go types a Record may return.
var records = []struct {
	name   string
	record filtering.Record
}{
	{"food", record(map[string]any{
		"display_name":        "Food Bank",
		"description":         "Free food parcels for families",
		"accepting_referrals": true,
		"minimum_age":         int64(0),
		"status":              directoryv1.ServiceStatus_SERVICE_STATUS_ACTIVE, // a fmt.Stringer
		"update_time":         time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC),
		"languages":           []string{"en", "fr"},
	})},
	{"youth", record(map[string]any{
		"display_name":        "Youth Club",
		"description":         "Sports and games",
		"accepting_referrals": false,
		"minimum_age":         11,
		"status":              "INACTIVE",
		"update_time":         time.Date(2023, 6, 15, 0, 0, 0, 0, time.UTC),
		"languages":           []string{"en"},
	})},
	{"debt", record(map[string]any{
		"display_name": "debt advice",
		"minimum_age":  int32(18),
		"status":       "temporarily_closed",
		"update_time":  timestamppb.New(time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)),
		"languages":    []string{"cy", "en"},
	})},
}

func matching(f *filtering.Filter) []string {
	var names []string
	for _, r := range records {
		if f.Match(r.record) {
			names = append(names, r.name)
		}
	}
	return names
}

func TestMatch(t *testing.T) {
	all := []string{"food", "youth", "debt"}
	tests := []struct {
		name   string
		filter string
		want   []string
	}{
		{"empty", "", all},
		{"only white space", " \t\n", all},

		{"string equal", `display_name = "Food Bank"`, []string{"food"}},
		{"string equal is case-sensitive", `display_name = "food bank"`, nil},
		{"string not equal", `display_name != "Food Bank"`, []string{"youth", "debt"}},
		{"string prefix", `display_name = "Food*"`, []string{"food"}},
		{"string prefix matches whole", `display_name = "Food Bank*"`, []string{"food"}},
		{"string prefix is case-sensitive", `display_name = "fo*"`, nil},
		{"string not prefix", `display_name != "Fo*"`, []string{"youth", "debt"}},
		{"string has is case-insensitive", `description:"FOOD"`, []string{"food"}},
		{"string has phrase", `description:"and games"`, []string{"youth"}},
		{"string has star means set", `description:"*"`, []string{"food", "youth"}},
		{"string less", `display_name < "Z"`, []string{"food", "youth"}},
		{"string less or equal", `display_name <= "Food Bank"`, []string{"food"}},
		{"string greater", `display_name > "Food Bank"`, []string{"youth", "debt"}},
		{"string greater or equal", `display_name >= "a"`, []string{"debt"}},

		{"absent never equals", `description = "x"`, nil},
		{"absent never differs", `description != "x"`, []string{"food", "youth"}},
		{"NOT of absent matches", `NOT description:"food"`, []string{"youth", "debt"}},

		{"bool true", `accepting_referrals = true`, []string{"food"}},
		{"bool false", `accepting_referrals = false`, []string{"youth"}},
		{"bool not true", `accepting_referrals != true`, []string{"youth"}},

		{"int equal", `minimum_age = 0`, []string{"food"}},
		{"int not equal", `minimum_age != 0`, []string{"youth", "debt"}},
		{"int less", `minimum_age < 11`, []string{"food"}},
		{"int less or equal", `minimum_age <= 11`, []string{"food", "youth"}},
		{"int greater", `minimum_age > 11`, []string{"debt"}},
		{"int greater or equal", `minimum_age >= 11`, []string{"youth", "debt"}},
		{"int negative literal", `minimum_age > -1`, all},
		{"int without spaces", `minimum_age>=11`, []string{"youth", "debt"}},

		{"enum against a long-form record", `status = ACTIVE`, []string{"food"}},
		{"enum ACTIVE is not INACTIVE", `status = INACTIVE`, []string{"youth"}},
		{"enum against a lower-case record", `status = TEMPORARILY_CLOSED`, []string{"debt"}},
		{"enum quoted", `status = "TEMPORARILY_CLOSED"`, []string{"debt"}},
		{"enum not equal", `status != ACTIVE`, []string{"youth", "debt"}},

		{"timestamp greater", `update_time > "2024-01-01T00:00:00Z"`, []string{"food"}},
		{"timestamp function", `update_time > timestamp("2024-01-01T00:00:00Z")`, []string{"food"}},
		{"timestamp greater or equal", `update_time >= "2023-06-15T00:00:00Z"`, []string{"food", "youth"}},
		{"timestamp less", `update_time < "2023-06-15T00:00:00Z"`, []string{"debt"}},
		{"timestamp less or equal", `update_time <= "2023-06-15T00:00:00Z"`, []string{"youth", "debt"}},
		{"timestamp equal across offsets", `update_time = "2024-03-01T11:00:00+01:00"`, []string{"food"}},
		{"timestamp not equal", `update_time != "2024-03-01T10:00:00.000Z"`, []string{"youth", "debt"}},

		{"list has", `languages:"fr"`, []string{"food"}},
		{"list has bare text", `languages:cy`, []string{"debt"}},
		{"list element matched exactly", `languages:"e"`, nil},

		{"AND", `languages:"en" AND minimum_age > 0`, []string{"youth", "debt"}},
		{"implicit AND", `languages:"en" minimum_age > 0`, []string{"youth", "debt"}},
		{"OR", `status = ACTIVE OR status = INACTIVE`, []string{"food", "youth"}},
		{"OR binds tighter than AND", `minimum_age > 0 AND status = INACTIVE OR status = ACTIVE`, []string{"youth"}},
		{"parentheses group AND", `(minimum_age > 0 AND status = INACTIVE) OR status = ACTIVE`, []string{"food", "youth"}},
		{"NOT", `NOT status = ACTIVE`, []string{"youth", "debt"}},
		{"minus", `-status = ACTIVE`, []string{"youth", "debt"}},
		{"NOT of group", `NOT (status = ACTIVE OR minimum_age = 0)`, []string{"youth", "debt"}},
		{"minus of group", `-(languages:"fr")`, []string{"youth", "debt"}},
		{"nested parentheses", `((display_name = "Fo*"))`, []string{"food"}},
		{"AND of groups", `(languages:"en") AND (minimum_age < 18 OR status = TEMPORARILY_CLOSED)`, all},
		{"32 levels deep", strings.Repeat("(", 32) + "minimum_age = 11" + strings.Repeat(")", 32), []string{"youth"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := filtering.Parse(tt.filter, schema)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.filter, err)
			}
			if got := matching(f); !slices.Equal(got, tt.want) {
				t.Errorf("Parse(%q) matches %q, want %q", tt.filter, got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name   string
		filter string
		want   string // a fragment of the message
	}{
		{"unknown field", `colour = "red"`, `undeclared identifier 'colour'`},
		{"lower-case keyword", `status = ACTIVE and minimum_age = 1`, `undeclared identifier 'and'`},
		{"bare field", `accepting_referrals`, `expected a comparison such as field = value`},
		{"text search", `"food bank"`, `non-bool result`},
		{"unknown operator", `minimum_age == 3`, `unexpected token = at line 1, column 14`},
		{"missing value", `minimum_age =`, `line 1, column 14`},
		{"missing field", `= 5`, `unexpected token = at line 1, column 1`},
		{"unterminated string", `display_name = "Food`, `unterminated string at line 1, column 16`},
		{"wildcard with order", `display_name < "Fo*"`, `trailing "*" only works with =, != and ":"`},
		{"bool ordered", `accepting_referrals < true`, `no matching overload found for calling '<'`},
		{"bool literal", `accepting_referrals = yes`, `undeclared identifier 'yes'`},
		{"int literal", `minimum_age = "abc"`, `no matching overload found for calling '='`},
		{"int overflow", `minimum_age > 99999999999999999999`, `line 1, column 15`},
		{"int has", `minimum_age:5`, `no matching overload found for calling ':'`},
		{"enum ordered", `status > ACTIVE`, `operator ">" is not supported for enum field "status"`},
		{"enum value", `status = OPEN`, `undeclared identifier 'OPEN'`},
		{"enum quoted value", `status = "OPEN"`, `invalid value "OPEN" for field "status"; allowed values: ACTIVE, INACTIVE,`},
		{"enum value of another field", `display_name = INACTIVE`, `INACTIVE is a value of "status", not of "display_name"`},
		{"field compared with a field", `status = display_name`, `compare "status" with a value, not with the field "display_name"`},
		{"bad timestamp", `update_time > "yesterday"`, `invalid timestamp`},
		{"timestamp has", `update_time:"2024-01-01T00:00:00Z"`, `has operator on timestamp`},
		{"list not equal", `languages != "en"`, `no matching overload found for calling '!='`},
		{"traversal", `status.name = "x"`, `unsupported operand type`},
		{"dangling AND", `status = ACTIVE AND`, `line 1, column 16`},
		{"leading AND", `AND status = ACTIVE`, `unexpected token AND at line 1, column 1`},
		{"lone NOT", `NOT`, `unexpected token NOT`},
		{"unclosed parenthesis", `(status = ACTIVE`, `expected ) at line 1, column 17`},
		{"extra parenthesis", `status = ACTIVE)`, `unexpected trailing token ) at line 1, column 16`},
		{"far too deep", strings.Repeat("(", 1000), `line 1`},
		{"too long", `display_name = "` + strings.Repeat("x", 1008) + `"`, `longer than 1024 bytes`},
		{"not UTF-8", "display_name = \"\xff\"", `not valid UTF-8`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := filtering.Parse(tt.filter, schema)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want an error containing %q", tt.filter, f, tt.want)
			}
			st, _ := status.FromError(err)
			if st.Code() != codes.InvalidArgument {
				t.Errorf("code = %v, want InvalidArgument (%v)", st.Code(), err)
			}
			if got := apierror.Reason(err); got != apierror.ReasonInvalidFilter {
				t.Errorf("reason = %q, want %q", got, apierror.ReasonInvalidFilter)
			}
			if got := apierror.ErrorInfo(err).GetMetadata()["field"]; got != "filter" {
				t.Errorf("field = %q, want filter", got)
			}
			if !strings.Contains(st.Message(), tt.want) {
				t.Errorf("message = %q, want it to contain %q", st.Message(), tt.want)
			}
			if strings.Contains(st.Message(), "\n") {
				t.Errorf("message %q spans several lines", st.Message())
			}
		})
	}
}

func TestLengthLimit(t *testing.T) {
	filter := `display_name = "` + strings.Repeat("x", 1007) + `"`
	if len(filter) != 1024 {
		t.Fatalf("test filter is %d bytes", len(filter))
	}
	if _, err := filtering.Parse(filter, schema); err != nil {
		t.Errorf("Parse of a 1024-byte filter: %v", err)
	}
}

func TestNilFilterAndRecord(t *testing.T) {
	var none *filtering.Filter
	if !none.Match(records[0].record) {
		t.Error("a nil Filter should match everything")
	}
	f, err := filtering.Parse(`NOT minimum_age = 1`, schema)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Match(nil) {
		t.Error("a nil Record has every field absent, so NOT of a comparison should match it")
	}
}

func TestWrongValueTypeIsAbsent(t *testing.T) {
	r := record(map[string]any{"minimum_age": "11", "languages": "en", "update_time": "2024", "accepting_referrals": 1})
	for _, filter := range []string{`minimum_age = 11`, `languages:"en"`, `update_time < "2025-01-01T00:00:00Z"`, `accepting_referrals != true`} {
		f, err := filtering.Parse(filter, schema)
		if err != nil {
			t.Fatal(err)
		}
		if f.Match(r) {
			t.Errorf("%q matched a record holding the wrong type", filter)
		}
	}
}

func TestSchemaBugsAreNotTheClientsFault(t *testing.T) {
	for name, s := range map[string]filtering.Schema{
		"undefined kind": {"x": {}},
		"enum value declared twice": {
			"a": {Kind: filtering.Enum, Values: []string{"ON"}},
			"b": {Kind: filtering.Enum, Values: []string{"ON"}},
		},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := filtering.Parse(`x = 1`, s)
			if err == nil {
				t.Fatal("want an error")
			}
			if _, ok := status.FromError(err); ok {
				t.Errorf("a schema bug should not look like the client's fault: %v", err)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"",
		`display_name = "Food*" AND NOT (status = ACTIVE OR minimum_age >= -3) languages:"en"`,
		`-description:"a \"b\" \\" OR update_time < "2024-03-01T11:00:00.5+01:00"`,
		`accepting_referrals != false (((minimum_age < 3)))`,
		`status = ACTIVE AND`,
		`display_name = "unterminated`,
		`update_time > timestamp("2024-01-01T00:00:00Z")`,
		strings.Repeat("(", 40),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, filter string) {
		parsed, err := filtering.Parse(filter, schema)
		if err != nil {
			if status.Code(err) != codes.InvalidArgument || apierror.Reason(err) != apierror.ReasonInvalidFilter {
				t.Fatalf("Parse(%q) gave %v, want INVALID_ARGUMENT %s", filter, err, apierror.ReasonInvalidFilter)
			}
			return
		}
		// Evaluating any accepted filter over any record must not panic; NOT inverts it.
		got := matching(parsed)
		negated, err := filtering.Parse("NOT ("+filter+")", schema)
		if err != nil {
			return // e.g. longer than the limit once wrapped
		}
		for _, name := range matching(negated) {
			if slices.Contains(got, name) {
				t.Fatalf("%q and its negation both match %s", filter, name)
			}
		}
	})
}

// Enum values of equal length that differ ("REQUESTED", "COMPLETED") do not match, and comparing
// them must not panic.
func TestEnumValuesOfEqualLength(t *testing.T) {
	schema := filtering.Schema{"status": {Kind: filtering.Enum, Values: []string{"REQUESTED", "COMPLETED", "DRAFT"}}}
	f, err := filtering.Parse(`status = REQUESTED`, schema)
	if err != nil {
		t.Fatal(err)
	}
	for value, want := range map[string]bool{"REQUESTED": true, "COMPLETED": false, "DRAFT": false, "REFERRAL_STATUS_REQUESTED": true} {
		got := f.Match(func(string) (any, bool) { return value, true })
		if got != want {
			t.Fatalf("status %s: match = %v, want %v", value, got, want)
		}
	}
}
