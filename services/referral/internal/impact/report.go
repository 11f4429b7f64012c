package impact

import (
	"slices"
	"sort"
	"strings"
)

// Query chooses the referrals of a report: created from StartMonth to EndMonth ("2006-01",
// inclusive, open when empty), and when set only those of one centre or referrer.
type Query struct {
	StartMonth, EndMonth string
	Receiving, Referring string
}

// Scope is what the caller may see. Allow says whether the referrals from a referring
// organisation to a centre count; Network reports every centre as one, naming none.
type Scope struct {
	Allow   func(receiving, referring string) bool
	Network bool
}

// Report is a suppressed impact report.
type Report struct {
	Query   Query
	Centres []string // empty for a network report
	Tables  []Table
}

// totals are the cells of a report merged.
type totals struct {
	centres  map[string]bool
	stages   map[string]*[stageCount]int64
	closures map[string]map[string]int64 // centre -> status/reason -> n
	waits    [waitCount]Hist
	att      map[attKey]*[attCount]int64
	out      []groups // by dim
	dims     []string
	outOrg   map[string]*groups // centre -> everyone's
}

// group is the moments of the people in dim for metric, attended and not, and both.
func (t *totals) group(dim string, metric int) [3]Moments {
	i := slices.Index(t.dims, dim)
	if i < 0 || i >= len(t.out) {
		return [3]Moments{}
	}
	return both(&t.out[i], metric)
}

func both(g *groups, metric int) [3]Moments {
	out := [3]Moments{g[slot(metric, true)], g[slot(metric, false)]}
	out[2] = out[0]
	out[2].Merge(out[1])
	return out
}

func (m *Model) merge(q Query, s Scope) *totals {
	t := &totals{centres: map[string]bool{}, stages: map[string]*[stageCount]int64{}, closures: map[string]map[string]int64{},
		att: map[attKey]*[attCount]int64{}, outOrg: map[string]*groups{}}
	m.mu.RLock()
	defer m.mu.RUnlock()
	t.dims = slices.Clone(m.dims.names)
	t.out = make([]groups, len(t.dims))
	all := slices.Index(t.dims, "ALL")
	for k, c := range m.cells {
		if (q.StartMonth != "" && k.Month < q.StartMonth) || (q.EndMonth != "" && k.Month > q.EndMonth) ||
			(q.Receiving != "" && k.Receiving != q.Receiving) || (q.Referring != "" && k.Referring != q.Referring) ||
			!s.Allow(k.Receiving, k.Referring) {
			continue
		}
		t.centres[k.Receiving] = true
		st := t.stages[k.Receiving]
		if st == nil {
			st = &[stageCount]int64{}
			t.stages[k.Receiving] = st
		}
		for i, n := range c.Stages {
			st[i] += n
		}
		cl := t.closures[k.Receiving]
		if cl == nil {
			cl = map[string]int64{}
			t.closures[k.Receiving] = cl
		}
		for r, n := range c.Closures {
			cl[r] += n
		}
		for i := range c.Waits {
			t.waits[i].Merge(&c.Waits[i])
		}
		for ak, a := range c.Attendance {
			sum := t.att[ak]
			if sum == nil {
				sum = &[attCount]int64{}
				t.att[ak] = sum
			}
			for i, n := range a {
				sum[i] += n
			}
		}
		org := t.outOrg[k.Receiving]
		if org == nil {
			org = &groups{}
			t.outOrg[k.Receiving] = org
		}
		for d := range c.Outcomes {
			for j, mo := range c.Outcomes[d] {
				t.out[d][j].Merge(mo)
				if d == all {
					org[j].Merge(mo)
				}
			}
		}
	}
	return t
}

// Report builds the suppressed report of the referrals q chooses within scope s.
func (m *Model) Report(q Query, s Scope) Report {
	t := m.merge(q, s)
	var centres []string
	if !s.Network {
		for c := range t.centres {
			centres = append(centres, c)
		}
		sort.Strings(centres)
	}
	r := Report{Query: q, Centres: centres}
	r.Tables = append(r.Tables, funnel(t, centres), closures(t, centres), timeliness(t),
		attendance(t, "attendance_by_category", "Attendance by event category", func(k attKey) string { return k.Category }),
		attendance(t, "attendance_by_host", "Attendance by host organisation", func(k attKey) string { return k.Host }))
	for i := range Metrics {
		r.Tables = append(r.Tables, outcome(t, i, centres))
	}
	return r
}

// centreColumns are one column per centre and the total; a network report has the total only.
func centreColumns(centres []string) []Column {
	var cols []Column
	for _, c := range centres {
		cols = append(cols, Column{Key: c, Label: c})
	}
	return append(cols, Column{Key: "TOTAL", Label: "All centres"})
}

func funnel(t *totals, centres []string) Table {
	b := newBuilder("funnel", "Referral funnel", "referrals", centreColumns(centres))
	labels := [stageCount]string{"Created", "Sent", "Accepted", "Started", "Booked an activity", "Attended an activity", "Completed"}
	total := len(centres)
	for s := range stageCount {
		r := b.row(StageKeys[s], labels[s])
		var all int64
		sum := []Pos{{r, total}}
		for c, centre := range centres {
			n := t.stages[centre][s]
			all += n
			b.count(r, c, n)
			sum = append(sum, Pos{r, c})
		}
		if len(centres) == 0 {
			for _, st := range t.stages {
				all += st[s]
			}
		}
		b.count(r, total, all)
		b.sum(sum...)
	}
	return b.finish()
}

func closures(t *totals, centres []string) Table {
	b := newBuilder("closures", "Closed without completion, by reason", "referrals", centreColumns(centres))
	seen := map[string]bool{}
	for _, cl := range t.closures {
		for k := range cl {
			seen[k] = true
		}
	}
	var keys []string
	for _, st := range closedStatuses {
		for _, reason := range ReasonCodes {
			if k := st + "/" + reason; seen[k] {
				keys = append(keys, k)
			}
		}
	}
	total := len(centres)
	colSums := make([][]Pos, total+1)
	var rows []int
	for _, k := range keys {
		st, reason, _ := strings.Cut(k, "/")
		r := b.row(k, label(st)+": "+strings.ToLower(label(reason)))
		rows = append(rows, r)
		var all int64
		sum := []Pos{{r, total}}
		for c, centre := range centres {
			n := t.closures[centre][k]
			all += n
			b.count(r, c, n)
			sum = append(sum, Pos{r, c})
		}
		if len(centres) == 0 {
			for _, cl := range t.closures {
				all += cl[k]
			}
		}
		b.count(r, total, all)
		b.sum(sum...)
	}
	tr := b.row("TOTAL", "All closures")
	for c := 0; c <= total; c++ {
		var n int64
		col := []Pos{{tr, c}}
		for _, r := range rows {
			n += b.t.Rows[r].Cells[c].n
			col = append(col, Pos{r, c})
		}
		b.count(tr, c, n)
		colSums[c] = col
		b.sum(col...)
	}
	if total > 0 {
		row := []Pos{{tr, total}}
		for c := range centres {
			row = append(row, Pos{tr, c})
		}
		b.sum(row...)
	}
	return b.finish()
}

func timeliness(t *totals) Table {
	b := newBuilder("timeliness", "Time from referral sent, in hours", "referrals",
		[]Column{{"N", "Referrals"}, {"MEDIAN_HOURS", "Median"}, {"P90_HOURS", "90th percentile"}})
	labels := [waitCount]string{"Sent to accepted", "Sent to first contact", "Sent to first activity attended"}
	for w := range waitCount {
		r := b.row(WaitKeys[w], labels[w])
		b.count(r, 0, t.waits[w].N())
		med, ok := t.waits[w].Quantile(0.5)
		b.stat(r, 1, float64(med), ok, 0, Pos{r, 0})
		p90, ok := t.waits[w].Quantile(0.9)
		b.stat(r, 2, float64(p90), ok, 0, Pos{r, 0})
	}
	return b.finish()
}

func attendance(t *totals, id, title string, by func(attKey) string) Table {
	cols := make([]Column, attCount)
	labels := [attCount]string{"Booked", "Attended", "No-show", "Cancelled", "Waitlisted", "Waitlisted then promoted"}
	for i := range cols {
		cols[i] = Column{AttendanceKeys[i], labels[i]}
	}
	b := newBuilder(id, title, "bookings", cols)
	groups := map[string]*[attCount]int64{}
	for k, a := range t.att {
		g := groups[by(k)]
		if g == nil {
			g = &[attCount]int64{}
			groups[by(k)] = g
		}
		for i, n := range a {
			g[i] += n
		}
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var all [attCount]int64
	var rows []int
	for _, k := range keys {
		r := b.row(k, label(k))
		rows = append(rows, r)
		for i, n := range groups[k] {
			b.count(r, i, n)
			all[i] += n
		}
	}
	tr := b.row("TOTAL", "All")
	for i, n := range all {
		b.count(tr, i, n)
		col := []Pos{{tr, i}}
		for _, r := range rows {
			col = append(col, Pos{r, i})
		}
		b.sum(col...)
	}
	return b.finish()
}

// outcomeGroups are the column groups of an outcome table.
var outcomeGroups = []struct{ key, label string }{{"ATTENDED", "Attended an activity"}, {"NOT_ATTENDED", "Did not attend"}, {"ALL", "All"}}

func outcome(t *totals, metric int, centres []string) Table {
	mt := Metrics[metric]
	var cols []Column
	for _, g := range outcomeGroups {
		cols = append(cols, Column{g.key + "_N", g.label + ": n"}, Column{g.key + "_MEAN", g.label + ": mean change"},
			Column{g.key + "_CI_LOW", g.label + ": 95% CI low"}, Column{g.key + "_CI_HIGH", g.label + ": 95% CI high"})
	}
	b := newBuilder("outcome_"+strings.ToLower(mt.Key), metricTitles[mt.Key], "people", cols)
	put := func(key, lbl string, ms [3]Moments) int {
		r := b.row(key, lbl)
		for g, m := range ms {
			c := g * 4
			b.count(r, c, m.N)
			mean, lo, hi, ok := Interval(m)
			b.stat(r, c+1, mean, ok, 2, Pos{r, c})
			b.stat(r, c+2, lo, ok, 2, Pos{r, c})
			b.stat(r, c+3, hi, ok, 2, Pos{r, c})
		}
		b.sum(Pos{r, 0}, Pos{r, 4}, Pos{r, 8})
		return r
	}
	all := put("ALL", "Everyone with both measures", t.group("ALL", metric))
	// additive: every person is in exactly one row of the dimension, so its rows add up to ALL.
	dimension := func(prefix, title string, additive bool, values []string) {
		var rows []int
		for _, v := range values {
			ms := t.group(prefix+":"+v, metric)
			if ms[2].N == 0 {
				continue
			}
			rows = append(rows, put(prefix+":"+v, title+": "+label(v), ms))
		}
		if additive {
			b.addDown(all, rows, 0, 4, 8)
		}
	}
	dimension("CATEGORY", "Event category", false, t.dimValues("CATEGORY:"))
	dimension("NEED", "Need", false, t.dimValues("NEED:"))
	if len(centres) > 0 {
		var rows []int
		for _, c := range centres {
			g := t.outOrg[c]
			if g == nil {
				continue
			}
			ms := both(g, metric)
			if ms[2].N == 0 {
				continue
			}
			rows = append(rows, put("ORGANIZATION:"+c, "Centre: "+c, ms))
		}
		b.addDown(all, rows, 0, 4, 8)
	}
	dimension("LANGUAGE", "Language", true, t.dimValues("LANGUAGE:"))
	dimension("AGE", "Age", true, AgeBands)
	return b.finish()
}

// addDown declares that in each of cols the rows add up to the total row.
func (b *builder) addDown(total int, rows []int, cols ...int) {
	if len(rows) == 0 {
		return
	}
	for _, c := range cols {
		sum := []Pos{{total, c}}
		for _, r := range rows {
			sum = append(sum, Pos{r, c})
		}
		b.sum(sum...)
	}
}

func (t *totals) dimValues(prefix string) []string {
	var vs []string
	for _, d := range t.dims {
		if v, ok := strings.CutPrefix(d, prefix); ok {
			vs = append(vs, v)
		}
	}
	sort.Strings(vs)
	return vs
}

var metricTitles = map[string]string{
	"UCLA3_TOTAL":            "Loneliness (UCLA 3-item, total 3-9; lower is less lonely): change from baseline",
	"ONS4_LIFE_SATISFACTION": "ONS4 life satisfaction (0-10): change from baseline",
	"ONS4_WORTHWHILE":        "ONS4 things done are worthwhile (0-10): change from baseline",
	"ONS4_HAPPINESS":         "ONS4 happiness yesterday (0-10): change from baseline",
	"ONS4_ANXIETY":           "ONS4 anxiety yesterday (0-10; lower is better): change from baseline",
	"SWEMWBS_METRIC":         "Mental wellbeing (SWEMWBS metric score, 7-35): change from baseline",
}
