package impact

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// Quantile is the nearest-rank q-quantile (0 < q <= 1) of a histogram of whole hours: the
// smallest value that at least ceil(q*n) of the n values are at or below. The median is
// Quantile 0.5: for an even n, the lower of the two middle values. ok is false when empty.
func Quantile(h map[int32]int64, q float64) (v int32, ok bool) {
	var n int64
	keys := make([]int32, 0, len(h))
	for k, c := range h {
		keys = append(keys, k)
		n += c
	}
	if n == 0 {
		return 0, false
	}
	slices.Sort(keys)
	rank := int64(math.Ceil(q * float64(n)))
	rank = max(rank, 1)
	var seen int64
	for _, k := range keys {
		if seen += h[k]; seen >= rank {
			return k, true
		}
	}
	return keys[len(keys)-1], true
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
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 1}.Quantile(0.975)
	half := t * sd / math.Sqrt(n)
	return mean, mean - half, mean + half, true
}
