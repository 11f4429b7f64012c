package impact

import (
	"slices"
	"strings"
	"time"

	"github.com/socialrx/socialrx/services/referral/internal/domain"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

// Stages of the funnel, in order: each referral counts in every stage it ever reached.
const (
	StageCreated = iota
	StageSent
	StageAccepted
	StageStarted
	StageBooked
	StageAttended
	StageCompleted
	stageCount
)

// StageKeys name the stages in reports.
var StageKeys = [stageCount]string{"CREATED", "SENT", "ACCEPTED", "STARTED", "BOOKED", "ATTENDED", "COMPLETED"}

// Waits measured from the referral being sent, in whole hours.
const (
	WaitAccepted = iota
	WaitContact
	WaitAttended
	waitCount
)

// WaitKeys name the waits in reports.
var WaitKeys = [waitCount]string{"SENT_TO_ACCEPTED", "SENT_TO_FIRST_CONTACT", "SENT_TO_FIRST_ATTENDED"}

// Closed statuses reported with their reasons.
var closedStatuses = []string{domain.Rejected, domain.Failed, domain.Cancelled, domain.EnteredInError}

// ReasonCodes are the reasons a closure is counted under; any other reason, typed in words, is
// OTHER, so that no free text (which may name someone) reaches a report.
var ReasonCodes = []string{"NO_CAPACITY", "NOT_ELIGIBLE", "COULD_NOT_CONTACT", "NO_LONGER_INTERESTED",
	"DECLINED", "MOVED_AWAY", "DUPLICATE", "OTHER"}

// reasonCode maps a reason in words to one of ReasonCodes.
func reasonCode(reason string) string {
	norm := strings.ToUpper(strings.Join(strings.FieldsFunc(reason, func(r rune) bool {
		return r == ' ' || r == '-' || r == '_' || r == '.' || r == ','
	}), "_"))
	if slices.Contains(ReasonCodes, norm) {
		return norm
	}
	return "OTHER"
}

// Metrics are the outcome scores reported, with the instrument each comes from.
var Metrics = []Metric{
	{Key: "UCLA3_TOTAL", Instrument: "UCLA3", Item: -1},
	{Key: "ONS4_LIFE_SATISFACTION", Instrument: "ONS4", Item: 0},
	{Key: "ONS4_WORTHWHILE", Instrument: "ONS4", Item: 1},
	{Key: "ONS4_HAPPINESS", Instrument: "ONS4", Item: 2},
	{Key: "ONS4_ANXIETY", Instrument: "ONS4", Item: 3},
	{Key: "SWEMWBS_METRIC", Instrument: "SWEMWBS", Item: -1, Metric: true},
}

// Metric is one outcome score: an instrument's total (Item -1) or one item; Metric converts a
// SWEMWBS raw total to its metric score.
type Metric struct {
	Key        string
	Instrument string
	Item       int
	Metric     bool
}

// swemwbsMetric converts SWEMWBS raw totals 7-35 to metric scores, in hundredths (the
// published Rasch conversion table).
var swemwbsMetric = [29]int64{700, 951, 1125, 1240, 1333, 1408, 1475, 1532, 1584, 1636, 1688, 1743, 1798, 1859,
	1925, 1998, 2073, 2154, 2235, 2321, 2411, 2503, 2602, 2703, 2813, 2931, 3070, 3255, 3500}

// score is a measure's value for metric m in hundredths; ok is false when it has none.
func (m Metric) score(ms store.Measure) (int64, bool) {
	if m.Item >= 0 {
		if m.Item >= len(ms.Items) {
			return 0, false
		}
		return int64(ms.Items[m.Item]) * 100, true
	}
	if m.Metric {
		if ms.Total < 7 || ms.Total > 35 {
			return 0, false
		}
		return swemwbsMetric[ms.Total-7], true
	}
	return int64(ms.Total) * 100, true
}

// AgeBands are the age groups at referral; UNKNOWN when the date of birth does not read.
var AgeBands = []string{"0-17", "18-34", "35-49", "50-64", "65-79", "80+", "UNKNOWN"}

func ageBand(birth string, at time.Time) string {
	b, err := time.Parse(time.DateOnly, birth)
	if err != nil || b.After(at) {
		return "UNKNOWN"
	}
	age := at.Year() - b.Year()
	if at.Month() < b.Month() || (at.Month() == b.Month() && at.Day() < b.Day()) {
		age-- // birthday not yet this year
	}
	switch {
	case age < 18:
		return "0-17"
	case age < 35:
		return "18-34"
	case age < 50:
		return "35-49"
	case age < 65:
		return "50-64"
	case age < 80:
		return "65-79"
	}
	return "80+"
}

// language is the primary language subtag, lower case, or UNKNOWN.
func language(tag string) string {
	base, _, _ := strings.Cut(strings.ToLower(tag), "-")
	if base == "" {
		return "UNKNOWN"
	}
	return base
}

// Event is what a report needs of an event: its category and host.
type Event struct {
	Category string
	Host     string
}

// Booking is what a report keeps of one booking.
type Booking struct {
	Category, Host string
	State          string
	// Waitlisted: the person was ever on the session's waitlist.
	Waitlisted bool
}

// Promoted: waitlisted first, then given a place.
func (b Booking) Promoted() bool {
	return b.Waitlisted && (b.State == domain.BookingConfirmed || b.State == domain.BookingAttended || b.State == domain.BookingNoShow)
}

// Score is one baseline to follow-up change, in hundredths.
type Score struct {
	Metric int // index into Metrics
	Change int64
}

// Facts are what the impact read model keeps of one referral: the cells it counts in, never who
// the person is. They are kept so that the referral's next version can take back what this one
// added.
type Facts struct {
	Version   int64
	Month     string // of creation, UTC, "2006-01"
	Receiving string
	Referring string
	Stages    uint8 // bit i: stage i reached
	Closed    string
	Reason    string
	Waits     [waitCount]int32 // hours; -1 when not reached
	Bookings  []Booking
	Needs     []string
	Language  string
	AgeBand   string
	Scores    []Score
}

// Reached reports whether the referral reached stage s.
func (f *Facts) Reached(s int) bool { return f.Stages&(1<<s) != 0 }

// Attended reports whether the person attended at least one activity.
func (f *Facts) Attended() bool { return f.Reached(StageAttended) }

// Categories are the distinct categories of the person's bookings, in order of booking.
func (f *Facts) Categories() []string {
	var out []string
	for _, b := range f.Bookings {
		if !slices.Contains(out, b.Category) {
			out = append(out, b.Category)
		}
	}
	return out
}

// eventOf is the event `events/{event}` of a session `events/{event}/sessions/{session}`.
func eventOf(session string) string {
	parts := strings.SplitN(session, "/", 3)
	if len(parts) < 2 {
		return session
	}
	return parts[0] + "/" + parts[1]
}

// waitlistedAt is the session of a timeline note written when a booking was waitlisted
// ("waitlisted at events/e/sessions/s, position 3").
func waitlistedAt(note string) (string, bool) {
	rest, ok := strings.CutPrefix(note, "waitlisted at ")
	if !ok {
		return "", false
	}
	session, _, _ := strings.Cut(rest, ",")
	return session, true
}

// FactsOf derives the facts of referral r; events gives the category and host of each event
// its bookings name (an event it does not know is UNKNOWN).
func FactsOf(r *store.Referral, events func(event string) (Event, bool)) Facts {
	f := Facts{Version: r.Version, Month: r.CreateTime.UTC().Format("2006-01"), Receiving: r.ReceivingOrganization,
		Referring: r.ReferringOrganization, Needs: slices.Clone(r.Needs), Language: language(r.Subject.PreferredLanguage),
		AgeBand: ageBand(r.Subject.DateOfBirth, r.CreateTime), Waits: [waitCount]int32{-1, -1, -1}}
	reach := func(s int) { f.Stages |= 1 << s }
	reach(StageCreated)
	var sent, accepted, contact time.Time
	waitlisted := map[string]bool{}
	for _, e := range r.Timeline {
		switch {
		case e.ToStatus == domain.Requested && sent.IsZero():
			sent = e.Time
			reach(StageSent)
		case e.ToStatus == domain.Accepted && accepted.IsZero():
			accepted = e.Time
			reach(StageAccepted)
		case e.ToStatus == domain.InProgress:
			reach(StageStarted)
		case e.Kind == "CONTACT_ATTEMPT" && contact.IsZero():
			contact = e.Time
		}
		if s, ok := waitlistedAt(e.Note); ok {
			waitlisted[s] = true
		}
	}
	var attended time.Time
	for _, b := range r.Bookings {
		if b.State == domain.BookingPending {
			continue
		}
		ev, ok := events(eventOf(b.Session))
		if !ok {
			ev = Event{Category: "UNKNOWN", Host: "UNKNOWN"}
		}
		f.Bookings = append(f.Bookings, Booking{Category: ev.Category, Host: ev.Host, State: b.State,
			Waitlisted: b.State == domain.BookingWaitlisted || waitlisted[b.Session]})
		reach(StageBooked)
		if b.State == domain.BookingAttended {
			reach(StageAttended)
			if attended.IsZero() || b.UpdateTime.Before(attended) {
				attended = b.UpdateTime
			}
		}
	}
	if r.Status == domain.Completed {
		reach(StageCompleted)
	}
	if slices.Contains(closedStatuses, r.Status) {
		f.Closed, f.Reason = r.Status, reasonCode(r.StatusReason)
	}
	if !sent.IsZero() {
		for i, t := range [waitCount]time.Time{accepted, contact, attended} {
			if !t.IsZero() && !t.Before(sent) {
				f.Waits[i] = int32(t.Sub(sent) / time.Hour)
			}
		}
	}
	for i, m := range Metrics {
		var base, follow *store.Measure
		for j := range r.Measures {
			ms := &r.Measures[j]
			if ms.Instrument != m.Instrument {
				continue
			}
			switch {
			case ms.Timepoint == "BASELINE" && base == nil:
				base = ms
			case ms.Timepoint == "FOLLOW_UP":
				follow = ms
			}
		}
		if base == nil || follow == nil {
			continue
		}
		b, okB := m.score(*base)
		a, okA := m.score(*follow)
		if okB && okA {
			f.Scores = append(f.Scores, Score{Metric: i, Change: a - b})
		}
	}
	return f
}
