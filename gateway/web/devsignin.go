package web

// DEVELOPMENT SIGN-IN. It lets anyone pick a demo practitioner or a moderator and act as them,
// with no password, so that host and moderator pages can be used and tested before the real
// OpenID Connect sign-in exists. It is off unless WEB_DEV_SIGN_IN is true, and must never be
// turned on where real people's data lives. Its sessions call the services with tokens that
// the development identity provider issues for the chosen person (Backends.DevTokens), which
// the services verify like any other.

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
)

const devSessionCookie = "socialrx_dev_session"

// devModerator is the moderator the development sign-in offers; moderation is a role of the
// Alliance, not of a directory practitioner.
var devModerator = Person{Subject: "practitioners/dev-moderator", Name: "Moderator (development)", Roles: []string{auth.RoleModerator}}

type devSession struct {
	p     Person
	token string
}

func (s devSession) Token() string  { return s.token }
func (s devSession) Person() Person { return s.p }

// devSessions reads the development sign-in's signed cookie, falling back to the public.
type devSessions struct {
	signer *signer
	now    func() time.Time
	tokens func(auth.Identity) (string, error)
}

func (d devSessions) Session(r *http.Request) Session {
	c, err := r.Cookie(devSessionCookie)
	if err != nil {
		return publicSession{}
	}
	body, sig, ok := strings.Cut(c.Value, ".")
	raw, err1 := b64.DecodeString(body)
	mac, err2 := b64.DecodeString(sig)
	if !ok || err1 != nil || err2 != nil || !d.signer.verify(mac, string(raw)) {
		return publicSession{}
	}
	f := strings.Split(string(raw), "|")
	if len(f) != 5 {
		return publicSession{}
	}
	exp, err := strconv.ParseInt(f[4], 10, 64)
	if err != nil || !d.now().Before(time.Unix(exp, 0)) {
		return publicSession{}
	}
	p := Person{Subject: f[0], Name: f[1], Organization: f[2], Roles: strings.Split(f[3], ",")}
	if d.tokens == nil {
		return publicSession{}
	}
	tok, err := d.tokens(auth.Identity{Subject: p.Subject, Organization: p.Organization, Roles: p.Roles})
	if err != nil {
		return publicSession{}
	}
	return devSession{p: p, token: tok}
}

func (d devSessions) cookie(p Person, secure bool) *http.Cookie {
	exp := strconv.FormatInt(d.now().Add(8*time.Hour).Unix(), 10)
	raw := strings.Join([]string{p.Subject, p.Name, p.Organization, strings.Join(p.Roles, ","), exp}, "|")
	return &http.Cookie{Name: devSessionCookie, Value: b64.EncodeToString([]byte(raw)) + "." + b64.EncodeToString(d.signer.sign(raw)),
		Path: "/", HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode, MaxAge: 8 * 3600}
}

// devPeople are those the development sign-in offers: the directory's event hosts, and a moderator.
func (h *Handler) devPeople(r *http.Request) ([]Person, error) {
	resp, err := h.directory.ListPractitioners(h.callContext(r), &directoryv1.ListPractitionersRequest{PageSize: 1000})
	if err != nil {
		return nil, err
	}
	var out []Person
	for _, p := range resp.GetPractitioners() {
		if p.GetRole() == directoryv1.PractitionerRole_PRACTITIONER_ROLE_EVENT_HOST {
			out = append(out, Person{Subject: p.GetName(), Name: p.GetGivenName() + " " + p.GetFamilyName(),
				Organization: p.GetOrganization(), Roles: []string{auth.RoleEventHost}})
		}
	}
	return append(out, devModerator), nil
}

type devSignInData struct {
	People []Person
	Back   string
}

func (h *Handler) devSignInForm(w http.ResponseWriter, r *http.Request) {
	people, err := h.devPeople(r)
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	p := h.newPage(w, r, "devsignin", "")
	p.Title = p.T("signin.dev.title")
	p.Data = &devSignInData{People: people, Back: localPath(r.URL.Query().Get("back"))}
	h.render(w, http.StatusOK, p)
}

func (h *Handler) devSignIn(w http.ResponseWriter, r *http.Request) {
	people, err := h.devPeople(r)
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	subject := r.PostFormValue("subject")
	for _, p := range people {
		if p.Subject == subject {
			http.SetCookie(w, h.dev.cookie(p, h.secure(r)))
			back := localPath(r.PostFormValue("back"))
			if back == "/" {
				back = "/host"
				if p.Has(auth.RoleModerator) {
					back = "/moderate"
				}
			}
			http.Redirect(w, r, back, http.StatusSeeOther)
			return
		}
	}
	h.fail(w, r, http.StatusBadRequest, "error.summary")
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: devSessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: h.secure(r), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// localPath returns back when it is a path on this site, else "/".
func localPath(back string) string {
	if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") || strings.HasPrefix(back, "/\\") {
		return "/"
	}
	return back
}

// requireRole returns the signed-in person when they hold role; otherwise it sends them to sign
// in, or explains that the page is not theirs, and returns false.
func (h *Handler) requireRole(w http.ResponseWriter, r *http.Request, role string) (Person, bool) {
	p := h.person(r)
	if !p.SignedIn() {
		if h.cfg.DevSignIn {
			http.Redirect(w, r, "/dev/sign-in?back="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return p, false
		}
		h.fail(w, r, http.StatusUnauthorized, "error.signin")
		return p, false
	}
	if !p.Has(role) {
		h.fail(w, r, http.StatusForbidden, "error.denied")
		return p, false
	}
	return p, true
}
