package impact

import "sort"

// Threshold is the smallest count reported as it is: counts from 1 to Threshold-1 read "<5",
// and means, intervals and quantiles of groups under Threshold are not reported.
const Threshold = 5

// Pos is a cell of a table of counts.
type Pos struct{ Row, Col int }

// Suppress decides which counts of a table are withheld. Primary: every count from 1 to
// Threshold-1. Complementary: each sum is a set of cells that add up (the parts and their
// total); a sum in which exactly one cell is withheld would give it away by subtraction, so
// another of its cells is withheld too, the smallest non-zero count first (a zero when there is
// no other), until no sum has exactly one. The answer has the shape of counts.
func Suppress(counts [][]int64, sums [][]Pos) [][]bool {
	out := make([][]bool, len(counts))
	for i, row := range counts {
		out[i] = make([]bool, len(row))
		for j, c := range row {
			out[i][j] = c > 0 && c < Threshold
		}
	}
	for changed := true; changed; {
		changed = false
		for _, sum := range sums {
			var withheld int
			var open []Pos
			for _, p := range sum {
				if out[p.Row][p.Col] {
					withheld++
				} else {
					open = append(open, p)
				}
			}
			if withheld != 1 || len(open) == 0 {
				continue
			}
			sort.SliceStable(open, func(a, b int) bool {
				ca, cb := counts[open[a].Row][open[a].Col], counts[open[b].Row][open[b].Col]
				if (ca == 0) != (cb == 0) {
					return cb == 0 // non-zero before zero
				}
				return ca < cb
			})
			out[open[0].Row][open[0].Col] = true
			changed = true
		}
	}
	return out
}
