package calendar

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// zoneSpan is a time zone the feed uses and the instants its sessions cover.
type zoneSpan struct {
	tzid  string
	loc   *time.Location
	first time.Time // earliest session start
	last  time.Time // latest session end
}

// zoneSpans returns one span per distinct TimeZone, ordered by TZID so output is deterministic.
func zoneSpans(sessions []Session, locs map[string]*time.Location) []zoneSpan {
	byID := make(map[string]*zoneSpan)
	for _, s := range sessions {
		z, ok := byID[s.TimeZone]
		if !ok {
			z = &zoneSpan{tzid: s.TimeZone, loc: locs[s.TimeZone], first: s.Start, last: s.End}
			byID[s.TimeZone] = z
		}
		if s.Start.Before(z.first) {
			z.first = s.Start
		}
		if s.End.After(z.last) {
			z.last = s.End
		}
	}
	spans := make([]zoneSpan, 0, len(byID))
	for _, z := range byID {
		spans = append(spans, *z)
	}
	slices.SortFunc(spans, func(a, b zoneSpan) int { return strings.Compare(a.tzid, b.tzid) })
	return spans
}

// observance is one STANDARD or DAYLIGHT sub-component: a single onset with no recurrence.
type observance struct {
	daylight bool
	dtstart  string // onset as local time in the offset before it
	from, to int    // UTC offsets in seconds
	name     string
}

// observances describes loc over the whole calendar years from first to last: the observance
// already in effect on 1 January of the first year, then one per transition up to the end of
// the last year. Explicit onsets, rather than RRULEs, are exact for any zone history, and whole
// years keep the set stable while sessions are added within a year.
//
// Transitions come from time.Time.ZoneBounds, which reports the exact instants the zone database
// (including its rule for future years) changes offset, so no searching is needed.
func observances(loc *time.Location, first, last time.Time) []observance {
	rangeStart := time.Date(first.In(loc).Year(), time.January, 1, 0, 0, 0, 0, loc)
	rangeEnd := time.Date(last.In(loc).Year()+1, time.January, 1, 0, 0, 0, 0, loc)

	name, offset := rangeStart.Zone()
	initial := observance{daylight: rangeStart.IsDST(), from: offset, to: offset, name: name}
	if onset, _ := rangeStart.ZoneBounds(); onset.IsZero() {
		// No recorded transition (UTC, or a zone unchanged since its first entry): pick the
		// customary 1970 onset, or the range start if sessions are older than that.
		initial.dtstart = "19700101T000000"
		if rangeStart.Year() < 1970 {
			initial.dtstart = rangeStart.Format(localLayout)
		}
	} else {
		before := onset.Add(-time.Nanosecond)
		_, initial.from = before.Zone()
		initial.dtstart = onsetLocal(onset, initial.from)
		initial.daylight = isDaylight(before, onset)
	}
	obs := []observance{initial}

	for t := rangeStart; ; {
		_, end := t.ZoneBounds()
		if end.IsZero() || !end.Before(rangeEnd) {
			break
		}
		prevName, prevOffset := t.Zone()
		name, offset := end.Zone()
		// Skip entries that change nothing a client can see (the database has a few).
		if name != prevName || offset != prevOffset || end.IsDST() != t.IsDST() {
			obs = append(obs, observance{
				daylight: isDaylight(t, end),
				dtstart:  onsetLocal(end, prevOffset),
				from:     prevOffset,
				to:       offset,
				name:     name,
			})
		}
		t = end
	}
	return obs
}

// isDaylight reports whether the observance starting at after (left at before) is DAYLIGHT.
// When the DST flag flips, the side with the larger offset is daylight time. That matches the
// flag everywhere except zones the database gives negative DST, such as Europe/Dublin, whose
// winter GMT it flags as DST; calling summer IST daylight there is what clients expect. A
// change of standard offset without a flip (e.g. America/Regina in 1960) keeps the flag.
func isDaylight(before, after time.Time) bool {
	if before.IsDST() == after.IsDST() {
		return after.IsDST()
	}
	_, from := before.Zone()
	_, to := after.Zone()
	if to == from {
		return after.IsDST()
	}
	return to > from
}

// onsetLocal formats a transition instant as the local time just before it, which is how
// RFC 5545 section 3.6.5 expresses an observance's DTSTART (relative to TZOFFSETFROM).
func onsetLocal(onset time.Time, fromOffset int) string {
	return onset.In(time.FixedZone("", fromOffset)).Format(localLayout)
}

func writeTimezone(lw *lineWriter, z zoneSpan) {
	lw.prop("BEGIN", nil, "VTIMEZONE")
	lw.prop("TZID", nil, escapeText(z.tzid))
	for _, o := range observances(z.loc, z.first, z.last) {
		kind := "STANDARD"
		if o.daylight {
			kind = "DAYLIGHT"
		}
		lw.prop("BEGIN", nil, kind)
		lw.prop("DTSTART", nil, o.dtstart)
		lw.prop("TZOFFSETFROM", nil, formatOffset(o.from))
		lw.prop("TZOFFSETTO", nil, formatOffset(o.to))
		if o.name != "" {
			lw.prop("TZNAME", nil, escapeText(o.name))
		}
		lw.prop("END", nil, kind)
	}
	lw.prop("END", nil, "VTIMEZONE")
}

// formatOffset writes a UTC-OFFSET (RFC 5545 section 3.3.14): +hhmm, with seconds only when
// non-zero, and never "-0000", which the RFC forbids.
func formatOffset(seconds int) string {
	sign := '+'
	if seconds < 0 {
		sign = '-'
		seconds = -seconds
	}
	h, m, s := seconds/3600, seconds/60%60, seconds%60
	if s != 0 {
		return fmt.Sprintf("%c%02d%02d%02d", sign, h, m, s)
	}
	return fmt.Sprintf("%c%02d%02d", sign, h, m)
}
