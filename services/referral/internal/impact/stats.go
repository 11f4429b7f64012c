package impact

import (
	"math"
	"sync"

	"gonum.org/v1/gonum/stat/distuv"
)

// Waits are counted in a histogram of whole hours for the first two weeks, then of whole days
// to a year (and a last bin beyond): exact where it matters, and the same size however many
// referrals it counts, so a report merges the same work at 10k referrals as at 100k.
const (
	hourBins = 14 * 24
	dayBins  = 366 - 14
	histBins = hourBins + dayBins + 1
)

// Hist is a histogram of waits.
type Hist [histBins]int64

func bin(hours int32) int {
	switch {
	case hours < hourBins:
		return int(max(hours, 0))
	case hours < 366*24:
		return hourBins + int(hours/24) - 14
	}
	return histBins - 1
}

// lower is the smallest wait, in hours, of bin i.
func lower(i int) int32 {
	if i < hourBins {
		return int32(i)
	}
	return int32(i-hourBins+14) * 24
}

// Add counts a wait of hours (sign 1) or takes it back (sign -1).
func (h *Hist) Add(hours int32, sign int64) { h[bin(hours)] += sign }

// Merge adds o to h.
func (h *Hist) Merge(o *Hist) {
	for i, n := range o {
		h[i] += n
	}
}

// N is how many waits h counts.
func (h *Hist) N() (n int64) {
	for _, c := range h {
		n += c
	}
	return n
}

// Quantile is the nearest-rank q-quantile (0 < q <= 1) of the waits: the smallest value that at
// least ceil(q*n) of the n waits are at or below, in hours (rounded down to the day beyond two
// weeks). The median is Quantile 0.5: for an even n, the lower of the two middle values. ok is
// false when empty.
func (h *Hist) Quantile(q float64) (v int32, ok bool) {
	n := h.N()
	if n == 0 {
		return 0, false
	}
	rank := max(int64(math.Ceil(q*float64(n))), 1)
	var seen int64
	for i, c := range h {
		if seen += c; seen >= rank {
			return lower(i), true
		}
	}
	return lower(histBins - 1), true
}

// Interval is the mean of changes kept as moments in hundredths, and its two-sided 95%
// confidence interval from Student's t with n-1 degrees of freedom. ok is false under 2 values.
func Interval(m Moments) (mean, low, high float64, ok bool) {
	if m.N < 2 {
		return 0, 0, 0, false
	}
	n := float64(m.N)
	mean = float64(m.Sum) / n / 100
	// Sample variance from integer sums: exact up to the final division.
	ss := float64(m.SumSq) - float64(m.Sum)*float64(m.Sum)/n
	sd := math.Sqrt(max(ss, 0)/(n-1)) / 100
	t := tQuantile(m.N - 1)
	half := t * sd / math.Sqrt(n)
	return mean, mean - half, mean + half, true
}

// tCache memoises Student's t 97.5% quantile by degrees of freedom: a report asks for the same
// few hundred again and again, and each costs an inverse incomplete beta function.
var tCache sync.Map

func tQuantile(df int64) float64 {
	if v, ok := tCache.Load(df); ok {
		return v.(float64)
	}
	v := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(df)}.Quantile(0.975)
	tCache.Store(df, v)
	return v
}
