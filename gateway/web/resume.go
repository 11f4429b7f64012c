package web

// Signing in again: a page that needs a role sends the public to sign in, and a form posted after
// the session ended is kept under a one-time key and shown again, filled in, after the sign-in.

import (
	"net/http"
	"net/url"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// stashedForm is what a person typed into a form they posted after their session had ended.
type stashedForm struct {
	// subject is who was signed in, when still known: nobody else gets the values back.
	subject string
	// action is the path the form was posted to; page the path of the page that shows it.
	action, page string
	values       url.Values
}

// requireRole returns the signed-in person when they hold role; otherwise it sends them to sign
// in (keeping what a posted form said), or explains that the page is not theirs, and returns
// false.
func (h *Handler) requireRole(w http.ResponseWriter, r *http.Request, role string) (Person, bool) {
	p := h.person(r)
	if !p.SignedIn() {
		h.signInAgain(w, r)
		return p, false
	}
	if !p.Has(role) {
		h.fail(w, r, http.StatusForbidden, "error.denied")
		return p, false
	}
	return p, true
}

// unauthenticated handles a call the services refused as UNAUTHENTICATED (a token that ended
// or was revoked before the session did): the session ends and the person signs in again.
func (h *Handler) unauthenticated(w http.ResponseWriter, r *http.Request, err error) bool {
	if h.signin == nil || status.Code(err) != codes.Unauthenticated {
		return false
	}
	h.signin.endSession(r)
	h.signInAgain(w, r)
	return true
}

// signInAgain sends the person to sign in and back. A form posted without a session (it ended
// while they typed) is kept under a one-time key and shown again, filled in, after the sign-in.
func (h *Handler) signInAgain(w http.ResponseWriter, r *http.Request) {
	if h.signin == nil {
		h.fail(w, r, http.StatusUnauthorized, "error.signin")
		return
	}
	if r.Method != http.MethodPost {
		h.beginSignIn(w, r, r.URL.RequestURI(), "")
		return
	}
	page := h.formPage(r.URL.Path)
	values := url.Values{}
	for k, v := range r.PostForm {
		if k != csrfField {
			values[k] = v
		}
	}
	key := ""
	if len(values) > 0 {
		key = randomKey()
		f := stashedForm{subject: h.signin.previousSubject(r), action: r.URL.Path, page: page, values: values}
		if err := h.signin.putForm(r.Context(), key, f, h.signin.now().Add(stashLifetime)); err != nil {
			// The sign-in goes ahead; the person types the form again.
			h.logger.Error("web: form not kept for after the sign-in", "error", err)
			key = ""
		}
	}
	h.beginSignIn(w, r, page, key)
}

// formPage is the page that shows the form posted to path: the path itself when it has a page,
// else the nearest page above it ("/moderate" for "/moderate/events/e1/reject").
func (h *Handler) formPage(path string) string {
	for p := path; p != ""; p = p[:strings.LastIndex(p, "/")] {
		if _, pattern := h.mux.Handler(&http.Request{Method: http.MethodGet, URL: &url.URL{Path: p}}); pattern != "/" {
			return p
		}
	}
	return "/"
}

// resumed returns the form stashed for this page by signInAgain, once, to the person who posted
// it: the path it was posted to and its values; nil values when there is none.
func (h *Handler) resumed(r *http.Request) (string, url.Values) {
	key := r.URL.Query().Get("resume")
	if key == "" || h.signin == nil {
		return "", nil
	}
	st, err := h.signin.takeForm(r.Context(), key)
	if err != nil || st.page != r.URL.Path || (st.subject != "" && st.subject != h.person(r).Subject) {
		return "", nil
	}
	return st.action, st.values
}
