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
		"SERVICE_STATUS_ACTIVE", "SERVICE_STATUS_INACTIVE", "SERVICE_STATUS_DEFUNCT", "SERVICE_STATUS_TEMPORARILY_CLOSED",
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
		{"string prefix quoted", `display_name = "Food*"`, []string{"food"}},
		{"string prefix bare", `display_name = Fo*`, []string{"food"}},
		{"string prefix matches whole", `display_name = "Food Bank*"`, []string{"food"}},
		{"string prefix is case-sensitive", `display_name = fo*`, nil},
		{"string not prefix", `display_name != Fo*`, []string{"youth", "debt"}},
		{"escaped star is literal", `display_name = "Food\*"`, nil},
		{"string has is case-insensitive", `description:FOOD`, []string{"food"}},
		{"string has quoted phrase", `description:"and games"`, []string{"youth"}},
		{"string has star means set", `description:*`, []string{"food", "youth"}},
		{"string less", `display_name < "Z"`, []string{"food", "youth"}},
		{"string less or equal", `display_name <= "Food Bank"`, []string{"food"}},
		{"string greater", `display_name > "Food Bank"`, []string{"youth", "debt"}},
		{"string greater or equal", `display_name >= "a"`, []string{"debt"}},

		{"absent never equals", `description = "x"`, nil},
		{"absent never differs", `description != "x"`, []string{"food", "youth"}},
		{"NOT of absent matches", `NOT description:food`, []string{"youth", "debt"}},

		{"bool true", `accepting_referrals = true`, []string{"food"}},
		{"bool false", `accepting_referrals = false`, []string{"youth"}},
		{"bool not true", `accepting_referrals != true`, []string{"youth"}},
		{"bool quoted", `accepting_referrals = "true"`, []string{"food"}},

		{"int equal", `minimum_age = 0`, []string{"food"}},
		{"int not equal", `minimum_age != 0`, []string{"youth", "debt"}},
		{"int less", `minimum_age < 11`, []string{"food"}},
		{"int less or equal", `minimum_age <= 11`, []string{"food", "youth"}},
		{"int greater", `minimum_age > 11`, []string{"debt"}},
		{"int greater or equal", `minimum_age >= 11`, []string{"youth", "debt"}},
		{"int negative literal", `minimum_age > -1`, all},
		{"int quoted", `minimum_age = "18"`, []string{"debt"}},
		{"int without spaces", `minimum_age>=11`, []string{"youth", "debt"}},

		{"enum short form against long record", `status = ACTIVE`, []string{"food"}},
		{"enum any case", `status = active`, []string{"food"}},
		{"enum long form against short record", `status = SERVICE_STATUS_INACTIVE`, []string{"youth"}},
		{"enum ACTIVE is not INACTIVE", `status = INACTIVE`, []string{"youth"}},
		{"enum quoted", `status = "Temporarily_Closed"`, []string{"debt"}},
		{"enum not equal", `status != ACTIVE`, []string{"youth", "debt"}},

		{"timestamp greater", `update_time > "2024-01-01T00:00:00Z"`, []string{"food"}},
		{"timestamp greater or equal", `update_time >= "2023-06-15T00:00:00Z"`, []string{"food", "youth"}},
		{"timestamp less", `update_time < "2023-06-15T00:00:00Z"`, []string{"debt"}},
		{"timestamp less or equal", `update_time <= "2023-06-15T00:00:00Z"`, []string{"youth", "debt"}},
		{"timestamp equal across offsets", `update_time = "2024-03-01T11:00:00+01:00"`, []string{"food"}},
		{"timestamp not equal", `update_time != "2024-03-01T10:00:00.000Z"`, []string{"youth", "debt"}},

		{"list has", `languages:fr`, []string{"food"}},
		{"list equal is has", `languages = en`, all},
		{"list has quoted", `languages:"cy"`, []string{"debt"}},
		{"list element matched exactly", `languages:e`, nil},

		{"AND", `languages:en AND minimum_age > 0`, []string{"youth", "debt"}},
		{"implicit AND", `languages:en minimum_age > 0`, []string{"youth", "debt"}},
		{"OR", `status = ACTIVE OR status = INACTIVE`, []string{"food", "youth"}},
		{"OR binds tighter than AND", `minimum_age > 0 AND status = INACTIVE OR status = ACTIVE`, []string{"youth"}},
		{"OR binds tighter than implicit AND", `minimum_age > 0 status = INACTIVE OR status = ACTIVE`, []string{"youth"}},
		{"parentheses group AND", `(minimum_age > 0 AND status = INACTIVE) OR status = ACTIVE`, []string{"food", "youth"}},
		{"NOT", `NOT status = ACTIVE`, []string{"youth", "debt"}},
		{"minus", `-status = ACTIVE`, []string{"youth", "debt"}},
		{"NOT binds to one term", `NOT status = ACTIVE OR minimum_age = 0`, all},
		{"NOT of group", `NOT (status = ACTIVE OR minimum_age = 0)`, []string{"youth", "debt"}},
		{"NOT touching group", `NOT(languages:fr)`, []string{"youth", "debt"}},
		{"minus of group", `-(languages:fr)`, []string{"youth", "debt"}},
		{"nested parentheses", `((display_name = Fo*))`, []string{"food"}},
		{"AND of groups", `(languages:en) AND (minimum_age < 18 OR status = TEMPORARILY_CLOSED)`, all},
		{"value starting with a keyword", `description:parcels OR description:ORANGES`, []string{"food"}},
		{"32 levels deep", strings.Repeat("(", 32) + "minimum_age = 11" + strings.Repeat(")", 32), []string{"youth"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := filtering.Parse(tt.filter, schema)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.filter, err)
			}
			if got := matching(f); !slices.Equal(got, tt.want) {
				t.Errorf("Parse(%q) matches %q, want %q (canonical form %q)", tt.filter, got, tt.want, f)
			}
			// The canonical form must mean the same.
			again, err := filtering.Parse(f.String(), schema)
			if err != nil {
				t.Fatalf("Parse(String() = %q): %v", f, err)
			}
			if got := matching(again); !slices.Equal(got, tt.want) {
				t.Errorf("canonical %q matches %q, want %q", f, got, tt.want)
			}
		})
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		name   string
		filter string
		want   string
	}{
		{"empty", "  ", ""},
		{"bare string quoted", `display_name=Food`, `display_name = "Food"`},
		{"prefix", `display_name = Fo*`, `display_name = "Fo*"`},
		{"literal star", `display_name = "Fo\*"`, `display_name = "Fo\*"`},
		{"literal star then prefix", `display_name = "Fo\**"`, `display_name = "Fo\**"`},
		{"escapes", `display_name = "say \"hi\" \\o/"`, `display_name = "say \"hi\" \\o/"`},
		{"has lower-cased", `description:FOOD*`, `description:"food"`},
		{"enum declared spelling", `status = temporarily_closed`, `status = TEMPORARILY_CLOSED`},
		{"list equal becomes has", `languages = en`, `languages:"en"`},
		{"bool unquoted", `accepting_referrals = "false"`, `accepting_referrals = false`},
		{"int normalised", `minimum_age >= "018"`, `minimum_age >= 18`},
		{"timestamp keeps offset", `update_time < "2024-03-01T11:00:00.50+01:00"`, `update_time < "2024-03-01T11:00:00.5+01:00"`},
		{"implicit AND explicit", `minimum_age > 0 languages:en`, `minimum_age > 0 AND languages:"en"`},
		{"AND flattened", `((minimum_age > 0 AND languages:en) AND status = ACTIVE)`, `minimum_age > 0 AND languages:"en" AND status = ACTIVE`},
		{"OR flattened", `(status = ACTIVE OR status = DEFUNCT) OR (status = INACTIVE)`, `status = ACTIVE OR status = DEFUNCT OR status = INACTIVE`},
		{"OR inside AND", `minimum_age > 0 AND status = ACTIVE OR status = DEFUNCT`, `minimum_age > 0 AND status = ACTIVE OR status = DEFUNCT`},
		{"AND inside OR kept grouped", `(minimum_age > 0 AND status = ACTIVE) OR status = DEFUNCT`, `(minimum_age > 0 AND status = ACTIVE) OR status = DEFUNCT`},
		{"minus becomes NOT", `-(languages:fr)`, `NOT languages:"fr"`},
		{"NOT of group", `NOT (status = ACTIVE OR minimum_age = 0)`, `NOT (status = ACTIVE OR minimum_age = 0)`},
		{"double negation kept", `NOT (-minimum_age = 0)`, `NOT (NOT minimum_age = 0)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := filtering.Parse(tt.filter, schema)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.filter, err)
			}
			got := f.String()
			if got != tt.want {
				t.Errorf("Parse(%q).String() = %q, want %q", tt.filter, got, tt.want)
			}
			again, err := filtering.Parse(got, schema)
			if err != nil {
				t.Fatalf("Parse(%q): %v", got, err)
			}
			if again.String() != got {
				t.Errorf("canonical form %q is not stable: reparsed as %q", got, again)
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
		{"unknown field", `colour = red`, `filter: unknown field "colour"`},
		{"lower-case keyword", `status = ACTIVE and minimum_age = 1`, `unknown field "and"`},
		{"missing operator", `display_name`, `expected an operator after "display_name" at position 12`},
		{"value without operator", `minimum_age 3`, `expected an operator after "minimum_age" at position 12`},
		{"space in field name", `display name = x`, `unknown field "display"`},
		{"unknown operator", `minimum_age == 3`, `expected a value after "=" at position 12`},
		{"missing value", `minimum_age =`, `filter: expected a value after "=" at position 12`},
		{"missing value before paren", `(minimum_age = )`, `expected a value after "=" at position 13`},
		{"keyword as value", `display_name = AND`, `expected a value after "=" at position 13`},
		{"missing field", `= 5`, `expected a field name at position 0`},
		{"text search", `"food bank"`, `expected a field name at position 0`},
		{"unterminated string", `display_name = "Food`, `unterminated string starting at position 15`},
		{"unterminated after escape", `display_name = "Food\`, `unterminated string starting at position 15`},
		{"bad escape", `display_name = "a\n"`, `invalid escape "\n" at position 17`},
		{"wildcard with order", `display_name < Fo*`, `trailing "*" only works with =, != and ":"`},
		{"bool ordered", `accepting_referrals < true`, `operator "<" is not supported for bool field "accepting_referrals"`},
		{"bool has", `accepting_referrals:true`, `operator ":" is not supported for bool field`},
		{"bool literal", `accepting_referrals = yes`, `field "accepting_referrals" is a bool; expected true or false, got "yes"`},
		{"bool upper case", `accepting_referrals = TRUE`, `got "TRUE"`},
		{"int literal", `minimum_age = "abc"`, `field "minimum_age" is an integer; got "abc" at position 14`},
		{"int overflow", `minimum_age > 99999999999999999999`, `is an integer`},
		{"int has", `minimum_age:5`, `operator ":" is not supported for integer field "minimum_age"`},
		{"enum ordered", `status > ACTIVE`, `operator ">" is not supported for enum field "status"`},
		{"enum value", `status = OPEN`, `invalid value "OPEN" for field "status" at position 9; allowed values: ACTIVE, INACTIVE,`},
		{"enum prefix", `status = ACT*`, `invalid value "ACT*"`},
		{"bad timestamp", `update_time > "yesterday"`, `field "update_time" is a timestamp; expected an RFC 3339 time`},
		{"date only", `update_time > "2024-01-01"`, `got "2024-01-01"`},
		{"unquoted timestamp", `update_time > 2024-01-01T00:00:00Z`, `is a timestamp; expected an RFC 3339 time such as "2024-01-31T09:00:00Z", got "2024-01-01T00" at position 14`},
		{"timestamp has", `update_time:"2024-01-01T00:00:00Z"`, `operator ":" is not supported for timestamp field`},
		{"list not equal", `languages != en`, `operator "!=" is not supported for string list field "languages"`},
		{"list ordered", `languages < en`, `operator "<" is not supported for string list field`},
		{"dangling AND", `status = ACTIVE AND`, `expected an expression after "AND" at position 16`},
		{"dangling AND before paren", `(status = ACTIVE AND )`, `expected an expression after "AND" at position 17`},
		{"leading AND", `AND status = ACTIVE`, `unexpected "AND" at position 0`},
		{"double AND", `status = ACTIVE AND AND minimum_age = 1`, `unexpected "AND" at position 20`},
		{"dangling OR", `status = ACTIVE OR`, `expected an expression after "OR" at position 16`},
		{"leading OR", `OR status = ACTIVE`, `unexpected "OR" at position 0`},
		{"lone NOT", `NOT`, `expected an expression after "NOT" at position 0`},
		{"double NOT", `NOT NOT status = ACTIVE`, `unexpected "NOT" at position 4`},
		{"lone minus", `minimum_age = 1 -`, `expected an expression after "-" at position 16`},
		{"detached minus", `- status = ACTIVE`, `expected an expression after "-" at position 0`},
		{"unclosed parenthesis", `(status = ACTIVE`, `missing ")" to close "(" at position 0`},
		{"extra parenthesis", `status = ACTIVE)`, `unexpected ")" at position 15`},
		{"empty parentheses", `status = ACTIVE AND ()`, `expected an expression after "(" at position 20`},
		{"too deep", strings.Repeat("(", 33) + "minimum_age = 1" + strings.Repeat(")", 33), `nested more than 32 levels deep at position 32`},
		{"far too deep", strings.Repeat("(", 1000), `nested more than 32 levels deep`},
		{"too long", `display_name = "` + strings.Repeat("x", 1008) + `"`, `longer than 1024 bytes`},
		{"not UTF-8", "display_name = \"\xff\"", `not valid UTF-8`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := filtering.Parse(tt.filter, schema)
			if err == nil {
				t.Fatalf("Parse(%q) = %q, want an error containing %q", tt.filter, f, tt.want)
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
	if !none.Match(records[0].record) || none.String() != "" {
		t.Error("a nil Filter should match everything and print as empty")
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
	for _, filter := range []string{`minimum_age = 11`, `languages:en`, `update_time < "2025-01-01T00:00:00Z"`, `accepting_referrals != true`} {
		f, err := filtering.Parse(filter, schema)
		if err != nil {
			t.Fatal(err)
		}
		if f.Match(r) {
			t.Errorf("%q matched a record holding the wrong type", filter)
		}
	}
}

func TestUndefinedKind(t *testing.T) {
	_, err := filtering.Parse(`x = 1`, filtering.Schema{"x": {}})
	if err == nil {
		t.Fatal("want an error for a field of undefined kind")
	}
	if _, ok := status.FromError(err); ok {
		t.Errorf("a schema bug should not look like the client's fault: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"",
		`display_name = "Food*" AND NOT (status = active OR minimum_age >= -3) languages:en`,
		`-description:"a \"b\" \\ \*" OR update_time < "2024-03-01T11:00:00.5+01:00"`,
		`accepting_referrals != false (((minimum_age < 3)))`,
		`status = ACTIVE AND`,
		`display_name = "unterminated`,
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
		got := matching(parsed)
		canonical := parsed.String()
		if len(canonical) > 1024 {
			return
		}
		again, err := filtering.Parse(canonical, schema)
		if err != nil {
			t.Fatalf("Parse(%q) gave canonical form %q, which does not parse: %v", filter, canonical, err)
		}
		if again.String() != canonical {
			t.Fatalf("canonical form of %q is not stable: %q then %q", filter, canonical, again)
		}
		if m := matching(again); !slices.Equal(m, got) {
			t.Fatalf("Parse(%q) matches %q but its canonical form %q matches %q", filter, got, canonical, m)
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
