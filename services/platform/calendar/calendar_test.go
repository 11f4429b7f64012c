package calendar_test

import (
	"bytes"
	"errors"
	"go/parser"
	"go/token"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ical "github.com/emersion/go-ical"

	"github.com/socialrx/socialrx/services/platform/calendar"
)

// now is the fixed DTSTAMP of every test feed; its zone is deliberately not UTC.
var now = time.Date(2024, 5, 1, 9, 15, 30, 0, time.FixedZone("", -4*3600))

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("LoadLocation(%q): %v", name, err)
	}
	return loc
}

// write runs calendar.Write, checks the line format of its output, and returns it.
func write(t *testing.T, name string, sessions []calendar.Session) string {
	t.Helper()
	var buf bytes.Buffer
	if err := calendar.Write(&buf, name, sessions, now); err != nil {
		t.Fatalf("Write: %v", err)
	}
	checkLines(t, buf.String())
	return buf.String()
}

// checkLines fails unless every physical line ends with CRLF, is at most 75 octets, holds no
// stray CR or LF, and is valid UTF-8 on its own (folding never split a sequence).
func checkLines(t *testing.T, out string) {
	t.Helper()
	if !strings.HasSuffix(out, "\r\n") {
		t.Errorf("output does not end with CRLF")
	}
	for i, line := range strings.SplitAfter(out, "\r\n") {
		if line == "" {
			continue // after the final CRLF
		}
		body, ok := strings.CutSuffix(line, "\r\n")
		if !ok {
			t.Errorf("line %d %q does not end with CRLF", i+1, line)
		}
		if strings.ContainsAny(body, "\r\n") {
			t.Errorf("line %d %q holds a bare CR or LF", i+1, body)
		}
		if len(body) > 75 {
			t.Errorf("line %d is %d octets, want <= 75: %q", i+1, len(body), body)
		}
		if !utf8.ValidString(body) {
			t.Errorf("line %d splits a UTF-8 sequence: %q", i+1, body)
		}
		if body == "" {
			t.Errorf("line %d is empty", i+1)
		}
	}
}

// parse decodes out with go-ical and, for a calendar with components, re-encodes it so the
// library's cardinality checks (exactly one UID, DTSTAMP, PRODID...) run too.
func parse(t *testing.T, out string) *ical.Calendar {
	t.Helper()
	cal, err := ical.NewDecoder(strings.NewReader(out)).Decode()
	if err != nil {
		t.Fatalf("decode: %v\n%s", err, out)
	}
	if len(cal.Children) > 0 {
		if err := ical.NewEncoder(io.Discard).Encode(cal); err != nil {
			t.Fatalf("re-encode: %v", err)
		}
	}
	return cal
}

func eventByUID(t *testing.T, cal *ical.Calendar, uid string) ical.Event {
	t.Helper()
	for _, ev := range cal.Events() {
		if p := ev.Props.Get(ical.PropUID); p != nil && p.Value == uid {
			return ev
		}
	}
	t.Fatalf("no VEVENT with UID %q", uid)
	return ical.Event{}
}

func timezones(cal *ical.Calendar) map[string][]*ical.Component {
	m := make(map[string][]*ical.Component)
	for _, c := range cal.Children {
		if c.Name == ical.CompTimezone {
			id := ""
			if p := c.Props.Get(ical.PropTimezoneID); p != nil {
				id = p.Value
			}
			m[id] = append(m[id], c)
		}
	}
	return m
}

func text(t *testing.T, c *ical.Component, name string) string {
	t.Helper()
	s, err := c.Props.Text(name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

// observance is a parsed STANDARD or DAYLIGHT sub-component.
type observance struct {
	kind     string
	onset    time.Time // instant
	from, to int
	name     string
}

// observances parses a VTIMEZONE independently of Go's zone database, so the tests check what a
// client that only reads the feed would compute.
func observances(t *testing.T, vtz *ical.Component) []observance {
	t.Helper()
	var obs []observance
	for _, c := range vtz.Children {
		if c.Name != ical.CompTimezoneStandard && c.Name != ical.CompTimezoneDaylight {
			t.Fatalf("unexpected %s in VTIMEZONE", c.Name)
		}
		from := parseOffset(t, c.Props.Get(ical.PropTimezoneOffsetFrom).Value)
		to := parseOffset(t, c.Props.Get(ical.PropTimezoneOffsetTo).Value)
		wall, err := time.Parse("20060102T150405", c.Props.Get(ical.PropDateTimeStart).Value)
		if err != nil {
			t.Fatalf("observance DTSTART: %v", err)
		}
		name := ""
		if c.Props.Get(ical.PropTimezoneName) != nil {
			name = text(t, c, ical.PropTimezoneName)
		}
		obs = append(obs, observance{
			kind:  c.Name,
			onset: wall.Add(-time.Duration(from) * time.Second),
			from:  from, to: to, name: name,
		})
	}
	slices.SortFunc(obs, func(a, b observance) int { return a.onset.Compare(b.onset) })
	return obs
}

func parseOffset(t *testing.T, s string) int {
	t.Helper()
	if (len(s) != 5 && len(s) != 7) || (s[0] != '+' && s[0] != '-') || s == "-0000" {
		t.Fatalf("malformed UTC offset %q", s)
	}
	h, err1 := strconv.Atoi(s[1:3])
	m, err2 := strconv.Atoi(s[3:5])
	sec, err3 := 0, error(nil)
	if len(s) == 7 {
		sec, err3 = strconv.Atoi(s[5:7])
	}
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatalf("malformed UTC offset %q: %v", s, err)
	}
	v := h*3600 + m*60 + sec
	if s[0] == '-' {
		v = -v
	}
	return v
}

// inEffect returns the observance in effect at instant at, or false before the first onset.
func inEffect(obs []observance, at time.Time) (observance, bool) {
	var cur observance
	found := false
	for _, o := range obs {
		if o.onset.After(at) {
			break
		}
		cur, found = o, true
	}
	return cur, found
}

// resolveWall converts a local DATE-TIME to an instant using only the VTIMEZONE observances,
// taking the first occurrence of a repeated wall time as RFC 5545 section 3.3.5 says.
func resolveWall(t *testing.T, obs []observance, local string) time.Time {
	t.Helper()
	wall, err := time.Parse("20060102T150405", local)
	if err != nil {
		t.Fatalf("local time %q: %v", local, err)
	}
	for i, o := range obs {
		at := wall.Add(-time.Duration(o.to) * time.Second)
		if at.Before(o.onset) {
			continue
		}
		if i+1 < len(obs) && !at.Before(obs[i+1].onset) {
			continue
		}
		return at
	}
	t.Fatalf("local time %s is not covered by the VTIMEZONE observances", local)
	return time.Time{}
}

// checkZonedTime checks that a DTSTART or DTEND carries TZID tzid and local wall time
// wantLocal, and that both go-ical (through Go's zone database) and the feed's own VTIMEZONE
// read it back as want.
func checkZonedTime(t *testing.T, cal *ical.Calendar, ev ical.Event, prop, tzid, wantLocal string, want time.Time) {
	t.Helper()
	p := ev.Props.Get(prop)
	if p == nil {
		t.Fatalf("no %s", prop)
	}
	if got := p.Params.Get(ical.PropTimezoneID); got != tzid {
		t.Errorf("%s TZID = %q, want %q", prop, got, tzid)
	}
	if p.Value != wantLocal {
		t.Errorf("%s = %q, want local time %q", prop, p.Value, wantLocal)
	}
	got, err := ev.Props.DateTime(prop, nil)
	if err != nil {
		t.Fatalf("%s: %v", prop, err)
	}
	if !got.Equal(want) {
		t.Errorf("%s parsed in %s = %v, want %v", prop, tzid, got, want)
	}
	vtzs := timezones(cal)[tzid]
	if len(vtzs) != 1 {
		t.Fatalf("%d VTIMEZONEs with TZID %q, want 1", len(vtzs), tzid)
	}
	if got := resolveWall(t, observances(t, vtzs[0]), p.Value); !got.Equal(want) {
		t.Errorf("%s resolved with the feed's VTIMEZONE = %v, want %v", prop, got.UTC(), want.UTC())
	}
}

type zoneCase struct {
	name      string
	zone      string
	start     time.Time
	dur       time.Duration
	cancelled bool
	wantStart string // local wall time written in DTSTART
	wantEnd   string
	noDST     bool // the VTIMEZONE must be a single STANDARD
}

func zoneCases(t *testing.T) []zoneCase {
	tor := mustLoad(t, "America/Toronto")
	return []zoneCase{
		{
			name: "Toronto summer EDT", zone: "America/Toronto",
			start: time.Date(2024, 7, 15, 18, 30, 0, 0, tor), dur: 2 * time.Hour,
			wantStart: "20240715T183000", wantEnd: "20240715T203000",
		},
		{
			name: "Toronto winter EST", zone: "America/Toronto",
			start: time.Date(2024, 1, 20, 19, 0, 0, 0, time.UTC), dur: 90 * time.Minute,
			cancelled: true,
			wantStart: "20240120T140000", wantEnd: "20240120T153000",
		},
		{
			name: "Winnipeg spanning DST start", zone: "America/Winnipeg",
			// 2024-03-10 01:00 CST to 04:00 CDT: two hours of real time.
			start: time.Date(2024, 3, 10, 7, 0, 0, 0, time.UTC), dur: 2 * time.Hour,
			wantStart: "20240310T010000", wantEnd: "20240310T040000",
		},
		{
			name: "Regina without DST", zone: "America/Regina",
			start: time.Date(2024, 7, 1, 1, 0, 0, 0, time.UTC), dur: time.Hour,
			wantStart: "20240630T190000", wantEnd: "20240630T200000", noDST: true,
		},
		{
			name: "London BST", zone: "Europe/London",
			start: time.Date(2024, 6, 10, 17, 0, 0, 0, time.UTC), dur: 3 * time.Hour,
			wantStart: "20240610T180000", wantEnd: "20240610T210000",
		},
		{
			name: "London GMT", zone: "Europe/London",
			start: time.Date(2024, 12, 2, 17, 0, 0, 0, time.UTC), dur: time.Hour,
			cancelled: true,
			wantStart: "20241202T170000", wantEnd: "20241202T180000",
		},
		{
			name: "Kolkata half-hour offset", zone: "Asia/Kolkata",
			start: time.Date(2024, 5, 5, 12, 0, 0, 0, time.UTC), dur: time.Hour,
			wantStart: "20240505T173000", wantEnd: "20240505T183000", noDST: true,
		},
		{
			name: "UTC", zone: "UTC",
			start: time.Date(2024, 9, 1, 12, 0, 0, 0, time.UTC), dur: time.Hour,
			wantStart: "20240901T120000", wantEnd: "20240901T130000", noDST: true,
		},
		{
			name: "Sydney across New Year in DST", zone: "Australia/Sydney",
			start: time.Date(2024, 12, 31, 12, 0, 0, 0, time.UTC), dur: 2 * time.Hour,
			wantStart: "20241231T230000", wantEnd: "20250101T010000",
		},
		{
			name: "Dublin negative DST in winter", zone: "Europe/Dublin",
			start: time.Date(2025, 1, 10, 18, 0, 0, 0, time.UTC), dur: time.Hour,
			wantStart: "20250110T180000", wantEnd: "20250110T190000",
		},
	}
}

func (c zoneCase) session(i int) calendar.Session {
	return calendar.Session{
		UID:       "events/e1/sessions/s" + strconv.Itoa(i) + "@socialrx.org",
		Summary:   "Gathering: " + c.name,
		Start:     c.start,
		End:       c.start.Add(c.dur),
		TimeZone:  c.zone,
		Cancelled: c.cancelled,
	}
}

func TestWriteTimeZones(t *testing.T) {
	for i, tc := range zoneCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.session(i)
			cal := parse(t, write(t, "Zones", []calendar.Session{s}))

			evs := cal.Events()
			if len(evs) != 1 {
				t.Fatalf("%d VEVENTs, want 1", len(evs))
			}
			ev := eventByUID(t, cal, s.UID)
			if got := text(t, ev.Component, ical.PropSummary); got != s.Summary {
				t.Errorf("SUMMARY = %q, want %q", got, s.Summary)
			}
			wantStatus := "CONFIRMED"
			if tc.cancelled {
				wantStatus = "CANCELLED"
			}
			if got := ev.Props.Get(ical.PropStatus).Value; got != wantStatus {
				t.Errorf("STATUS = %q, want %q", got, wantStatus)
			}
			checkZonedTime(t, cal, ev, ical.PropDateTimeStart, tc.zone, tc.wantStart, s.Start)
			checkZonedTime(t, cal, ev, ical.PropDateTimeEnd, tc.zone, tc.wantEnd, s.End)

			tzs := timezones(cal)
			if len(tzs) != 1 || len(tzs[tc.zone]) != 1 {
				t.Fatalf("VTIMEZONEs = %v, want exactly one %q", keys(tzs), tc.zone)
			}
			obs := observances(t, tzs[tc.zone][0])
			if tc.noDST && (len(obs) != 1 || obs[0].kind != ical.CompTimezoneStandard) {
				t.Errorf("zone without DST has observances %+v, want a single STANDARD", obs)
			}
			if !tc.noDST && !slices.ContainsFunc(obs, func(o observance) bool {
				return o.kind == ical.CompTimezoneDaylight
			}) {
				t.Errorf("zone with DST has no DAYLIGHT observance: %+v", obs)
			}
		})
	}
}

func keys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// TestWriteAllZonesInOneFeed puts every zone case in one feed: each zone gets exactly one
// VTIMEZONE, even when several sessions share it, and VEVENTs come out sorted by start.
func TestWriteAllZonesInOneFeed(t *testing.T) {
	cases := zoneCases(t)
	var sessions []calendar.Session
	wantZones := map[string]bool{}
	for i, tc := range cases {
		sessions = append(sessions, tc.session(i))
		wantZones[tc.zone] = true
	}
	cal := parse(t, write(t, "All zones", sessions))

	tzs := timezones(cal)
	if got, want := keys(tzs), keys(wantZones); !slices.Equal(got, want) {
		t.Errorf("VTIMEZONE TZIDs = %v, want %v", got, want)
	}
	for id, vtzs := range tzs {
		if len(vtzs) != 1 {
			t.Errorf("%d VTIMEZONEs with TZID %q, want 1", len(vtzs), id)
		}
	}
	for i, tc := range cases {
		ev := eventByUID(t, cal, sessions[i].UID)
		checkZonedTime(t, cal, ev, ical.PropDateTimeStart, tc.zone, tc.wantStart, sessions[i].Start)
		checkZonedTime(t, cal, ev, ical.PropDateTimeEnd, tc.zone, tc.wantEnd, sessions[i].End)
	}
	var starts []time.Time
	for _, ev := range cal.Events() {
		st, err := ev.DateTimeStart(nil)
		if err != nil {
			t.Fatal(err)
		}
		starts = append(starts, st)
	}
	if !slices.IsSortedFunc(starts, time.Time.Compare) {
		t.Errorf("VEVENT starts not sorted: %v", starts)
	}
}

// TestVTIMEZONEMatchesZoneDatabase reads the offset a client would derive from the emitted
// VTIMEZONE at many instants across the covered years and compares it with Go's.
func TestVTIMEZONEMatchesZoneDatabase(t *testing.T) {
	tests := []struct {
		name        string
		zone        string
		first, last time.Time
	}{
		{"Toronto one year", "America/Toronto", date(2024, 7, 1), date(2024, 7, 2)},
		{"Toronto three years", "America/Toronto", date(2024, 2, 1), date(2026, 11, 30)},
		{"Winnipeg", "America/Winnipeg", date(2025, 1, 1), date(2025, 12, 31)},
		{"Regina", "America/Regina", date(2024, 1, 1), date(2025, 1, 1)},
		{"London", "Europe/London", date(2024, 3, 1), date(2024, 3, 2)},
		{"Dublin", "Europe/Dublin", date(2024, 3, 1), date(2025, 3, 2)},
		{"Kolkata", "Asia/Kolkata", date(2024, 3, 1), date(2024, 3, 2)},
		{"Kathmandu quarter-hour offset", "Asia/Kathmandu", date(2024, 3, 1), date(2024, 3, 2)},
		{"UTC", "UTC", date(2024, 3, 1), date(2024, 3, 2)},
		{"Sydney", "Australia/Sydney", date(2024, 3, 1), date(2025, 3, 2)},
		{"Lord Howe half-hour DST", "Australia/Lord_Howe", date(2024, 3, 1), date(2024, 3, 2)},
		{"Tehran DST abolished 2022", "Asia/Tehran", date(2021, 6, 1), date(2023, 6, 1)},
		{"Santiago", "America/Santiago", date(2024, 6, 1), date(2025, 6, 1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			loc := mustLoad(t, tc.zone)
			s := calendar.Session{UID: "u@socialrx.org", Start: tc.first, End: tc.last, TimeZone: tc.zone}
			cal := parse(t, write(t, "", []calendar.Session{s}))
			vtzs := timezones(cal)[tc.zone]
			if len(vtzs) != 1 {
				t.Fatalf("%d VTIMEZONEs with TZID %q, want 1", len(vtzs), tc.zone)
			}
			obs := observances(t, vtzs[0])
			from := time.Date(tc.first.In(loc).Year(), 1, 1, 0, 0, 0, 0, loc)
			to := time.Date(tc.last.In(loc).Year()+1, 1, 1, 0, 0, 0, 0, loc)
			for at := from; at.Before(to); at = at.Add(time.Hour) {
				o, ok := inEffect(obs, at)
				if !ok {
					t.Fatalf("%v precedes every observance", at)
				}
				if name, off := at.Zone(); o.to != off || o.name != name {
					t.Fatalf("at %v the VTIMEZONE gives %s %d, want %s %d", at.UTC(), o.name, o.to, name, off)
				}
			}
			// Where summer and winter offsets differ, summer time must be the DAYLIGHT one,
			// including in zones the database models with negative DST (Dublin).
			for _, o := range obs {
				for _, p := range obs {
					if o.kind == ical.CompTimezoneDaylight && p.kind == ical.CompTimezoneStandard && o.to < p.to {
						t.Errorf("DAYLIGHT %+v has a smaller offset than STANDARD %+v", o, p)
					}
				}
			}
		})
	}
}

func date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 12, 0, 0, 0, time.UTC)
}

// TestWriteRepeatedHour covers the hour that occurs twice when clocks go back: its second
// occurrence has no TZID form (RFC 5545 picks the first), so it is written in UTC.
func TestWriteRepeatedHour(t *testing.T) {
	tests := []struct {
		name      string
		start     time.Time
		wantTZID  string
		wantStart string
	}{
		{"first 01:30 EDT", time.Date(2024, 11, 3, 5, 30, 0, 0, time.UTC), "America/Toronto", "20241103T013000"},
		{"second 01:30 EST", time.Date(2024, 11, 3, 6, 30, 0, 0, time.UTC), "", "20241103T063000Z"},
		{"02:00 EST after the repeat", time.Date(2024, 11, 3, 7, 0, 0, 0, time.UTC), "America/Toronto", "20241103T020000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := calendar.Session{
				UID: "u@socialrx.org", Start: tc.start, End: tc.start.Add(3 * time.Hour),
				TimeZone: "America/Toronto",
			}
			cal := parse(t, write(t, "", []calendar.Session{s}))
			ev := eventByUID(t, cal, s.UID)
			p := ev.Props.Get(ical.PropDateTimeStart)
			if got := p.Params.Get(ical.PropTimezoneID); got != tc.wantTZID {
				t.Errorf("DTSTART TZID = %q, want %q", got, tc.wantTZID)
			}
			if p.Value != tc.wantStart {
				t.Errorf("DTSTART = %q, want %q", p.Value, tc.wantStart)
			}
			got, err := ev.DateTimeStart(nil)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(s.Start) {
				t.Errorf("DTSTART = %v, want %v", got, s.Start)
			}
			if tc.wantTZID != "" {
				obs := observances(t, timezones(cal)[tc.wantTZID][0])
				if got := resolveWall(t, obs, p.Value); !got.Equal(s.Start) {
					t.Errorf("DTSTART via VTIMEZONE = %v, want %v", got.UTC(), s.Start.UTC())
				}
			}
		})
	}
}

// TestWriteText checks that TEXT values survive escaping and folding exactly.
func TestWriteText(t *testing.T) {
	long := strings.Repeat("Cercle de récits — partagez vos histoires; café, thé. ", 6)
	tests := []struct {
		name                           string
		summary, description, location string
		wantDescription                string // defaults to description
	}{
		{
			name:        "long French description",
			summary:     "Cercle de récits",
			description: long,
			location:    "Café Olimpico, 124 Rue Saint-Viateur O, Montréal, QC",
		},
		{
			name:        "special characters",
			summary:     `Tea; talk, and a \ backslash`,
			description: "Line one\nLine two; with, punctuation\\\n\nafter a blank line: colons stay",
			location:    `Hall "B"; 1, Main St.`,
		},
		{
			name:            "CRLF and control characters",
			summary:         "Bell\a gone",
			description:     "Windows\r\nline\rbreaks\x00 and\ttab",
			wantDescription: "Windows\nline\nbreaks and\ttab",
		},
		{
			name:        "four-byte runes across fold points",
			summary:     strings.Repeat("🎉", 40),
			description: strings.Repeat("x🌍", 50) + strings.Repeat("日本語", 30),
			location:    strings.Repeat("é", 100),
		},
		{
			name:        "escape sequence at a fold point",
			summary:     strings.Repeat("a", 64) + `\;,` + strings.Repeat(",", 80),
			description: strings.Repeat(";", 200),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := calendar.Session{
				UID:         "events/e1/sessions/s1@socialrx.org",
				Summary:     tc.summary,
				Description: tc.description,
				Location:    tc.location,
				Start:       time.Date(2024, 7, 15, 22, 0, 0, 0, time.UTC),
				End:         time.Date(2024, 7, 15, 23, 0, 0, 0, time.UTC),
				TimeZone:    "America/Toronto",
			}
			cal := parse(t, write(t, "Textes, récits; etc.", []calendar.Session{s}))
			ev := eventByUID(t, cal, s.UID)
			wantDesc := tc.description
			if tc.wantDescription != "" {
				wantDesc = tc.wantDescription
			}
			wantSummary := strings.ReplaceAll(tc.summary, "\a", "")
			for _, c := range []struct{ prop, want string }{
				{ical.PropSummary, wantSummary},
				{ical.PropDescription, wantDesc},
				{ical.PropLocation, tc.location},
			} {
				if got := text(t, ev.Component, c.prop); got != c.want {
					t.Errorf("%s = %q, want %q", c.prop, got, c.want)
				}
			}
			if got := text(t, cal.Component, "X-WR-CALNAME"); got != "Textes, récits; etc." {
				t.Errorf("X-WR-CALNAME = %q", got)
			}
		})
	}
}

func TestWriteProperties(t *testing.T) {
	lat, lon := 43.6532, -79.3832
	full := calendar.Session{
		UID:          "events/e1/sessions/s1@socialrx.org",
		Summary:      "Walk and talk",
		Description:  "Bring shoes",
		Location:     "High Park, 1873 Bloor St W, Toronto",
		URL:          "https://socialrx.org/events/e1?session=s1&x=a;b,c&bad=%zz",
		Latitude:     &lat,
		Longitude:    &lon,
		Start:        time.Date(2024, 7, 15, 22, 0, 0, 0, time.UTC),
		End:          time.Date(2024, 7, 15, 23, 0, 0, 0, time.UTC),
		TimeZone:     "America/Toronto",
		Categories:   []string{"outdoors", "walking, talking", "", "seniors; all ages"},
		Sequence:     3,
		LastModified: time.Date(2024, 4, 30, 20, 1, 2, 0, time.FixedZone("", 2*3600)),
		Organizer:    `Parkdale "Walkers"; Club`,
	}
	minimal := calendar.Session{
		UID:      "events/e2/sessions/s1@socialrx.org",
		Start:    full.Start,
		End:      full.End,
		TimeZone: "UTC",
	}
	tests := []struct {
		name    string
		session calendar.Session
		want    map[string]string // property name to raw value
		absent  []string
		check   func(t *testing.T, ev ical.Event)
	}{
		{
			name:    "all fields",
			session: full,
			want: map[string]string{
				ical.PropDateTimeStamp: "20240501T131530Z",
				ical.PropLastModified:  "20240430T180102Z",
				ical.PropSequence:      "3",
				ical.PropGeo:           "43.6532;-79.3832",
				ical.PropURL:           full.URL,
				ical.PropStatus:        "CONFIRMED",
				ical.PropOrganizer:     "mailto:noreply@socialrx.org",
			},
			check: func(t *testing.T, ev ical.Event) {
				cats, err := ev.Props.Get(ical.PropCategories).TextList()
				if err != nil {
					t.Fatal(err)
				}
				if want := []string{"outdoors", "walking, talking", "seniors; all ages"}; !slices.Equal(cats, want) {
					t.Errorf("CATEGORIES = %q, want %q", cats, want)
				}
				// RFC 6868 caret encoding carries the double quotes.
				if got := ev.Props.Get(ical.PropOrganizer).Params.Get(ical.ParamCommonName); got != `Parkdale ^'Walkers^'; Club` {
					t.Errorf("ORGANIZER CN = %q", got)
				}
			},
		},
		{
			name:    "optional fields omitted",
			session: minimal,
			want: map[string]string{
				ical.PropDateTimeStamp: "20240501T131530Z",
				ical.PropSequence:      "0",
				ical.PropStatus:        "CONFIRMED",
			},
			absent: []string{
				ical.PropSummary, ical.PropDescription, ical.PropLocation, ical.PropGeo, ical.PropURL,
				ical.PropCategories, ical.PropLastModified, ical.PropOrganizer,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := write(t, "Props", []calendar.Session{tc.session})
			cal := parse(t, out)
			for name, want := range map[string]string{
				ical.PropVersion:       "2.0",
				ical.PropProductID:     "-//socialrx//event service//EN",
				ical.PropCalendarScale: "GREGORIAN",
				ical.PropMethod:        "PUBLISH",
				"X-WR-CALNAME":         "Props",
			} {
				if p := cal.Props.Get(name); p == nil || p.Value != want {
					t.Errorf("VCALENDAR %s = %v, want %q", name, p, want)
				}
			}
			ev := eventByUID(t, cal, tc.session.UID)
			for name, want := range tc.want {
				if vs := ev.Props.Values(name); len(vs) != 1 || vs[0].Value != want {
					t.Errorf("%s = %v, want exactly one %q", name, vs, want)
				}
			}
			for _, name := range tc.absent {
				if p := ev.Props.Get(name); p != nil {
					t.Errorf("%s = %q, want it omitted", name, p.Value)
				}
			}
			if tc.check != nil {
				tc.check(t, ev)
			}
		})
	}
}

func TestWriteOrder(t *testing.T) {
	base := time.Date(2024, 7, 15, 22, 0, 0, 0, time.UTC)
	mk := func(uid string, start time.Time) calendar.Session {
		return calendar.Session{UID: uid, Start: start, End: start.Add(time.Hour), TimeZone: "America/Toronto"}
	}
	tests := []struct {
		name     string
		sessions []calendar.Session
		want     []string
	}{
		{
			name:     "by start",
			sessions: []calendar.Session{mk("c", base.Add(2*time.Hour)), mk("a", base.Add(time.Hour)), mk("b", base)},
			want:     []string{"b", "a", "c"},
		},
		{
			name:     "same start by UID",
			sessions: []calendar.Session{mk("z", base), mk("y", base), mk("x", base.Add(-time.Minute))},
			want:     []string{"x", "y", "z"},
		},
		{
			// The same instant in another zone is the same start.
			name: "same instant across zones",
			sessions: []calendar.Session{
				{UID: "q", Start: base, End: base.Add(time.Hour), TimeZone: "Asia/Kolkata"},
				mk("p", base.In(mustLoad(t, "Europe/London"))),
			},
			want: []string{"p", "q"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := slices.Clone(tc.sessions)
			cal := parse(t, write(t, "", tc.sessions))
			var got []string
			for _, ev := range cal.Events() {
				got = append(got, ev.Props.Get(ical.PropUID).Value)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("UIDs = %v, want %v", got, tc.want)
			}
			for i := range before {
				if before[i].UID != tc.sessions[i].UID {
					t.Fatalf("Write reordered the caller's slice")
				}
			}
		})
	}
}

func TestWriteEmpty(t *testing.T) {
	tests := []struct {
		name     string
		calName  string
		sessions []calendar.Session
	}{
		{"nil sessions", "Nothing yet", nil},
		{"empty slice", "Nothing yet", []calendar.Session{}},
		{"no name", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cal := parse(t, write(t, tc.calName, tc.sessions))
			if len(cal.Children) != 0 {
				t.Errorf("%d components, want none", len(cal.Children))
			}
			for _, name := range []string{ical.PropVersion, ical.PropProductID, ical.PropMethod, ical.PropCalendarScale} {
				if vs := cal.Props.Values(name); len(vs) != 1 {
					t.Errorf("%d %s properties, want 1", len(vs), name)
				}
			}
			if got := cal.Props.Get("X-WR-CALNAME"); (got != nil) != (tc.calName != "") {
				t.Errorf("X-WR-CALNAME = %v, want present iff name %q is set", got, tc.calName)
			}
		})
	}
}

func TestWriteInvalid(t *testing.T) {
	start := time.Date(2024, 7, 15, 22, 0, 0, 0, time.UTC)
	valid := calendar.Session{UID: "u@socialrx.org", Start: start, End: start.Add(time.Hour), TimeZone: "America/Toronto"}
	lat := 43.0
	badLat := 91.0
	tests := []struct {
		name     string
		mutate   func(*calendar.Session)
		extra    bool // add a second, valid session with another UID
		wantText string
	}{
		{"unknown time zone", func(s *calendar.Session) { s.TimeZone = "Mars/Olympus_Mons" }, false, "Mars/Olympus_Mons"},
		{"unknown zone after a valid session", func(s *calendar.Session) { s.TimeZone = "America/Toronto_Typo" }, true, "America/Toronto_Typo"},
		{"empty time zone", func(s *calendar.Session) { s.TimeZone = "" }, false, "time zone"},
		{"host Local zone", func(s *calendar.Session) { s.TimeZone = "Local" }, false, "Local"},
		{"empty UID", func(s *calendar.Session) { s.UID = "" }, false, "UID"},
		{"end before start", func(s *calendar.Session) { s.End = s.Start.Add(-time.Minute) }, false, "not after start"},
		{"end equals start", func(s *calendar.Session) { s.End = s.Start }, false, "not after start"},
		{"latitude without longitude", func(s *calendar.Session) { s.Latitude = &lat }, false, "GEO"},
		{"latitude out of range", func(s *calendar.Session) { s.Latitude, s.Longitude = &badLat, &lat }, false, "GEO"},
		{"URL with NUL", func(s *calendar.Session) { s.URL = "https://x.org/\x00" }, false, "URL"},
		{"URL with line break", func(s *calendar.Session) { s.URL = "https://x.org/\r\nX-EVIL:1" }, false, "URL"},
		{"negative sequence", func(s *calendar.Session) { s.Sequence = -1 }, false, "sequence"},
		{"year beyond 9999", func(s *calendar.Session) { s.End = time.Date(10001, 1, 1, 0, 0, 0, 0, time.UTC) }, false, "9999"},
		{"duplicate UID", func(s *calendar.Session) {}, true, "duplicate UID"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := valid
			sessions := []calendar.Session{s}
			if tc.extra {
				other := valid
				if tc.wantText != "duplicate UID" {
					other.UID = "other@socialrx.org"
				}
				sessions = []calendar.Session{other, s}
			}
			tc.mutate(&sessions[len(sessions)-1])
			var buf bytes.Buffer
			err := calendar.Write(&buf, "Bad", sessions, now)
			if err == nil {
				t.Fatalf("Write succeeded, want an error mentioning %q", tc.wantText)
			}
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("error %q does not mention %q", err, tc.wantText)
			}
			if buf.Len() != 0 {
				t.Errorf("Write wrote %d bytes before failing, want none", buf.Len())
			}
		})
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestWriteWriterError(t *testing.T) {
	start := time.Date(2024, 7, 15, 22, 0, 0, 0, time.UTC)
	errDisk := errors.New("connection reset")
	tests := []struct {
		name     string
		sessions []calendar.Session
	}{
		{"empty feed", nil},
		{"feed larger than the buffer", func() []calendar.Session {
			var ss []calendar.Session
			for i := range 200 {
				ss = append(ss, calendar.Session{
					UID: strconv.Itoa(i), Description: strings.Repeat("x", 100),
					Start: start, End: start.Add(time.Hour), TimeZone: "UTC",
				})
			}
			return ss
		}()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := calendar.Write(failingWriter{errDisk}, "x", tc.sessions, now)
			if !errors.Is(err, errDisk) {
				t.Errorf("Write error = %v, want it to wrap %v", err, errDisk)
			}
		})
	}
}

func TestContentType(t *testing.T) {
	if calendar.ContentType != "text/calendar; charset=utf-8" {
		t.Errorf("ContentType = %q", calendar.ContentType)
	}
}

// TestNoThirdPartyImports keeps the non-test code on the standard library alone.
func TestNoThirdPartyImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") {
				t.Errorf("%s imports %s, want the standard library only", name, path)
			}
		}
	}
}

// A session's words carry their language, so that calendar apps read them in it.
func TestWriteLanguage(t *testing.T) {
	start := time.Date(2026, 6, 1, 14, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	sessions := []calendar.Session{
		{UID: "a@socialrx.org", Summary: "Cercle de récits", Description: "Venez écouter.", Language: "fr",
			Start: start, End: start.Add(time.Hour), TimeZone: "America/Toronto"},
		{UID: "b@socialrx.org", Summary: "Walk", Start: start, End: start.Add(time.Hour), TimeZone: "America/Toronto"},
	}
	if err := calendar.Write(&buf, "", sessions, now); err != nil {
		t.Fatal(err)
	}
	feed := buf.String()
	for _, want := range []string{"SUMMARY;LANGUAGE=fr:Cercle de récits\r\n", "DESCRIPTION;LANGUAGE=fr:Venez écouter.\r\n", "SUMMARY:Walk\r\n"} {
		if !strings.Contains(feed, want) {
			t.Errorf("the feed lacks %q:\n%s", want, feed)
		}
	}
	cal, err := ical.NewDecoder(strings.NewReader(feed)).Decode()
	if err != nil {
		t.Fatalf("the feed does not parse: %v", err)
	}
	if p := cal.Events()[0].Props.Get(ical.PropSummary); p == nil || p.Params.Get("LANGUAGE") != "fr" || p.Value != "Cercle de récits" {
		t.Fatalf("the first SUMMARY as a calendar app reads it: %+v", p)
	}
}
