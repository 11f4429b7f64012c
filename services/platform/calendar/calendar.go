// Package calendar writes Human Connection event sessions as an iCalendar (RFC 5545) feed that
// calendar clients (Google Calendar, Apple Calendar, Outlook, Thunderbird) can subscribe to.
//
// The output is a single VCALENDAR with METHOD:PUBLISH: one VTIMEZONE per time zone the
// sessions use, built from Go's time zone database, and one VEVENT per session. Start and end
// times are written as local times with a TZID so clients show them in the venue's zone and
// keep them right across daylight saving changes.
//
// The package has no third-party dependencies and embeds the time zone database (time/tzdata)
// so feeds come out the same on machines without system zoneinfo.
package calendar

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	// Embedded so VTIMEZONEs do not depend on the host's zoneinfo being installed or current.
	_ "time/tzdata"
)

// ContentType is the media type of the feed (RFC 5545 section 8.1), for the HTTP Content-Type
// header.
const ContentType = "text/calendar; charset=utf-8"

// prodID identifies the producer of the feed (PRODID).
const prodID = "-//socialrx//event service//EN"

// organizerAddress is the calendar address written with an organiser's display name.
// ORGANIZER needs a cal-address URI, and the service never publishes organisers' own addresses,
// so the name travels in CN with a no-reply mailbox. Under METHOD:PUBLISH with no attendees,
// clients do not send replies to it.
const organizerAddress = "mailto:noreply@socialrx.org"

// Session is one VEVENT.
type Session struct {
	// UID is globally unique and stable, e.g. "events/e1/sessions/s1@socialrx.org". Clients
	// match updates to events they already hold by UID.
	UID string
	// Summary is the title.
	Summary     string
	Description string
	// Language is that of Summary and Description, BCP-47; written as their LANGUAGE parameter
	// when set.
	Language string
	// Location is the venue name and address in one line, or empty.
	Location string
	// URL is a link to the session, optional. It is written verbatim as a URI value.
	URL string
	// Latitude and Longitude are the venue's GEO position in degrees, optional (both or
	// neither).
	Latitude, Longitude *float64
	// Start and End are instants, End after Start. They are written to the second.
	Start, End time.Time
	// TimeZone is an IANA name, e.g. "America/Toronto"; DTSTART and DTEND are written as local
	// times in this zone with a TZID parameter.
	TimeZone string
	// Cancelled writes STATUS:CANCELLED, otherwise STATUS:CONFIRMED.
	Cancelled  bool
	Categories []string
	// Sequence is the SEQUENCE revision number, bumped when the session changes; not negative.
	Sequence int
	// LastModified is written as LAST-MODIFIED unless zero.
	LastModified time.Time
	// Organizer is the organiser's display name, optional. It is written as
	// ORGANIZER;CN="<name>":mailto:noreply@socialrx.org, and omitted when empty.
	Organizer string
}

// Write writes a VCALENDAR named name (X-WR-CALNAME, omitted when empty) with PRODID
// "-//socialrx//event service//EN", VERSION:2.0, CALSCALE:GREGORIAN and METHOD:PUBLISH, one
// VTIMEZONE per distinct TimeZone used, and one VEVENT per session, sorted by start time and then
// UID. now is written as every VEVENT's DTSTAMP.
//
// Sessions are validated before anything is written, so an invalid session (empty or duplicate
// UID, unknown time zone, End not after Start, half or out-of-range GEO position, control
// character in URL, negative Sequence) returns an error and leaves w untouched. The service
// validates sessions earlier; these checks guard against bugs rather than user input.
//
// A start or end instant that falls in the repeated hour when clocks go back is written in UTC
// instead, because RFC 5545 reads an ambiguous local time as its first occurrence.
func Write(w io.Writer, name string, sessions []Session, now time.Time) error {
	if err := checkYear(now); err != nil {
		return fmt.Errorf("now: %w", err)
	}
	locs := make(map[string]*time.Location)
	uids := make(map[string]bool, len(sessions))
	for i := range sessions {
		s := &sessions[i]
		if err := checkSession(s, locs); err != nil {
			return fmt.Errorf("session %d (UID %q): %w", i, s.UID, err)
		}
		if uids[s.UID] {
			// Clients would merge both VEVENTs into one event.
			return fmt.Errorf("session %d: duplicate UID %q", i, s.UID)
		}
		uids[s.UID] = true
	}

	// Sort a copy: the caller's slice is not ours to reorder.
	sorted := slices.Clone(sessions)
	slices.SortStableFunc(sorted, func(a, b Session) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.UID, b.UID)
	})

	bw := bufio.NewWriter(w)
	lw := &lineWriter{w: bw}
	lw.prop("BEGIN", nil, "VCALENDAR")
	lw.prop("VERSION", nil, "2.0")
	lw.prop("PRODID", nil, escapeText(prodID))
	lw.prop("CALSCALE", nil, "GREGORIAN")
	lw.prop("METHOD", nil, "PUBLISH")
	if name != "" {
		lw.prop("X-WR-CALNAME", nil, escapeText(name))
	}
	for _, z := range zoneSpans(sorted, locs) {
		writeTimezone(lw, z)
	}
	stamp := formatUTC(now)
	for i := range sorted {
		writeEvent(lw, &sorted[i], locs[sorted[i].TimeZone], stamp)
	}
	lw.prop("END", nil, "VCALENDAR")
	if lw.err != nil {
		return fmt.Errorf("write calendar: %w", lw.err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write calendar: %w", err)
	}
	return nil
}

// checkSession validates s and loads its time zone into locs.
func checkSession(s *Session, locs map[string]*time.Location) error {
	if s.UID == "" {
		return fmt.Errorf("empty UID")
	}
	loc, ok := locs[s.TimeZone]
	if !ok {
		var err error
		if loc, err = loadLocation(s.TimeZone); err != nil {
			return err
		}
		locs[s.TimeZone] = loc
	}
	if !s.End.After(s.Start) {
		// RFC 5545 section 3.8.2.2: DTEND must be later than DTSTART.
		return fmt.Errorf("end %v is not after start %v", s.End, s.Start)
	}
	for _, t := range []time.Time{s.Start.In(loc), s.End.In(loc), s.LastModified.UTC()} {
		if err := checkYear(t); err != nil {
			return err
		}
	}
	if (s.Latitude == nil) != (s.Longitude == nil) {
		return fmt.Errorf("GEO needs both latitude and longitude")
	}
	if s.Latitude != nil {
		if !inRange(*s.Latitude, 90) || !inRange(*s.Longitude, 180) {
			return fmt.Errorf("GEO position %v;%v out of range", *s.Latitude, *s.Longitude)
		}
	}
	// Only characters that would break the content line are refused: URL syntax is the
	// service's to validate, and one odd link should not take down a whole feed.
	if strings.ContainsFunc(s.URL, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("URL %q holds a control character", s.URL)
	}
	if s.Sequence < 0 {
		return fmt.Errorf("negative sequence %d", s.Sequence)
	}
	return nil
}

// loadLocation loads an IANA zone. "" and "Local" are refused: LoadLocation maps them to UTC and
// the host's zone, neither of which is a TZID a client can resolve to what the service meant.
func loadLocation(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: %w", name, err)
	}
	return loc, nil
}

// checkYear rejects times the four-digit DATE-TIME year cannot hold.
func checkYear(t time.Time) error {
	if t.IsZero() {
		return nil // a zero LastModified means "omit"
	}
	if y := t.Year(); y < 0 || y > 9999 {
		return fmt.Errorf("time %v outside years 0000-9999", t)
	}
	return nil
}

func inRange(v, limit float64) bool {
	return !math.IsNaN(v) && v >= -limit && v <= limit
}

func writeEvent(lw *lineWriter, s *Session, loc *time.Location, stamp string) {
	lw.prop("BEGIN", nil, "VEVENT")
	lw.prop("UID", nil, escapeText(s.UID))
	lw.prop("DTSTAMP", nil, stamp)
	writeZonedTime(lw, "DTSTART", s.Start, s.TimeZone, loc)
	writeZonedTime(lw, "DTEND", s.End, s.TimeZone, loc)
	if s.Summary != "" {
		lw.prop("SUMMARY", languageParam(s.Language), escapeText(s.Summary))
	}
	if s.Description != "" {
		lw.prop("DESCRIPTION", languageParam(s.Language), escapeText(s.Description))
	}
	if s.Location != "" {
		lw.prop("LOCATION", nil, escapeText(s.Location))
	}
	if s.Latitude != nil {
		lw.prop("GEO", nil, formatDegrees(*s.Latitude)+";"+formatDegrees(*s.Longitude))
	}
	if s.URL != "" {
		// A URI value, not TEXT: no escaping, only valid UTF-8 for the folding.
		lw.prop("URL", nil, strings.ToValidUTF8(s.URL, "\uFFFD"))
	}
	if s.Organizer != "" {
		lw.prop("ORGANIZER", []param{{"CN", s.Organizer}}, organizerAddress)
	}
	status := "CONFIRMED"
	if s.Cancelled {
		status = "CANCELLED"
	}
	lw.prop("STATUS", nil, status)
	var cats []string
	for _, c := range s.Categories {
		if c != "" {
			cats = append(cats, escapeText(c))
		}
	}
	if len(cats) > 0 {
		// Commas separate the values; commas inside a category were escaped above.
		lw.prop("CATEGORIES", nil, strings.Join(cats, ","))
	}
	lw.prop("SEQUENCE", nil, strconv.Itoa(s.Sequence))
	if !s.LastModified.IsZero() {
		lw.prop("LAST-MODIFIED", nil, formatUTC(s.LastModified))
	}
	lw.prop("END", nil, "VEVENT")
}

// writeZonedTime writes t as a local DATE-TIME with TZID, or in UTC when the local time is the
// second occurrence of a repeated wall-clock time, which a TZID form cannot express.
func writeZonedTime(lw *lineWriter, name string, t time.Time, tzid string, loc *time.Location) {
	local := t.In(loc)
	if repeatedWallTime(local) {
		lw.prop(name, nil, formatUTC(t))
		return
	}
	lw.prop(name, []param{{"TZID", tzid}}, local.Format(localLayout))
}

// repeatedWallTime reports whether t's wall-clock time already occurred earlier under the
// previous offset, i.e. t lies in the first (old offset - new offset) after clocks went back.
func repeatedWallTime(t time.Time) bool {
	// A day covers any fall-back in the database (at most a couple of hours).
	trs := transitions(t.Add(-24*time.Hour), t)
	if len(trs) == 0 {
		return false
	}
	tr := trs[len(trs)-1]
	back := time.Duration(tr.from.offset-tr.to.offset) * time.Second
	return back > 0 && t.Sub(tr.at) < back
}

// formatDegrees writes a GEO float: plain decimal (no exponent), at most six decimal places as
// RFC 5545 section 3.8.1.6 suggests.
func formatDegrees(v float64) string {
	s := strconv.FormatFloat(v, 'f', 6, 64)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

const (
	localLayout = "20060102T150405"
	utcLayout   = "20060102T150405Z"
)

func formatUTC(t time.Time) string {
	return t.UTC().Format(utcLayout)
}

// languageParam is the LANGUAGE parameter of a text in lang (RFC 5545 section 3.2.10), none
// when lang is empty.
func languageParam(lang string) []param {
	if lang == "" {
		return nil
	}
	return []param{{name: "LANGUAGE", value: lang}}
}
