package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// renderer holds one template set per page, each the page's file with the shared layout.
type renderer struct {
	pages  map[string]*template.Template
	assets *assets
}

func newRenderer(fsys fs.FS, a *assets) (*renderer, error) {
	names, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, err
	}
	r := &renderer{pages: map[string]*template.Template{}, assets: a}
	funcs := template.FuncMap{
		"asset": a.URL,
		"has":   slices.Contains[[]string],
		"add":   func(a, b int) int { return a + b },
		"field": func(p *page, name, label, value, kind string) fieldView {
			return fieldView{Page: p, Name: name, Label: label, Value: value, Kind: kind, Error: p.Errors.Field(name)}
		},
		"matchCard": func(p *page, referral string, m matchRow) matchCard {
			return matchCard{Page: p, Referral: referral, Match: m}
		},
	}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || base == "partials" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(fsys, "templates/layout.html", "templates/partials.html", n)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", n, err)
		}
		r.pages[base] = t
	}
	return r, nil
}

// fieldView is one input of a form, for the "text-field" template.
type fieldView struct {
	Page                     *page
	Name, Label, Value, Kind string
	Error                    string
}

// matchCard is one matching session on a referral page, for the "rp-match" template.
type matchCard struct {
	Page     *page
	Referral string
	Match    matchRow
}

// page is what every template gets: the localizer (so templates call {{.T "key"}}), the frame's
// data and the page's own data.
type page struct {
	*localizer
	Title    string
	Nav      string
	CSRF     string
	Switch   string // address of the language switch, back to this page
	Errors   formErrors
	Script   bool // whether the page needs locate.js
	Person   Person
	SignIn   string // address of the "Sign in" link; "" when signed in or without sign-in
	Resumed  bool   // the form shows what was typed before signing in again
	Flash    string // the confirmation of the change that led here, once
	Data     any
	template string
}

// newPage starts the page for r in its language, with a CSRF token for its forms.
func (h *Handler) newPage(w http.ResponseWriter, r *http.Request, template, nav string) *page {
	l := h.i18n.localizer(h.i18n.choose(r))
	other := "fr"
	if l.Lang() == "fr" {
		other = "en"
	}
	back := r.URL.Path
	if r.Method == http.MethodGet && r.URL.RawQuery != "" {
		back += "?" + r.URL.RawQuery
	}
	person := h.person(r)
	signIn := ""
	if !person.SignedIn() {
		signIn = h.signInLink(r)
	}
	return &page{
		localizer: l,
		Nav:       nav,
		Person:    person,
		SignIn:    signIn,
		CSRF:      h.csrf.token(w, r, h.secure(r)),
		Switch:    "/language?" + url.Values{"to": {other}, "back": {back}}.Encode(),
		template:  template,
		Flash:     h.takeFlash(w, r, l),
	}
}

// render writes p with status code; a template error is logged and becomes a plain 500.
func (h *Handler) render(w http.ResponseWriter, code int, p *page) {
	t, ok := h.pages.pages[p.template]
	if !ok {
		h.logger.Error("web: no such template", "template", p.template)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		h.logger.Error("web: render", "template", p.template, "error", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = buf.WriteTo(w)
}

// fail renders a page that explains, in the page's language, what went wrong.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, code int, key string) {
	p := h.newPage(w, r, "error", "")
	p.Title = p.T("error.title")
	if code == http.StatusNotFound {
		p.Title = p.T("error.notfound.title")
	}
	p.Data = p.T(key)
	h.render(w, code, p)
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.fail(w, r, http.StatusNotFound, "error.notfound")
}

// setLanguage remembers the chosen language in a cookie and goes back to the page.
func (h *Handler) setLanguage(w http.ResponseWriter, r *http.Request) {
	to := r.URL.Query().Get("to")
	if to != "en" && to != "fr" {
		to = "en"
	}
	http.SetCookie(w, &http.Cookie{Name: languageCookie, Value: to, Path: "/", HttpOnly: true,
		Secure: h.secure(r), SameSite: http.SameSiteLaxMode, MaxAge: 365 * 24 * 3600})
	// Only a path on this site: never "//other.example" or an absolute URL.
	http.Redirect(w, r, localPath(r.URL.Query().Get("back")), http.StatusSeeOther)
}
