package impact

import "github.com/socialrx/socialrx/services/referral/internal/domain"

// Attendance measures, per booking.
const (
	AttBooked = iota
	AttAttended
	AttNoShow
	AttCancelled
	AttWaitlisted
	AttPromoted
	attCount
)

// AttendanceKeys name the attendance measures in reports.
var AttendanceKeys = [attCount]string{"BOOKED", "ATTENDED", "NO_SHOW", "CANCELLED", "WAITLISTED", "PROMOTED"}

// key is a cell: the referrals of one month from one referring organisation to one centre.
type key struct {
	Month, Receiving, Referring string
}

// attKey is the events of one category at one host.
type attKey struct {
	Category, Host string
}

// outKey is a group of people for one outcome score: Dim is "ALL", "CATEGORY:x", "NEED:x",
// "LANGUAGE:x" or "AGE:x" (the organisation is the cell's own).
type outKey struct {
	Metric   int
	Attended bool
	Dim      string
}

// Moments are the count, sum and sum of squares of changes in hundredths: integers, so that
// taking a referral's contribution back leaves exactly what was there before it.
type Moments struct {
	N, Sum, SumSq int64
}

func (m *Moments) add(x, sign int64) {
	m.N += sign
	m.Sum += sign * x
	m.SumSq += sign * x * x
}

// Merge adds o to m.
func (m *Moments) Merge(o Moments) { m.N, m.Sum, m.SumSq = m.N+o.N, m.Sum+o.Sum, m.SumSq+o.SumSq }

// bucket holds the counts and sums of one key.
type bucket struct {
	Referrals  int64
	Stages     [stageCount]int64
	Closures   map[string]int64 // "STATUS/REASON"
	Waits      [waitCount]map[int32]int64
	Attendance map[attKey]*[attCount]int64
	Outcomes   map[outKey]*Moments
}

func newBucket() *bucket {
	c := &bucket{Closures: map[string]int64{}, Attendance: map[attKey]*[attCount]int64{}, Outcomes: map[outKey]*Moments{}}
	for i := range c.Waits {
		c.Waits[i] = map[int32]int64{}
	}
	return c
}

func bump[K comparable](m map[K]int64, k K, sign int64) {
	if m[k] += sign; m[k] == 0 {
		delete(m, k)
	}
}

// add counts f in the cell (sign 1) or takes it back (sign -1). A referral entered in error
// counts only among the closures: it never happened.
func (c *bucket) add(f *Facts, sign int64) {
	c.Referrals += sign
	if f.Closed != "" {
		bump(c.Closures, f.Closed+"/"+f.Reason, sign)
	}
	if f.Closed == domain.EnteredInError {
		return
	}
	for s := range stageCount {
		if f.Reached(s) {
			c.Stages[s] += sign
		}
	}
	for i, h := range f.Waits {
		if h >= 0 {
			bump(c.Waits[i], h, sign)
		}
	}
	for _, b := range f.Bookings {
		k := attKey{b.Category, b.Host}
		a := c.Attendance[k]
		if a == nil {
			a = &[attCount]int64{}
			c.Attendance[k] = a
		}
		a[AttBooked] += sign
		switch b.State {
		case domain.BookingAttended:
			a[AttAttended] += sign
		case domain.BookingNoShow:
			a[AttNoShow] += sign
		case domain.BookingCancelled:
			a[AttCancelled] += sign
		}
		if b.Waitlisted {
			a[AttWaitlisted] += sign
		}
		if b.Promoted() {
			a[AttPromoted] += sign
		}
		if *a == ([attCount]int64{}) {
			delete(c.Attendance, k)
		}
	}
	if len(f.Scores) == 0 {
		return
	}
	dims := []string{"ALL", "LANGUAGE:" + f.Language, "AGE:" + f.AgeBand}
	for _, n := range f.Needs {
		dims = append(dims, "NEED:"+n)
	}
	for _, cat := range f.Categories() {
		dims = append(dims, "CATEGORY:"+cat)
	}
	for _, s := range f.Scores {
		for _, d := range dims {
			k := outKey{Metric: s.Metric, Attended: f.Attended(), Dim: d}
			m := c.Outcomes[k]
			if m == nil {
				m = &Moments{}
				c.Outcomes[k] = m
			}
			m.add(s.Change, sign)
			if m.N == 0 {
				delete(c.Outcomes, k)
			}
		}
	}
}
