package web_test

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// axeVersion is the pinned axe-core release the accessibility checks run.
const axeVersion = "4.10.3"

// axeCache is where the test setup keeps axe-core, fetched from the npm registry; git ignores it.
const axeCache = ".axe-cache"

var (
	axeOnce   sync.Once
	axeSource string
	axeErr    error
)

// axeScript returns axe.min.js of axeVersion, running `npm pack` into axeCache on first use.
func axeScript(t *testing.T) string {
	t.Helper()
	axeOnce.Do(func() { axeSource, axeErr = loadAxe() })
	if axeErr != nil {
		t.Fatalf("axe-core %s for the accessibility checks: %v", axeVersion, axeErr)
	}
	return axeSource
}

func loadAxe() (string, error) {
	js := filepath.Join(axeCache, "axe-"+axeVersion+".min.js")
	if b, err := os.ReadFile(js); err == nil {
		return string(b), nil
	}
	if err := os.MkdirAll(axeCache, 0o755); err != nil {
		return "", err
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", errors.New("npm is not installed (Debian package npm); it fetches axe-core from the npm registry")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "pack", "--silent", "axe-core@"+axeVersion)
	cmd.Dir = axeCache
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("npm pack axe-core@%s: %v: %s", axeVersion, err, out)
	}
	tgz := filepath.Join(axeCache, "axe-core-"+axeVersion+".tgz")
	f, err := os.Open(tgz)
	if err != nil {
		return "", err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return "", err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err != nil {
			return "", fmt.Errorf("package/axe.min.js not in %s: %v", tgz, err)
		}
		if h.Name == "package/axe.min.js" {
			b, err := io.ReadAll(tr)
			if err != nil {
				return "", err
			}
			if err := os.WriteFile(js, b, 0o644); err != nil {
				return "", err
			}
			return string(b), nil
		}
	}
}

// chromium finds Debian's Chromium; a machine without it fails the test, naming the package.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("the browser tests need Chromium: install the Debian package `chromium` (apt-get install chromium)")
	return ""
}

// newBrowser starts a headless Chromium with a fresh profile for the test and returns a tab.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("metrics-recording-only", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	ctx, timeout := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(timeout)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	// Record Content-Security-Policy violations of every page, so that the test fails on any
	// inline script or style the policy had to block.
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__csp = []; document.addEventListener("securitypolicyviolation",
			e => window.__csp.push(e.violatedDirective + " " + e.blockedURI));`,
	}); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// viewport sizes the tab: a phone (390x844) or a desktop (1280x900).
func viewport(t *testing.T, ctx context.Context, width, height int64) {
	t.Helper()
	if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width: width, Height: height, DeviceScaleFactor: 1, Mobile: width < 600,
	}); err != nil {
		t.Fatal(err)
	}
}

func acceptLanguage(t *testing.T, ctx context.Context, value string) {
	t.Helper()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Accept-Language": value},
	}); err != nil {
		t.Fatal(err)
	}
}

func do(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// visit loads url and waits for the page.
func visit(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	do(t, ctx, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body")))
	checkCSP(t, ctx)
}

// follow clicks sel and waits for the page it leads to.
func follow(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel)))); err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
	do(t, ctx, chromedp.WaitReady(chromedp.CSS("body")))
	checkCSP(t, ctx)
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(qctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		html, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("text of %s: %v; the page says:\n%s", sel, err, html)
	}
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

func checkCSP(t *testing.T, ctx context.Context) {
	t.Helper()
	if v := eval[[]string](t, ctx, `window.__csp || []`); len(v) > 0 {
		t.Fatalf("Content-Security-Policy blocked: %v", v)
	}
}

type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// checkA11y runs axe-core on the page, logs every violation, and fails on serious or critical ones.
func checkA11y(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	for _, v := range axeViolations(t, ctx, name) {
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("%s: %s accessibility violation %s: %s at %v", name, v.Impact, v.ID, v.Help, v.Targets)
		}
	}
}

// checkNoA11yViolations runs axe-core on the page and fails on any violation, minor ones too.
func checkNoA11yViolations(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if vs := axeViolations(t, ctx, name); len(vs) > 0 {
		t.Errorf("%s: %d accessibility violations (logged above)", name, len(vs))
	}
}

// axeViolations runs axe-core on the page and logs and returns its violations.
func axeViolations(t *testing.T, ctx context.Context, name string) []axeViolation {
	t.Helper()
	do(t, ctx, chromedp.Evaluate[chromedp.Void](axeScript(t)))
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ["violations"]}).then(r =>
		JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
			targets: v.nodes.map(n => n.target.join(" "))}))))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe on %s: %v", name, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		t.Fatalf("axe result on %s: %v", name, err)
	}
	if len(vs) == 0 {
		t.Logf("axe %s %s: no violations", axeVersion, name)
	}
	for _, v := range vs {
		t.Logf("axe %s %s: %s %s (%s) at %v", axeVersion, name, v.Impact, v.ID, v.Help, v.Targets)
	}
	return vs
}

// screenshotsEnv names the folder the screenshots go to; `make screenshots` sets it to the
// git-tracked gateway/web/screenshots, whose files the README shows. A relative path is taken from
// this package's folder.
const screenshotsEnv = "SCREENSHOTS_DIR"

// screenshotDir is where the screenshots of name go: the folder named by screenshotsEnv, else a
// temporary folder removed after the test, so a test run changes no file of the repository.
func screenshotDir(t *testing.T, name string) string {
	t.Helper()
	dir := os.Getenv(screenshotsEnv)
	if dir == "" {
		dir = t.TempDir()
		t.Logf("screenshots %s in %s, removed after the test; set %s to keep them", name, dir, screenshotsEnv)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// screenshots saves the whole page at phone and desktop widths, then goes back to the phone.
func screenshots(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := screenshotDir(t, name)
	for _, s := range []struct {
		suffix        string
		width, height int64
	}{{"desktop", 1280, 900}, {"phone", 390, 844}} {
		viewport(t, ctx, s.width, s.height)
		buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"-"+s.suffix+".png"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
