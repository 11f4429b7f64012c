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

// groups are the outcome moments of one group of people (a dim): one per metric, attended and
// not (index 2*metric, +1 when attended).
type groups [12]Moments

func slot(metric int, attended bool) int {
	if attended {
		return 2*metric + 1
	}
	return 2 * metric
}

// dims numbers the outcome groups ("ALL", "NEED:x"...) of a model, so that buckets keep their
// moments in slices, merged without hashing a string.
type dims struct {
	index map[string]int
	names []string
}

func newDims() *dims { return &dims{index: map[string]int{}} }

func (d *dims) of(name string) int {
	i, ok := d.index[name]
	if !ok {
		i = len(d.names)
		d.index[name] = i
		d.names = append(d.names, name)
	}
	return i
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
	Waits      [waitCount]Hist
	Attendance map[attKey]*[attCount]int64
	// Outcomes are indexed by the model's dims.
	Outcomes []groups
}

func newBucket() *bucket {
	return &bucket{Closures: map[string]int64{}, Attendance: map[attKey]*[attCount]int64{}}
}

func bump[K comparable](m map[K]int64, k K, sign int64) {
	if m[k] += sign; m[k] == 0 {
		delete(m, k)
	}
}

// add counts f in the cell (sign 1) or takes it back (sign -1). A referral entered in error
// counts only among the closures: it never happened.
func (c *bucket) add(f *Facts, sign int64, d *dims) {
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
			c.Waits[i].Add(h, sign)
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
	names := []string{"ALL", "LANGUAGE:" + f.Language, "AGE:" + f.AgeBand}
	for _, n := range f.Needs {
		names = append(names, "NEED:"+n)
	}
	for _, cat := range f.Categories() {
		names = append(names, "CATEGORY:"+cat)
	}
	for _, name := range names {
		i := d.of(name)
		if i >= len(c.Outcomes) {
			c.Outcomes = append(c.Outcomes, make([]groups, i+1-len(c.Outcomes))...)
		}
		for _, s := range f.Scores {
			c.Outcomes[i][slot(s.Metric, f.Attended())].add(s.Change, sign)
		}
	}
}
