package devidp

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/op"
)

var pages = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>socialrx development sign-in</title>
<style>body{font-family:sans-serif;max-width:46em;margin:2em auto}.warn{background:#fde2e1;border:2px solid #b3261e;padding:.8em}
button{margin:.2em 0;padding:.4em .8em}td{padding:.2em .6em}</style></head><body><main>
<p class="warn"><strong>DEVELOPMENT ONLY.</strong> This identity provider signs anyone in as any demo user without a
password. It runs with <code>make run</code> and must never stand in front of real data.</p>
{{if .RequestID}}<h1>Sign in as</h1>
<form method="post" action="{{.LoginPath}}"><input type="hidden" name="authRequestID" value="{{.RequestID}}">
<table>{{range .Users}}<tr><td><button name="user" value="{{.Subject}}">{{.Name}}</button></td>
<td>{{index .Roles 0}}</td><td>{{.Title}}</td><td>{{.Organization}}</td></tr>{{end}}</table></form>
{{else}}<h1>socialrx development identity provider</h1>
<p>Issuer <code>{{.Issuer}}</code>; discovery at <a href="{{.Issuer}}/.well-known/openid-configuration">/.well-known/openid-configuration</a>.</p>
<p>A token for a demo user, for curl: <code>curl -s -d user=&lt;id&gt; {{.Issuer}}/dev/token</code></p>
<table>{{range .Users}}<tr><td><code>{{.Subject}}</code></td><td>{{index .Roles 0}}</td><td>{{.Name}}</td><td>{{.Organization}}</td></tr>{{end}}</table>
{{end}}</main></body></html>`))

type pageData struct {
	Issuer, RequestID, LoginPath string
	Users                        []User
}

func (p *Provider) homePage(w http.ResponseWriter, _ *http.Request) {
	p.render(w, pageData{Issuer: p.issuer, Users: p.users}, "")
}

// loginPage is where /authorize sends the browser: the demo users, one button each.
func (p *Provider) loginPage(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("authRequestID")
	req, err := p.storage.AuthRequestByID(r.Context(), id)
	if err != nil {
		http.Error(w, "unknown or finished sign-in; start again from the application", http.StatusBadRequest)
		return
	}
	p.render(w, pageData{Issuer: p.issuer, RequestID: id, LoginPath: loginPath, Users: p.users}, req.GetRedirectURI())
}

// render writes the page. Its form may lead to redirect, the client's redirect URI: browsers
// apply form-action to the redirects that follow a form, and signing in ends there.
func (p *Provider) render(w http.ResponseWriter, d pageData, redirect string) {
	formAction := "'self'"
	if u, err := url.Parse(redirect); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		formAction += " " + u.Scheme + "://" + u.Host
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action "+formAction)
	_ = pages.Execute(w, d)
}

// signIn completes a sign-in and hands the browser back to the provider's callback, which
// redirects to the client with a code.
func (p *Provider) signIn(w http.ResponseWriter, r *http.Request) {
	id := r.PostFormValue("authRequestID")
	if err := p.storage.signIn(id, r.PostFormValue("user")); err != nil {
		http.Error(w, "sign-in failed: unknown user or sign-in", http.StatusBadRequest)
		return
	}
	ctx := op.ContextWithIssuer(r.Context(), p.issuer)
	http.Redirect(w, r, op.AuthCallbackURL(p.op)(ctx, id), http.StatusFound)
}

// devToken answers POST /dev/token user=<id> with the bare access token, for curl: nothing
// follows it, so TOKEN=$(curl ...) and a pasted header carry exactly the token.
func (p *Provider) devToken(w http.ResponseWriter, r *http.Request) {
	user := strings.TrimSpace(r.PostFormValue("user"))
	tok, err := p.Token(r.Context(), user)
	if err != nil {
		http.Error(w, "no such demo user; see "+p.issuer+"/", http.StatusNotFound)
		return
	}
	p.logger.Info("DEVELOPMENT ONLY token issued", "subject", user)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(tok))
}

// devAssertion answers POST /dev/client-assertion client_id=<id> with the bare client assertion signed
// by the demo system client's key, so the SMART Backend Services flow can be tried with curl.
func (p *Provider) devAssertion(w http.ResponseWriter, r *http.Request) {
	a, err := p.ClientAssertion(r.PostFormValue("client_id"), 5*time.Minute)
	if err != nil {
		http.Error(w, "no development key for that client", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(a))
}
