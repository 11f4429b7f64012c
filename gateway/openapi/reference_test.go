package openapi

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// The reference page is one self-contained document: its only stylesheet is inline and allowed
// by its hash, it loads nothing (no script, no stylesheet or image from elsewhere), and it shows
// the operations with who may call them, their examples and the schemas.
func TestReferencePage(t *testing.T) {
	rec := httptest.NewRecorder()
	Reference().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/docs", nil))
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	page := string(b)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /docs: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	csp := res.Header.Get("Content-Security-Policy")
	style := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindAllStringSubmatch(page, -1)
	if len(style) != 1 {
		t.Fatalf("want one inline stylesheet, got %d", len(style))
	}
	sum := sha256.Sum256([]byte(style[0][1]))
	if want := "style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, want) {
		t.Errorf("CSP %q does not allow the page's stylesheet (%s)", csp, want)
	}
	for _, directive := range []string{"default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"} {
		if !strings.Contains(csp, directive) {
			t.Errorf("CSP %q lacks %s", csp, directive)
		}
	}
	if strings.Contains(csp, "script-src") || strings.Contains(page, "<script") {
		t.Errorf("the page runs script")
	}
	if m := regexp.MustCompile(`<(link|img|iframe)\b[^>]*>`).FindString(page); m != "" {
		t.Errorf("the page loads %s", m)
	}
	for _, want := range []string{
		`<h1>socialrx API`,
		`<h2 id="tag-Referrals">Referrals</h2>`,
		`<code>/v1/referrals/{referral}:accept</code>`,
		`Operation <code>createReferral</code>; who may call: token`,
		`Operation <code>searchServices</code>; who may call: public.`,
		`Operation <code>createRegistration</code>; who may call: public; a token may show more.`,
		`&#34;whatMatters&#34;: &#34;Getting out of the house`, // the example, escaped
		`<h3><code>ErrorInfo</code></h3>`,
		`/fhir/r4/metadata`,
		`<code>/hsds/services/{id}</code>`,
		`AIP-155 <code>requestId</code>s`, // Markdown code in a description
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
}
