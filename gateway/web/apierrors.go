package web

import (
	"net/http"
	"sort"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/socialrx/socialrx/services/platform/apierror"
)

// formErrors are the messages a page shows, by form field; the empty key holds the message for
// the whole form.
type formErrors map[string]string

// Field is the message beside the form field name, or "".
func (e formErrors) Field(name string) string { return e[name] }

// Form is the message about the whole form, or "".
func (e formErrors) Form() string { return e[""] }

// Any reports whether there is a message to show.
func (e formErrors) Any() bool { return len(e) > 0 }

// Fields lists the fields with a message, for the summary at the top of a form.
func (e formErrors) Fields() []string {
	var out []string
	for k := range e {
		if k != "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// fieldMap maps the field paths of an API request (AIP-193 BadRequest field violations, e.g.
// "registration.person.email" or "registration.needs[2]") to the form fields they came from.
type fieldMap map[string]string

func (m fieldMap) formField(path string) (string, bool) {
	best, field := -1, ""
	for prefix, f := range m {
		if path == prefix || strings.HasPrefix(path, prefix+".") || strings.HasPrefix(path, prefix+"[") {
			if len(prefix) > best {
				best, field = len(prefix), f
			}
		}
	}
	return field, best >= 0
}

// explain turns a service error into the messages a person understands, in the page language,
// and the HTTP status of the page that shows them. Field violations go beside the form field they
// name; nothing of the raw status reaches the page.
func (h *Handler) explain(l *localizer, err error, fields fieldMap) (formErrors, int) {
	st := status.Convert(err)
	out := formErrors{}
	switch st.Code() {
	case codes.InvalidArgument:
		for _, d := range st.Details() {
			br, ok := d.(*errdetails.BadRequest)
			if !ok {
				continue
			}
			for _, v := range br.GetFieldViolations() {
				f, ok := fields.formField(v.GetField())
				if !ok {
					out[""] = l.T("error.summary")
					continue
				}
				out[f] = h.fieldMessage(l, f)
			}
		}
		if len(out) == 0 {
			out[""] = l.T("error.summary")
		}
		return out, http.StatusUnprocessableEntity
	case codes.FailedPrecondition:
		key := "error.reason." + apierror.Reason(err)
		if !h.i18n.keys[key] {
			key = "error.generic"
		}
		out[""] = l.T(key)
		return out, http.StatusConflict
	case codes.Aborted:
		out[""] = l.T("error.conflict")
		return out, http.StatusConflict
	case codes.NotFound:
		out[""] = l.T("error.notfound")
		return out, http.StatusNotFound
	case codes.PermissionDenied, codes.Unauthenticated:
		out[""] = l.T("error.denied")
		return out, http.StatusForbidden
	case codes.Unavailable, codes.DeadlineExceeded:
		out[""] = l.T("error.unavailable")
		return out, http.StatusServiceUnavailable
	}
	h.logger.Error("web: service call", "code", st.Code().String(), "reason", apierror.Reason(err))
	out[""] = l.T("error.generic")
	return out, http.StatusInternalServerError
}

func (h *Handler) fieldMessage(l *localizer, field string) string {
	if key := "error.field." + field; h.i18n.keys[key] {
		return l.T(key)
	}
	// The fields of the host form's sessions, "s1_start", share the messages of "session_start".
	if len(field) > 3 && field[0] == 's' && field[2] == '_' {
		if key := "error.field.session_" + field[3:]; h.i18n.keys[key] {
			return l.T(key)
		}
	}
	return l.T("error.field.invalid")
}

// failCall renders the error page for a failed call that has no form to go back to.
func (h *Handler) failCall(w http.ResponseWriter, r *http.Request, err error) {
	if h.unauthenticated(w, r, err) {
		return
	}
	p := h.newPage(w, r, "error", "")
	errs, code := h.explain(p.localizer, err, nil)
	p.Title = p.T("error.title")
	if code == http.StatusNotFound {
		p.Title = p.T("error.notfound.title")
	}
	p.Data = errs.Form()
	h.render(w, code, p)
}
