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
func observances(loc *time.Location, first, last time.Time) []observance {
	rangeStart := time.Date(first.In(loc).Year(), time.January, 1, 0, 0, 0, 0, loc)
	rangeEnd := time.Date(last.In(loc).Year()+1, time.January, 1, 0, 0, 0, 0, loc)

	// Look back a year for the onset of the observance in effect at rangeStart, so a zone with
	// DST starts with its real previous change (and true TZOFFSETFROM).
	trs := transitions(rangeStart.AddDate(-1, 0, 0), rangeEnd)
	var obs []observance
	i := 0
	for i < len(trs) && !trs[i].at.After(rangeStart) {
		i++
	}
	if i > 0 {
		obs = append(obs, trs[i-1].observance())
	} else {
		// The offset has held for at least a year (no DST), so one observance with the
		// customary 1970 onset (or the range start, for older sessions) covers the range.
		st := stateAt(rangeStart)
		dtstart := "19700101T000000"
		if rangeStart.Year() < 1970 {
			dtstart = rangeStart.Format(localLayout)
		}
		obs = append(obs, observance{
			daylight: st.dst, dtstart: dtstart, from: st.offset, to: st.offset, name: st.name,
		})
	}
	for _, tr := range trs[i:] {
		if tr.at.Before(rangeEnd) {
			obs = append(obs, tr.observance())
		}
	}
	return obs
}

// zoneState is what a zone shows at an instant; a transition is a change of any of it.
type zoneState struct {
	name   string
	offset int // seconds east of UTC
	dst    bool
}

func stateAt(t time.Time) zoneState {
	name, offset := t.Zone()
	return zoneState{name: name, offset: offset, dst: t.IsDST()}
}

type transition struct {
	at       time.Time // first instant of the new state
	from, to zoneState
}

// scanStep is the probe interval when looking for transitions. Go exposes no transition list,
// and time.Time.ZoneBounds is unreliable in the rule-based range after the last listed
// transition (for America/Toronto it reports 2040-12-31 as a zone end that is not after the
// time asked about, so a walk along it never advances), so transitions are found by probing
// Zone(), which is right there, and bisecting to the second. The
// step only has to be shorter than the time between two changes that cancel out, which in the
// time zone database is far longer than half a day.
const scanStep = 12 * time.Hour

// transitions returns the changes of zone state in (start, end], in order, in start's location.
func transitions(start, end time.Time) []transition {
	var trs []transition
	cur, cs := start, stateAt(start)
	for cur.Before(end) {
		next := cur.Add(scanStep)
		if next.After(end) {
			next = end
		}
		ns := stateAt(next)
		if ns == cs {
			cur = next
			continue
		}
		// The state changes in (cur, next]: bisect on whole seconds, which is the resolution
		// of the zone database. Both bounds are whole seconds since offsets are.
		lo, hi := cur.Unix(), next.Unix()
		for hi-lo > 1 {
			mid := lo + (hi-lo)/2
			if stateAt(time.Unix(mid, 0).In(start.Location())) == cs {
				lo = mid
			} else {
				hi = mid
			}
		}
		at := time.Unix(hi, 0).In(start.Location())
		as := stateAt(at)
		trs = append(trs, transition{at: at, from: cs, to: as})
		// Continue from the change itself, so a second change before next is not missed.
		cur, cs = at, as
	}
	return trs
}

func (tr transition) observance() observance {
	return observance{
		daylight: isDaylight(tr.from, tr.to),
		dtstart:  onsetLocal(tr.at, tr.from.offset),
		from:     tr.from.offset,
		to:       tr.to.offset,
		name:     tr.to.name,
	}
}

// isDaylight reports whether the observance entered by a change from one state to another is
// DAYLIGHT. When the DST flag flips, the side with the larger offset is daylight time. That
// matches the flag everywhere except zones the database gives negative DST, such as
// Europe/Dublin, whose winter GMT it flags as DST; calling summer IST daylight there is what
// clients expect. A change of standard offset without a flip (e.g. America/Regina in 1960)
// keeps the flag.
func isDaylight(from, to zoneState) bool {
	if from.dst == to.dst || from.offset == to.offset {
		return to.dst
	}
	return to.offset > from.offset
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
