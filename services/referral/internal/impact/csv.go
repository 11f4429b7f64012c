package impact

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
)

// CSV writes the report as RFC 4180 CSV with one header row: with table set, that table in
// wide form (row, label, then its columns); else every table in long form (table, row, label,
// column, value). Suppressed cells read "<5"; statistics not reported are empty.
func (r Report) CSV(table string) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true // RFC 4180 line breaks
	if table != "" {
		t, ok := r.Table(table)
		if !ok {
			return nil, fmt.Errorf("%w: %q", ErrNoTable, table)
		}
		head := []string{"row", "label"}
		for _, c := range t.Columns {
			head = append(head, c.Key)
		}
		_ = w.Write(head)
		for _, row := range t.Rows {
			rec := []string{row.Key, row.Label}
			for _, c := range row.Cells {
				rec = append(rec, c.Text())
			}
			_ = w.Write(rec)
		}
	} else {
		_ = w.Write([]string{"table", "row", "label", "column", "value"})
		for _, t := range r.Tables {
			for _, row := range t.Rows {
				for i, c := range row.Cells {
					_ = w.Write([]string{t.ID, row.Key, row.Label, t.Columns[i].Key, c.Text()})
				}
			}
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("write csv: %w", err)
	}
	return buf.Bytes(), nil
}

// ErrNoTable: the report has no table of that id.
var ErrNoTable = errors.New("no such table")

// Table returns the report's table with id.
func (r Report) Table(id string) (Table, bool) {
	for _, t := range r.Tables {
		if t.ID == id {
			return t, true
		}
	}
	return Table{}, false
}
