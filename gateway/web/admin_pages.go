package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
)

// The directory administrator's list and form pages for organisations, programmes, locations,
// taxonomy terms and practitioners: a list a page at a time with the directory's page tokens,
// a form to create or edit one record (the update names only the fields that changed and
// carries the etag read, so an edit over someone else's comes back with their version), and a
// delete that the directory refuses while other records still refer to the record.

func (h *Handler) adminKindRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /admin/{kind}", h.adminList)
	m.HandleFunc("GET /admin/{kind}/new", h.adminNew)
	m.HandleFunc("POST /admin/{kind}/new", h.adminCreate)
	m.HandleFunc("GET /admin/{kind}/{id}", h.adminEdit)
	m.HandleFunc("POST /admin/{kind}/{id}", h.adminUpdate)
	m.HandleFunc("POST /admin/{kind}/{id}/delete", h.adminDelete)
}

// adminInput is one input of a form page as shown.
type adminInput struct {
	Name, Label, Type string
	Lang              string // of the text the field holds, when not the page's
	Required          bool
	Value             string
	Values            []string
	Options           []adminOption
	Error             string
}

type adminOption struct{ Value, Label string }

type adminListData struct {
	Kind      string
	Rows      []adminRow
	Next      string // the next page's address, or ""
	FirstPage bool   // whether this is the first page
	Kinds     []string
}

type adminFormData struct {
	Kind      string
	Action    string
	Editing   bool
	Etag      string
	RequestID string
	Inputs    []adminInput
	Kinds     []string
}

// adminKindOf is the kind the request's path names, after checking the caller is a directory
// administrator; false when the page has already been answered.
func (h *Handler) adminKindOf(w http.ResponseWriter, r *http.Request) (*adminKind, bool) {
	if _, ok := h.requireRole(w, r, auth.RoleDirectoryAdmin); !ok {
		return nil, false
	}
	k, ok := adminKinds[r.PathValue("kind")]
	if !ok {
		h.notFound(w, r)
		return nil, false
	}
	return k, true
}

func (h *Handler) adminList(w http.ResponseWriter, r *http.Request) {
	k, ok := h.adminKindOf(w, r)
	if !ok {
		return
	}
	h.showAdminList(w, r, k, r.URL.Query().Get("page"), nil, http.StatusOK)
}

func (h *Handler) showAdminList(w http.ResponseWriter, r *http.Request, k *adminKind, token string, errs formErrors, code int) {
	rows, next, err := k.list(h.callContext(r), h.directory, token)
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	// Programmes, locations and practitioners name their organisation: show it by its name.
	var orgs map[string]string
	for i := range rows {
		rows[i].ID = strings.TrimPrefix(rows[i].Name, k.Kind+"/")
		if strings.HasPrefix(rows[i].Detail, "organizations/") {
			if orgs == nil {
				opts, err := h.adminOptions(h.callContext(r), nil, "orgs")
				if err != nil {
					h.failCall(w, r, err)
					return
				}
				orgs = map[string]string{}
				for _, o := range opts {
					orgs[o.Value] = o.Label
				}
			}
			if n, ok := orgs[rows[i].Detail]; ok {
				rows[i].Detail = n
			}
		}
	}
	p := h.newPage(w, r, "admin_list", "admin")
	p.Title = p.T("admin.kind." + k.Kind)
	p.Errors = errs
	d := &adminListData{Kind: k.Kind, Rows: rows, FirstPage: token == "", Kinds: adminKindOrder}
	if next != "" {
		d.Next = "/admin/" + k.Kind + "?" + url.Values{"page": {next}}.Encode()
	}
	p.Data = d
	h.render(w, code, p)
}

func (h *Handler) adminNew(w http.ResponseWriter, r *http.Request) {
	k, ok := h.adminKindOf(w, r)
	if !ok {
		return
	}
	v := url.Values{}
	if k.Kind == "practitioners" {
		v.Set("d_role", "LINK_WORKER")
	}
	h.showAdminEdit(w, r, k, "", "", v, newRequestID(), nil, http.StatusOK)
}

func (h *Handler) adminEdit(w http.ResponseWriter, r *http.Request) {
	k, ok := h.adminKindOf(w, r)
	if !ok {
		return
	}
	name := k.Kind + "/" + r.PathValue("id")
	v, etag, err := k.get(h.callContext(r), h.directory, name)
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	h.showAdminEdit(w, r, k, name, etag, v, newRequestID(), nil, http.StatusOK)
}

// posted is the kind's form as typed, trimmed, without its empty values.
func (k *adminKind) posted(r *http.Request) url.Values {
	v := url.Values{}
	for _, f := range k.fields {
		for _, s := range r.PostForm[f.name] {
			if s = strings.TrimSpace(s); s != "" {
				v.Add(f.name, s)
			}
		}
	}
	return v
}

// changed is the update mask of the fields whose values differ between was and now.
func (k *adminKind) changed(was, now url.Values) []string {
	var paths []string
	for _, f := range k.fields {
		if strings.Join(was[f.name], "\x00") != strings.Join(now[f.name], "\x00") && !slices.Contains(paths, f.path) {
			paths = append(paths, f.path)
		}
	}
	return paths
}

func (h *Handler) adminCreate(w http.ResponseWriter, r *http.Request) {
	k, ok := h.adminKindOf(w, r)
	if !ok {
		return
	}
	v := k.posted(r)
	requestID := r.PostFormValue("request_id")
	if !strings.HasPrefix(requestID, "web-") || len(requestID) > 60 {
		requestID = newRequestID()
	}
	bad, err := k.save(h.callContext(r), h.directory, "", "", v, nil, requestID)
	if h.adminRefused(w, r, k, "", "", v, requestID, bad, err) {
		return
	}
	h.confirm(w, r, "flash.saved", adminLabel(v, k.Kind))
	http.Redirect(w, r, "/admin/"+k.Kind, http.StatusSeeOther)
}

func (h *Handler) adminUpdate(w http.ResponseWriter, r *http.Request) {
	k, ok := h.adminKindOf(w, r)
	if !ok {
		return
	}
	name := k.Kind + "/" + r.PathValue("id")
	ctx := h.callContext(r)
	now, etag := k.posted(r), r.PostFormValue("etag")
	was, current, err := k.get(ctx, h.directory, name)
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	if etag == "" {
		etag = current
	}
	paths := k.changed(was, now)
	if len(paths) == 0 {
		// Nothing to change; still, a form of an older version is told about the newer one.
		if etag != current {
			h.adminConflict(w, r, k, name)
			return
		}
		h.confirm(w, r, "flash.unchanged", adminLabel(now, name))
		http.Redirect(w, r, "/admin/"+k.Kind, http.StatusSeeOther)
		return
	}
	bad, err := k.save(ctx, h.directory, name, etag, now, paths, "")
	if h.adminRefused(w, r, k, name, etag, now, "", bad, err) {
		return
	}
	h.confirm(w, r, "flash.saved", adminLabel(now, name))
	http.Redirect(w, r, "/admin/"+k.Kind, http.StatusSeeOther)
}

// adminRefused shows the form again when the save did not happen: with each unreadable field's
// message, with the service's violations beside their fields, or with the newer version when
// the etag read is stale. It reports whether it answered.
func (h *Handler) adminRefused(w http.ResponseWriter, r *http.Request, k *adminKind, name, etag string, v url.Values, requestID string, bad []string, err error) bool {
	l := h.i18n.localizer(h.i18n.choose(r))
	if len(bad) > 0 {
		errs := formErrors{}
		for _, f := range bad {
			errs[f] = h.fieldMessage(l, f)
		}
		h.showAdminEdit(w, r, k, name, etag, v, requestID, errs, http.StatusUnprocessableEntity)
		return true
	}
	if err == nil {
		return false
	}
	if h.unauthenticated(w, r, err) {
		return true
	}
	errs, code := h.explain(l, err, k.paths)
	if code == http.StatusConflict && name != "" {
		h.adminConflict(w, r, k, name)
		return true
	}
	h.showAdminEdit(w, r, k, name, etag, v, requestID, errs, code)
	return true
}

// adminConflict shows the latest version of name, to edit again, saying someone changed it.
func (h *Handler) adminConflict(w http.ResponseWriter, r *http.Request, k *adminKind, name string) {
	l := h.i18n.localizer(h.i18n.choose(r))
	fresh, etag, err := k.get(h.callContext(r), h.directory, name)
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	h.showAdminEdit(w, r, k, name, etag, fresh, "", formErrors{"": l.T("error.conflict")}, http.StatusConflict)
}

// adminLabel names a directory record in a confirmation: its display name, or else fallback.
func adminLabel(v url.Values, fallback string) string {
	if s := strings.TrimSpace(v.Get("d_display_name")); s != "" {
		return s
	}
	if s := strings.TrimSpace(v.Get("d_given") + " " + v.Get("d_family")); s != "" {
		return s
	}
	return fallback
}

func (h *Handler) adminDelete(w http.ResponseWriter, r *http.Request) {
	k, ok := h.adminKindOf(w, r)
	if !ok {
		return
	}
	name := k.Kind + "/" + r.PathValue("id")
	err := k.remove(h.callContext(r), h.directory, name, r.PostFormValue("etag"))
	if h.unauthenticated(w, r, err) {
		return
	}
	if err != nil {
		errs, code := h.explain(h.i18n.localizer(h.i18n.choose(r)), err, nil)
		h.showAdminList(w, r, k, "", errs, code)
		return
	}
	h.confirm(w, r, "flash.deleted", name)
	http.Redirect(w, r, "/admin/"+k.Kind, http.StatusSeeOther)
}

func (h *Handler) showAdminEdit(w http.ResponseWriter, r *http.Request, k *adminKind, name, etag string, v url.Values, requestID string, errs formErrors, code int) {
	ctx := h.callContext(r)
	p := h.newPage(w, r, "admin_edit", "admin")
	p.Errors = errs
	d := &adminFormData{Kind: k.Kind, Action: "/admin/" + k.Kind + "/new", Etag: etag, RequestID: requestID, Kinds: adminKindOrder}
	p.Title = p.T("admin.new." + k.Kind)
	if name != "" {
		d.Editing, d.Action = true, "/admin/"+name
		p.Title = p.T("admin.edit." + k.Kind)
	}
	options := map[string][]adminOption{}
	for _, f := range k.fields {
		in := adminInput{Name: f.name, Label: f.label, Type: f.typ, Lang: f.lang, Required: f.required, Value: v.Get(f.name), Values: v[f.name],
			Error: errs.Field(f.name)}
		if f.options != "" {
			if _, ok := options[f.options]; !ok {
				opts, err := h.adminOptions(ctx, p.localizer, f.options)
				if err != nil {
					h.failCall(w, r, err)
					return
				}
				options[f.options] = opts
			}
			in.Options = options[f.options]
		}
		d.Inputs = append(d.Inputs, in)
	}
	p.Data = d
	h.render(w, code, p)
}

// adminOptions are the choices of a select or of checkboxes, by their display names.
func (h *Handler) adminOptions(ctx context.Context, l *localizer, source string) ([]adminOption, error) {
	var out []adminOption
	switch source {
	case "roles":
		for _, r := range practitionerRoles {
			out = append(out, adminOption{Value: r, Label: l.T("admin.role." + r)})
		}
		return out, nil
	case "orgs":
		resp, err := h.directory.ListOrganizations(ctx, &directoryv1.ListOrganizationsRequest{PageSize: 1000})
		if err != nil {
			return nil, err
		}
		for _, o := range resp.GetOrganizations() {
			out = append(out, adminOption{Value: o.GetName(), Label: o.GetDisplayName()})
		}
	case "terms":
		resp, err := h.directory.ListTaxonomyTerms(ctx, &directoryv1.ListTaxonomyTermsRequest{PageSize: 1000})
		if err != nil {
			return nil, err
		}
		for _, t := range resp.GetTaxonomyTerms() {
			out = append(out, adminOption{Value: t.GetName(), Label: t.GetDisplayName()})
		}
	case "locations":
		resp, err := h.directory.ListLocations(ctx, &directoryv1.ListLocationsRequest{PageSize: 1000})
		if err != nil {
			return nil, err
		}
		for _, lo := range resp.GetLocations() {
			out = append(out, adminOption{Value: lo.GetName(), Label: lo.GetDisplayName()})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Label < out[j].Label })
	return out, nil
}
