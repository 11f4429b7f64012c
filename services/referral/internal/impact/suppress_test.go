package impact

import (
	"reflect"
	"testing"
)

// rowsAndColumns are the sums of a grid whose last row and last column are totals.
func rowsAndColumns(rows, cols int) [][]Pos {
	var sums [][]Pos
	for r := range rows {
		var s []Pos
		for c := range cols {
			s = append(s, Pos{r, c})
		}
		sums = append(sums, s)
	}
	for c := range cols {
		var s []Pos
		for r := range rows {
			s = append(s, Pos{r, c})
		}
		sums = append(sums, s)
	}
	return sums
}

func TestSuppress(t *testing.T) {
	const o, x = false, true
	for _, tc := range []struct {
		name   string
		counts [][]int64
		sums   [][]Pos
		want   [][]bool
	}{
		{name: "no sums: only 1 to 4", counts: [][]int64{{0, 1, 4, 5, 100}}, want: [][]bool{{o, x, x, o, o}}},
		{name: "a small cell in a row takes the next smallest with it",
			counts: [][]int64{{3, 10, 7, 20}}, sums: [][]Pos{{{0, 0}, {0, 1}, {0, 2}, {0, 3}}},
			want: [][]bool{{x, o, x, o}}},
		{name: "zero is not a partner while a non-zero count is open",
			counts: [][]int64{{3, 0, 9, 12}}, sums: [][]Pos{{{0, 0}, {0, 1}, {0, 2}, {0, 3}}},
			want: [][]bool{{x, o, x, o}}},
		{name: "two small cells in a row protect each other",
			counts: [][]int64{{3, 2, 9, 14}}, sums: [][]Pos{{{0, 0}, {0, 1}, {0, 2}, {0, 3}}},
			want: [][]bool{{x, x, o, o}}},
		{
			// 2x2 body with totals: the 3 takes the 6 in its row and the 8 in its column, and
			// the column of the 6 and the row of the 8 then need a partner each: the 20.
			name: "complementary suppression spreads to a rectangle",
			counts: [][]int64{
				{3, 6, 9},
				{8, 20, 28},
				{11, 26, 37},
			},
			sums: rowsAndColumns(3, 3),
			want: [][]bool{
				{x, x, o},
				{x, x, o},
				{o, o, o},
			},
		},
		{name: "a small total is withheld with a part", counts: [][]int64{{0, 0, 3, 3}},
			sums: [][]Pos{{{0, 0}, {0, 1}, {0, 2}, {0, 3}}}, want: [][]bool{{o, o, x, x}}},
		{name: "nothing small, nothing withheld", counts: [][]int64{{5, 6, 11}},
			sums: [][]Pos{{{0, 0}, {0, 1}, {0, 2}}}, want: [][]bool{{o, o, o}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Suppress(tc.counts, tc.sums)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Suppress(%v) = %v, want %v", tc.counts, got, tc.want)
			}
			// Whatever the case, no sum may be left with exactly one withheld cell.
			for _, s := range tc.sums {
				n := 0
				for _, p := range s {
					if got[p.Row][p.Col] {
						n++
					}
				}
				if n == 1 {
					t.Fatalf("sum %v has one withheld cell: it can be derived", s)
				}
			}
		})
	}
}
