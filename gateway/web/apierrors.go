package web

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

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
				// A violation with its own reason (the start time has passed) says that rather
				// than how to type the field.
				if key := "error.reason." + apierror.Reason(err); h.i18n.keys[key] {
					out[f] = l.T(key)
				}
			}
		}
		if len(out) == 0 {
			out[""] = l.T("error.summary")
		}
		return out, http.StatusUnprocessableEntity
	case codes.FailedPrecondition, codes.AlreadyExists, codes.Aborted, codes.OutOfRange:
		// A well-formed request that cannot be done now: say why, beside the field the
		// refusal names when the form has it.
		msg := h.refusal(l, err)
		if f, ok := fields.formField(apierror.ErrorInfo(err).GetMetadata()["field"]); ok {
			out[f] = msg
		} else {
			out[""] = msg
		}
		if st.Code() == codes.OutOfRange {
			return out, http.StatusUnprocessableEntity
		}
		return out, http.StatusConflict
	case codes.ResourceExhausted:
		out[""] = l.T("error.busy")
		return out, http.StatusTooManyRequests
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

// refusal says, in the page language, why a service refused a request it understood: the
// message of its reason, with the facts of the error's metadata where the message needs them.
func (h *Handler) refusal(l *localizer, err error) string {
	info := apierror.ErrorInfo(err)
	reason, md := info.GetReason(), info.GetMetadata()
	switch reason {
	case "CHECK_IN_WINDOW":
		opens, err1 := time.Parse(time.RFC3339, md["check_in_open_time"])
		closes, err2 := time.Parse(time.RFC3339, md["check_in_close_time"])
		if err1 == nil && err2 == nil {
			return checkInWindowMessage(l, opens, closes, md["time_zone"], h.now())
		}
	case "EVENT_STATE":
		if key := "event.state." + md["state"]; h.i18n.keys[key] {
			return l.T("error.reason.EVENT_STATE.is", l.T(key))
		}
	case "REFERRAL_STATUS":
		if key := "referral.status." + md["status"]; h.i18n.keys[key] {
			return l.T("error.reason.REFERRAL_STATUS.is", l.T(key))
		}
	case "REGISTRATION_STATE":
		if key := "confirm.status." + md["state"]; h.i18n.keys[key] {
			return l.T("error.reason.REGISTRATION_STATE.is", l.T(key))
		}
	case "CAPACITY_BELOW_CONFIRMED":
		if n, err := strconv.Atoi(md["confirmed"]); err == nil {
			return l.T("error.reason.CAPACITY_BELOW_CONFIRMED.n", n)
		}
	}
	if key := "error.reason." + reason; reason != "" && h.i18n.keys[key] {
		return l.T(key)
	}
	switch status.Code(err) {
	case codes.Aborted:
		return l.T("error.conflict")
	case codes.AlreadyExists:
		return l.T("error.reason.ALREADY_EXISTS")
	case codes.OutOfRange:
		return l.T("error.range")
	}
	return l.T("error.refused")
}

// checkInWindowMessage says when check-in opens, or when it closed, for a session whose
// check-in is open from opens to closes, as seen at now.
func checkInWindowMessage(l *localizer, opens, closes time.Time, zone string, now time.Time) string {
	if now.After(closes) {
		return l.T("checkin.closed", l.Date(closes, zone), l.Time(closes, zone))
	}
	if inZone(opens, zone).Format(time.DateOnly) == inZone(now, zone).Format(time.DateOnly) {
		return l.T("checkin.opens.today", l.Time(opens, zone))
	}
	return l.T("checkin.opens", l.Date(opens, zone), l.Time(opens, zone))
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
	switch {
	case code == http.StatusNotFound:
		p.Title = p.T("error.notfound.title")
	case code < 500:
		p.Title = p.T("error.refused.title")
	default:
		p.Title = p.T("error.title")
	}
	p.Data = errs.Form()
	h.render(w, code, p)
}
