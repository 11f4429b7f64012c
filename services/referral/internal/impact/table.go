package impact

import (
	"strconv"
	"strings"
)

// Table is one table of a report, suppressed and ready to show.
type Table struct {
	ID, Title, Unit string
	Columns         []Column
	Rows            []Row
}

// Column is a column of a table.
type Column struct{ Key, Label string }

// Row is a row of a table.
type Row struct {
	Key, Label string
	Cells      []Cell
}

// Cell is one figure. A count is suppressed or reported; a statistic is reported only when
// its group (the count at Of) is reported and at least Threshold.
type Cell struct {
	Value      float64
	Reported   bool
	Suppressed bool
	// Decimals: 0 for counts and hours, 2 for means and intervals.
	Decimals int

	count   bool
	n       int64
	hasStat bool
	of      Pos
}

// Suppressed reads "<5".
const SuppressedText = "<5"

// Text is the cell as it reads: the figure, "<5" or "".
func (c Cell) Text() string {
	switch {
	case c.Suppressed:
		return SuppressedText
	case !c.Reported:
		return ""
	}
	return strconv.FormatFloat(c.Value, 'f', c.Decimals, 64)
}

// builder makes a table: counts and statistics first, then suppression over the sums.
type builder struct {
	t    Table
	sums [][]Pos
}

func newBuilder(id, title, unit string, cols []Column) *builder {
	return &builder{t: Table{ID: id, Title: title, Unit: unit, Columns: cols}}
}

// row adds a row of empty cells and returns its index.
func (b *builder) row(key, label string) int {
	b.t.Rows = append(b.t.Rows, Row{Key: key, Label: label, Cells: make([]Cell, len(b.t.Columns))})
	return len(b.t.Rows) - 1
}

func (b *builder) count(r, c int, n int64) {
	b.t.Rows[r].Cells[c] = Cell{count: true, n: n}
}

// stat sets a statistic of the group whose count is at of; ok false leaves it unreported.
func (b *builder) stat(r, c int, v float64, ok bool, decimals int, of Pos) {
	b.t.Rows[r].Cells[c] = Cell{Value: v, hasStat: ok, Decimals: decimals, of: of}
}

// sum declares that the counts at ps add up (parts and total).
func (b *builder) sum(ps ...Pos) {
	if len(ps) > 1 {
		b.sums = append(b.sums, ps)
	}
}

func (b *builder) finish() Table {
	grid := make([][]int64, len(b.t.Rows))
	for i, r := range b.t.Rows {
		grid[i] = make([]int64, len(r.Cells))
		for j, c := range r.Cells {
			if c.count {
				grid[i][j] = c.n
			}
		}
	}
	hidden := Suppress(grid, b.sums)
	for i := range b.t.Rows {
		cells := b.t.Rows[i].Cells
		for j := range cells {
			c := &cells[j]
			switch {
			case c.count:
				c.Suppressed = hidden[i][j]
				c.Reported = !c.Suppressed
				c.Value = float64(c.n)
			case c.hasStat:
				n := grid[c.of.Row][c.of.Col]
				c.Reported = n >= Threshold && !hidden[c.of.Row][c.of.Col]
			}
			if !c.Reported {
				c.Value = 0
			}
		}
	}
	return b.t
}

// label turns a code ("ART_ON_PRESCRIPTION", "NEED_LOW_MOOD") into words ("Art on prescription").
func label(code string) string {
	code = strings.TrimPrefix(strings.TrimPrefix(code, "NEED_"), "EVENT_CATEGORY_")
	s := strings.ToLower(strings.ReplaceAll(code, "_", " "))
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
