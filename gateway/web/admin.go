package web

import (
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/socialrx/socialrx/gateway/hsds/importer"
	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
)

// The directory administrator's pages: what the directory holds, and an HSDS file import that
// says what it created and what it rejected, and why.

func (h *Handler) adminRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /admin", h.adminHome)
	m.HandleFunc("POST /admin/import", h.adminImport)
	m.HandleFunc("POST /admin/practitioners", h.adminAddPractitioner)
	h.adminKindRoutes(m)
}

// practitionerForm is the "add a practitioner" form as typed.
type practitionerForm struct {
	Organization, Given, Family, Role, Email, RequestID string
}

var practitionerRoles = []string{"CLINICIAN", "LINK_WORKER", "EVENT_HOST", "ADMIN"}

var practitionerFields = fieldMap{
	"practitioner.organization": "pr_org",
	"practitioner.given_name":   "pr_given",
	"practitioner.family_name":  "pr_family",
	"practitioner.role":         "pr_role",
	"practitioner.email":        "pr_email",
}

// adminAddPractitioner adds a practitioner to an organisation; a refused one comes back beside
// its fields.
func (h *Handler) adminAddPractitioner(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.requireRole(w, r, auth.RoleDirectoryAdmin); !ok {
		return
	}
	l := h.i18n.localizer(h.i18n.choose(r))
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := practitionerForm{Organization: v("pr_org"), Given: v("pr_given"), Family: v("pr_family"), Role: v("pr_role"),
		Email: v("pr_email"), RequestID: v("request_id")}
	if !strings.HasPrefix(f.RequestID, "web-") || len(f.RequestID) > 60 {
		f.RequestID = newRequestID()
	}
	role, ok := directoryv1.PractitionerRole_value["PRACTITIONER_ROLE_"+f.Role]
	if !ok || role == 0 {
		h.showAdminForm(w, r, formErrors{"pr_role": h.fieldMessage(l, "pr_role")}, http.StatusUnprocessableEntity, nil, &f)
		return
	}
	_, err := h.directory.CreatePractitioner(h.callContext(r), &directoryv1.CreatePractitionerRequest{RequestId: f.RequestID,
		Practitioner: &directoryv1.Practitioner{Organization: f.Organization, GivenName: f.Given, FamilyName: f.Family,
			Role: directoryv1.PractitionerRole(role), Email: f.Email}})
	if err != nil {
		errs, code := h.explain(l, err, practitionerFields)
		h.showAdminForm(w, r, errs, code, nil, &f)
		return
	}
	h.confirm(w, r, "flash.saved", strings.TrimSpace(f.Given+" "+f.Family))
	http.Redirect(w, r, "/admin#orgs-h", http.StatusSeeOther)
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
	Form                       practitionerForm
	Roles                      []string
	Kind                       string   // none: the page of no one kind
	Kinds                      []string // the kinds with a page of their own
}

func (h *Handler) adminHome(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.requireRole(w, r, auth.RoleDirectoryAdmin); !ok {
		return
	}
	h.showAdmin(w, r, nil, http.StatusOK, nil)
}

func (h *Handler) showAdmin(w http.ResponseWriter, r *http.Request, errs formErrors, code int, report *importer.Report) {
	h.showAdminForm(w, r, errs, code, report, nil)
}

func (h *Handler) showAdminForm(w http.ResponseWriter, r *http.Request, errs formErrors, code int, report *importer.Report, pf *practitionerForm) {
	ctx := h.callContext(r)
	orgs, err := h.directory.ListOrganizations(ctx, &directoryv1.ListOrganizationsRequest{PageSize: 1000})
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	who, ok := h.people(ctx, w, r)
	if !ok {
		return
	}
	facts, ok := h.names(ctx, w, r)
	if !ok {
		return
	}
	p := h.newPage(w, r, "admin", "admin")
	p.Title = p.T("admin.title")
	p.Errors = errs
	d := &adminData{Terms: len(facts.terms), Roles: practitionerRoles, Kinds: adminKindOrder, Form: practitionerForm{Role: "LINK_WORKER", RequestID: newRequestID()}}
	if pf != nil {
		d.Form = *pf
	}
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
		d.Created, d.Present, d.Rejected = report.Count(importer.OutcomeCreated), report.Count(importer.OutcomeAlreadyPresent), report.Count(importer.OutcomeRejected)
		for _, rec := range report.Records {
			d.Rows = append(d.Rows, importRow{Kind: string(rec.Kind), ID: rec.ID, Name: rec.Name, Outcome: string(rec.Outcome), Reason: rec.Reason, Note: rec.Note})
		}
		// Rejected records first: they are what the administrator has to fix.
		sort.SliceStable(d.Rows, func(i, j int) bool {
			return d.Rows[i].Outcome == string(importer.OutcomeRejected) && d.Rows[j].Outcome != string(importer.OutcomeRejected)
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
	im := &importer.Importer{Client: h.directory, Logger: h.logger}
	report, err := im.Import(h.callContext(r), data)
	if err != nil {
		errs, code := h.explain(l, err, nil)
		h.showAdmin(w, r, errs, code, &report)
		return
	}
	h.showAdmin(w, r, nil, http.StatusOK, &report)
}
