package web

import (
	"errors"
	"io"
	"net/http"
	"sort"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/directory/hsds"
	"github.com/socialrx/socialrx/services/platform/auth"
)

// The directory administrator's pages: what the directory holds, and an HSDS file import that
// says what it created and what it rejected, and why.

func (h *Handler) adminRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /admin", h.adminHome)
	m.HandleFunc("POST /admin/import", h.adminImport)
}

type adminOrg struct {
	Name, Display string
	Member        bool
	Practitioners []string
}

type importRow struct {
	Kind, ID, Name, Outcome, Reason, Note string
}

type adminData struct {
	Orgs                       []adminOrg
	Terms                      int
	Imported                   bool
	Created, Present, Rejected int
	Rows                       []importRow
}

func (h *Handler) adminHome(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.requireRole(w, r, auth.RoleDirectoryAdmin); !ok {
		return
	}
	h.showAdmin(w, r, nil, http.StatusOK, nil)
}

func (h *Handler) showAdmin(w http.ResponseWriter, r *http.Request, errs formErrors, code int, report *hsds.Report) {
	ctx := h.callContext(r)
	orgs, err := h.directory.ListOrganizations(ctx, &directoryv1.ListOrganizationsRequest{PageSize: 1000})
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	who, err := h.practitioners(ctx)
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	facts, err := h.places.get(ctx)
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	p := h.newPage(w, r, "admin", "admin")
	p.Title = p.T("admin.title")
	p.Errors = errs
	d := &adminData{Terms: len(facts.terms)}
	for _, o := range orgs.GetOrganizations() {
		ao := adminOrg{Name: o.GetName(), Display: o.GetDisplayName(), Member: o.GetMemberCentre()}
		for _, pr := range who {
			if pr.GetOrganization() == o.GetName() {
				ao.Practitioners = append(ao.Practitioners, who.name(pr.GetName()))
			}
		}
		sort.Strings(ao.Practitioners)
		d.Orgs = append(d.Orgs, ao)
	}
	sort.Slice(d.Orgs, func(i, j int) bool { return d.Orgs[i].Display < d.Orgs[j].Display })
	if report != nil {
		d.Imported = true
		d.Created, d.Present, d.Rejected = report.Count(hsds.OutcomeCreated), report.Count(hsds.OutcomeAlreadyPresent), report.Count(hsds.OutcomeRejected)
		for _, rec := range report.Records {
			d.Rows = append(d.Rows, importRow{Kind: string(rec.Kind), ID: rec.ID, Name: rec.Name, Outcome: string(rec.Outcome), Reason: rec.Reason, Note: rec.Note})
		}
		// Rejected records first: they are what the administrator has to fix.
		sort.SliceStable(d.Rows, func(i, j int) bool {
			return d.Rows[i].Outcome == string(hsds.OutcomeRejected) && d.Rows[j].Outcome != string(hsds.OutcomeRejected)
		})
	}
	p.Data = d
	h.render(w, code, p)
}

// adminImport imports an uploaded HSDS JSON file through the directory service, as the signed-in
// administrator: records the directory refuses are listed with its reason.
func (h *Handler) adminImport(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.requireRole(w, r, auth.RoleDirectoryAdmin); !ok {
		return
	}
	l := h.i18n.localizer(h.i18n.choose(r))
	f, _, err := r.FormFile("file")
	if err != nil {
		key := "hsds_file"
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			key = "hsds_file_size"
		}
		h.showAdmin(w, r, formErrors{"hsds_file": h.fieldMessage(l, key)}, http.StatusUnprocessableEntity, nil)
		return
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil || len(data) == 0 {
		h.showAdmin(w, r, formErrors{"hsds_file": h.fieldMessage(l, "hsds_file")}, http.StatusUnprocessableEntity, nil)
		return
	}
	im := &hsds.Importer{Client: h.directory, Logger: h.logger}
	report, err := im.Import(h.callContext(r), data)
	if err != nil {
		errs, code := h.explain(l, err, nil)
		h.showAdmin(w, r, errs, code, &report)
		return
	}
	h.showAdmin(w, r, nil, http.StatusOK, &report)
}
