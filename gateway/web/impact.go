package web

import (
	"html/template"
	"net/http"
	"strings"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
)

// The public impact page: the network-wide impact report, asked for as the public whoever is
// signed in, so the page is the same for everyone and holds no personal data. Charts are
// server-rendered SVG, each with its data table beneath.

type impactView struct {
	Period     string
	Funnel     template.HTML
	Attendance template.HTML
	Outcomes   template.HTML
	// The data beneath each chart.
	FunnelTable, AttendanceTable, OutcomeSummary *impactTableView
	// Each score's breakdown, folded away; then the tables without a chart.
	OutcomeTables, Tables []impactTableView
}

type impactTableView struct {
	ID, Heading string
	Columns     []string
	Rows        []impactRowView
}

type impactRowView struct {
	Label string
	Cells []impactCellView
}

type impactCellView struct {
	Text       string
	Suppressed bool
	Missing    bool
	// Note says, to screen readers, why a missing figure is missing.
	Note string
}

func (h *Handler) cellView(l *localizer, c *referralv1.ImpactCell) impactCellView {
	v := impactCellView{Text: c.GetText(), Suppressed: c.GetSuppressed(), Missing: c.GetText() == ""}
	if v.Missing {
		v.Note = l.T("impact.notreported")
	}
	return v
}

func (h *Handler) impactRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /impact", h.impactPage)
	m.HandleFunc("GET /impact.csv", h.impactCSV)
}

func (h *Handler) impactPage(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(w, r, "impact", "impact")
	p.Title = p.T("impact.title")
	// r.Context(), not callContext: the page is the public's report, whoever is signed in.
	rep, err := h.impact.GetImpactReport(r.Context(), &referralv1.GetImpactReportRequest{})
	if err != nil {
		h.logger.Warn("web: impact report", "error", err)
		p.Data = &impactView{}
		h.render(w, http.StatusServiceUnavailable, p)
		return
	}
	// Host organisations by their names; without the directory, by their resource names.
	var orgs map[string]string
	if facts, err := h.places.get(r.Context()); err == nil {
		orgs = facts.orgs
	}
	v, err := h.impactView(p.localizer, rep, orgs)
	if err != nil {
		h.logger.Error("web: impact charts", "error", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	p.Data = v
	h.render(w, http.StatusOK, p)
}

func (h *Handler) impactCSV(w http.ResponseWriter, r *http.Request) {
	body, err := h.impact.ExportImpactReport(r.Context(), &referralv1.ExportImpactReportRequest{Table: r.URL.Query().Get("table")})
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	w.Header().Set("Content-Type", body.GetContentType())
	w.Header().Set("Content-Disposition", `attachment; filename="impact.csv"`)
	_, _ = w.Write(body.GetData())
}

// tr is the message key in the page language, or fallback when the catalogue has none.
func (h *Handler) tr(l *localizer, key, fallback string) string {
	if h.i18n.keys[key] {
		return l.T(key)
	}
	return fallback
}

func tableOf(rep *referralv1.ImpactReport, id string) *referralv1.ImpactTable {
	for _, t := range rep.GetTables() {
		if t.GetId() == id {
			return t
		}
	}
	return nil
}

// rowLabel words a row key of table in the page language.
func (h *Handler) rowLabel(l *localizer, table string, row *referralv1.ImpactRow, orgs map[string]string) string {
	key, fallback := row.GetKey(), row.GetLabel()
	if dim, v, ok := strings.Cut(key, ":"); ok {
		var val string
		switch dim {
		case "CATEGORY":
			val = h.tr(l, "category."+v, fallback)
		case "NEED":
			val = h.tr(l, "need."+strings.TrimPrefix(v, "NEED_"), fallback)
		case "LANGUAGE":
			val = l.LanguageName(v)
		default:
			val = v
		}
		return h.tr(l, "impact.dim."+dim, dim) + " : " + val
	}
	switch {
	case table == "closures" && key != "TOTAL":
		st, reason, _ := strings.Cut(key, "/")
		return h.tr(l, "impact.status."+st, st) + " — " + h.tr(l, "impact.reason."+reason, reason)
	case table == "attendance_by_category" && key != "TOTAL":
		return h.tr(l, "category."+key, fallback)
	case table == "attendance_by_host" && key != "TOTAL":
		if n := orgs[key]; n != "" {
			return n
		}
		return key
	}
	return h.tr(l, "impact.label."+key, fallback)
}

func (h *Handler) columnLabel(l *localizer, col *referralv1.ImpactColumn) string {
	key := col.GetKey()
	for _, g := range []string{"NOT_ATTENDED", "ATTENDED", "ALL"} {
		if rest, ok := strings.CutPrefix(key, g+"_"); ok {
			return h.tr(l, "impact.group."+g, g) + " : " + h.tr(l, "impact.column."+rest, rest)
		}
	}
	return h.tr(l, "impact.label."+key, col.GetLabel())
}

func (h *Handler) tableView(l *localizer, t *referralv1.ImpactTable, heading string, orgs map[string]string) impactTableView {
	v := impactTableView{ID: t.GetId(), Heading: heading}
	for _, c := range t.GetColumns() {
		v.Columns = append(v.Columns, h.columnLabel(l, c))
	}
	for _, r := range t.GetRows() {
		rv := impactRowView{Label: h.rowLabel(l, t.GetId(), r, orgs)}
		for _, c := range r.GetCells() {
			rv.Cells = append(rv.Cells, h.cellView(l, c))
		}
		v.Rows = append(v.Rows, rv)
	}
	return v
}

// cellAt is the cell of row key and column key, nil when there is none.
func cellAt(t *referralv1.ImpactTable, row, col string) *referralv1.ImpactCell {
	ci := -1
	for i, c := range t.GetColumns() {
		if c.GetKey() == col {
			ci = i
		}
	}
	for _, r := range t.GetRows() {
		if r.GetKey() == row && ci >= 0 && ci < len(r.GetCells()) {
			return r.GetCells()[ci]
		}
	}
	return nil
}

func barOf(label string, c *referralv1.ImpactCell) bar {
	return bar{Label: label, Value: c.GetValue(), Has: c != nil && c.Value != nil}
}

func (h *Handler) impactView(l *localizer, rep *referralv1.ImpactReport, orgs map[string]string) (*impactView, error) {
	v := &impactView{Period: l.T("impact.period.all")}
	if rep.GetStartMonth() != "" || rep.GetEndMonth() != "" {
		v.Period = l.T("impact.period", rep.GetStartMonth(), rep.GetEndMonth())
	}
	var err error
	if t := tableOf(rep, "funnel"); t != nil {
		var bars []bar
		for _, r := range t.GetRows() {
			bars = append(bars, barOf(h.rowLabel(l, "funnel", r, orgs), cellAt(t, r.GetKey(), "TOTAL")))
		}
		if v.Funnel, err = barChart(l.T("impact.axis.referrals"), [][]bar{bars}, nil, l.T("impact.funnel.chart")); err != nil {
			return nil, err
		}
		ft := h.tableView(l, t, l.T("impact.funnel"), orgs)
		v.FunnelTable = &ft
	}
	if t := tableOf(rep, "attendance_by_category"); t != nil {
		var booked, attended []bar
		for _, r := range t.GetRows() {
			if r.GetKey() == "TOTAL" {
				continue
			}
			lbl := h.rowLabel(l, t.GetId(), r, orgs)
			booked = append(booked, barOf(lbl, cellAt(t, r.GetKey(), "BOOKED")))
			attended = append(attended, barOf(lbl, cellAt(t, r.GetKey(), "ATTENDED")))
		}
		if v.Attendance, err = barChart(l.T("impact.axis.bookings"), [][]bar{booked, attended},
			[]string{l.T("impact.label.BOOKED"), l.T("impact.label.ATTENDED")}, l.T("impact.attendance.chart")); err != nil {
			return nil, err
		}
		at := h.tableView(l, t, l.T("impact.attendance"), orgs)
		v.AttendanceTable = &at
	}
	var labels []string
	var groups [2][]interval
	summary := &impactTableView{ID: "outcomes", Heading: l.T("impact.outcomes")}
	for _, g := range []string{"ATTENDED", "NOT_ATTENDED"} {
		for _, c := range []string{"N", "MEAN", "CI_LOW", "CI_HIGH"} {
			summary.Columns = append(summary.Columns, h.columnLabel(l, &referralv1.ImpactColumn{Key: g + "_" + c}))
		}
	}
	for _, t := range rep.GetTables() {
		metric, ok := strings.CutPrefix(t.GetId(), "outcome_")
		if !ok {
			continue
		}
		code := strings.ToUpper(metric)
		labels = append(labels, h.tr(l, "impact.metric.short."+code, code))
		for g, name := range []string{"ATTENDED", "NOT_ATTENDED"} {
			mean, lo, hi := cellAt(t, "ALL", name+"_MEAN"), cellAt(t, "ALL", name+"_CI_LOW"), cellAt(t, "ALL", name+"_CI_HIGH")
			groups[g] = append(groups[g], interval{Mean: mean.GetValue(), Low: lo.GetValue(), High: hi.GetValue(),
				Has: mean != nil && mean.Value != nil && lo.Value != nil && hi.Value != nil})
		}
		heading := h.tr(l, "impact.metric."+code, t.GetTitle())
		row := impactRowView{Label: heading}
		for _, g := range []string{"ATTENDED", "NOT_ATTENDED"} {
			for _, c := range []string{"N", "MEAN", "CI_LOW", "CI_HIGH"} {
				row.Cells = append(row.Cells, h.cellView(l, cellAt(t, "ALL", g+"_"+c)))
			}
		}
		summary.Rows = append(summary.Rows, row)
		v.OutcomeTables = append(v.OutcomeTables, h.tableView(l, t, heading, orgs))
	}
	if v.Outcomes, err = intervalChart(l.T("impact.axis.change"), labels, groups,
		[2]string{l.T("impact.legend.attended"), l.T("impact.legend.notattended")}, l.T("impact.outcomes.chart")); err != nil {
		return nil, err
	}
	v.OutcomeSummary = summary
	for _, x := range []struct{ id, heading string }{{"timeliness", "impact.timeliness"}, {"closures", "impact.closures"},
		{"attendance_by_host", "impact.byhost"}} {
		if t := tableOf(rep, x.id); t != nil {
			v.Tables = append(v.Tables, h.tableView(l, t, l.T(x.heading), orgs))
		}
	}
	return v, nil
}
