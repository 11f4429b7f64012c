// Package layout holds the repository's import rules (the layout in README.md, "How it is
// built") as a test over `go list`: which part of the repository may import which. It has no
// code of its own.
package layout

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// pkg is one package of the module: its path relative to the module root and what it imports,
// each path relative too (packages outside the module are left out).
type pkg struct {
	path string
	// imports is what its production files import.
	imports []string
	// testImports is what its _test.go files import, internal and external tests alike.
	testImports []string
}

// scope says which code of an importer a rule holds for.
type scope int

const (
	// production is a package's non-test files and everything they pull in, transitively.
	production scope = iota
	// tests is what a package's _test.go files import directly; what those imports pull in
	// is production code, held by the production rules.
	tests
)

func (s scope) String() string {
	if s == tests {
		return "tests"
	}
	return "production"
}

// rule refuses imports from the packages that from matches to those that refuses matches.
type rule struct {
	name    string
	code    scope
	from    func(importer string) bool
	refuses func(importer, imported string) bool
	why     string
}

// rules are the layout's import rules. A service is a folder services/<svc>/ other than
// services/platform; its <svc>test package counts as the service's.
var rules = []rule{
	{
		name: "a service imports no other service", code: production,
		from:    isService,
		refuses: otherService,
		why:     "services call each other only through their public gRPC APIs (proto/), never through each other's code or databases",
	},
	{
		name: "a service's tests reach another service only through its <svc>test package", code: tests,
		from:    isService,
		refuses: func(from, to string) bool { return otherService(from, to) && !isServiceTest(to) },
		why:     "<svc>test starts the real service behind its gRPC API; anything deeper ties a test to another service's internals",
	},
	{
		name: "a service imports nothing of the gateway", code: production,
		from:    isService,
		refuses: func(_, to string) bool { return under(to, "gateway") },
		why:     "the gateway is a client of the services: it depends on them, never the other way round",
	},
	{
		name: "a service's tests import nothing of the gateway", code: tests,
		from:    isService,
		refuses: func(_, to string) bool { return under(to, "gateway") },
		why:     "a service is tested through its gRPC API; what goes through REST is tested with the gateway, and measured in deploy/benchmarks",
	},
	{
		name: "a service's tests import nothing of deploy/", code: tests,
		from:    isService,
		refuses: func(_, to string) bool { return under(to, "deploy") },
		why:     "a service's tests run on platform/testenv and the <svc>test packages; none uses the launcher or the demo data",
	},
	{
		name: "platform imports no service", code: production,
		from:    isPlatform,
		refuses: func(_, to string) bool { return isService(to) },
		why:     "platform is what every service shares: importing one service would make every service depend on it",
	},
	{
		name: "platform's tests import no service", code: tests,
		from:    isPlatform,
		refuses: func(_, to string) bool { return isService(to) },
		why:     "platform is tested on its own, so that a service can change without breaking the shared code's tests",
	},
	{
		name: "platform imports nothing of deploy/ or the gateway", code: production,
		from:    isPlatform,
		refuses: func(_, to string) bool { return under(to, "deploy") || under(to, "gateway") },
		why:     "platform sits below every binary; deploy/ and the gateway are built on it",
	},
	{
		name: "platform's tests import nothing of deploy/ or the gateway", code: tests,
		from:    isPlatform,
		refuses: func(_, to string) bool { return under(to, "deploy") || under(to, "gateway") },
		why:     "platform is tested on its own; shared test support (testenv, the development identity provider) lives in platform",
	},
	{
		name: "the gateway imports no service", code: production,
		from:    func(p string) bool { return under(p, "gateway") },
		refuses: func(_, to string) bool { return isService(to) },
		why:     "the gateway speaks to the services only through their gRPC contracts (proto/); platform is fine",
	},
	{
		name: "the gateway's tests reach a service only through its <svc>test package", code: tests,
		from:    func(p string) bool { return under(p, "gateway") },
		refuses: func(_, to string) bool { return isService(to) && !isServiceTest(to) },
		why:     "<svc>test starts the real service behind its gRPC API; anything deeper tests the gateway against a service's internals",
	},
	{
		name: "nothing but tests imports deploy/", code: production,
		from:    func(p string) bool { return !under(p, "deploy") },
		refuses: func(_, to string) bool { return under(to, "deploy") },
		why:     "deploy/ composes the binaries (launcher, demo data, manifests); code that ships must not depend on how it is deployed",
	},
	{
		name: "generated protos import only protos", code: production,
		from:    func(p string) bool { return under(p, "proto") },
		refuses: func(_, to string) bool { return !under(to, "proto") },
		why:     "the contracts are generated code that every part imports; they depend on nothing of ours",
	},
}

// under reports whether path is dir or inside it.
func under(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, dir+"/")
}

// service returns the service a package belongs to ("directory" for services/directory/...),
// or "" for platform and everything outside services/.
func service(path string) string {
	rest, ok := strings.CutPrefix(path, "services/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	if name == "platform" {
		return ""
	}
	return name
}

func isService(path string) bool  { return service(path) != "" }
func isPlatform(path string) bool { return under(path, "services/platform") }

// isServiceTest reports whether path is a service's test package, services/<svc>/<svc>test.
func isServiceTest(path string) bool {
	svc := service(path)
	return svc != "" && path == "services/"+svc+"/"+svc+"test"
}

func otherService(from, to string) bool {
	return isService(to) && service(to) != service(from)
}

// violations lists every import that a rule refuses, one line each naming the importer and the
// imported package. A production import that reaches a refused package through packages the
// rule does not cover is named with its path; one through a package the rule covers is named
// there instead, once.
func violations(pkgs []pkg, rules []rule) []string {
	graph := map[string][]string{}
	for _, p := range pkgs {
		graph[p.path] = p.imports
	}
	var out []string
	for _, r := range rules {
		for _, p := range pkgs {
			if !r.from(p.path) {
				continue
			}
			if r.code == tests {
				for _, to := range p.testImports {
					if r.refuses(p.path, to) {
						out = append(out, fmt.Sprintf("%s: tests of %s import %s: %s", r.name, p.path, to, r.why))
					}
				}
				continue
			}
			for _, chain := range refusedReaches(graph, p.path, r) {
				to, last := chain[len(chain)-1], chain[len(chain)-2]
				switch {
				case len(chain) == 2:
					out = append(out, fmt.Sprintf("%s: %s imports %s: %s", r.name, p.path, to, r.why))
				case !r.from(last):
					out = append(out, fmt.Sprintf("%s: %s imports %s through %s: %s", r.name, p.path, to,
						strings.Join(chain[1:len(chain)-1], " -> "), r.why))
				}
			}
		}
	}
	return out
}

// refusedReaches walks the production imports from start, breadth first, and returns the
// shortest import chain (start first) to every package the rule refuses, without walking on
// past a refused package.
func refusedReaches(graph map[string][]string, start string, r rule) [][]string {
	prev := map[string]string{start: ""}
	queue := []string{start}
	var out [][]string
	for len(queue) > 0 {
		at := queue[0]
		queue = queue[1:]
		for _, next := range graph[at] {
			if _, seen := prev[next]; seen {
				continue
			}
			prev[next] = at
			if r.refuses(start, next) {
				var chain []string
				for p := next; p != ""; p = prev[p] {
					chain = append(chain, p)
				}
				slices.Reverse(chain)
				out = append(out, chain)
				continue
			}
			queue = append(queue, next)
		}
	}
	return out
}

// listModule runs `go list -e -deps -json ./...` at the module root and returns the module's
// packages, imports relative to the root, and the errors go list found in them. With -e an import
// the compiler refuses (another service's internal package, say) is still listed, so the rules
// name it too.
func listModule(t *testing.T) ([]pkg, []string) {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	modFile := strings.TrimSpace(string(gomod))
	if modFile == "" || modFile == "/dev/null" {
		t.Fatalf("go env GOMOD names no go.mod (%q)", modFile)
	}
	root := filepath.Dir(modFile)
	cmd := exec.Command("go", "list", "-e", "-deps", "-json", "./...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	type listed struct {
		ImportPath string
		Module     *struct {
			Path string
			Main bool
		}
		Imports      []string
		TestImports  []string
		XTestImports []string
		Error        *struct{ Pos, Err string }
	}
	var all []listed
	modulePath := ""
	dec := json.NewDecoder(bytes.NewReader(stdout))
	for {
		var l listed
		if err := dec.Decode(&l); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		if l.Module != nil && l.Module.Main {
			modulePath = l.Module.Path
		}
		all = append(all, l)
	}
	if modulePath == "" {
		t.Fatal("go list named no package of the main module")
	}
	rel := func(paths []string) []string {
		var out []string
		for _, p := range paths {
			if p == modulePath {
				out = append(out, ".")
			} else if r, ok := strings.CutPrefix(p, modulePath+"/"); ok {
				out = append(out, r)
			}
		}
		return out
	}
	var pkgs []pkg
	var listErrs []string
	for _, l := range all {
		if l.Module == nil || !l.Module.Main {
			continue
		}
		if l.Error != nil {
			listErrs = append(listErrs, fmt.Sprintf("go list: %s: %s: %s", l.ImportPath, l.Error.Pos, l.Error.Err))
		}
		p := rel([]string{l.ImportPath})
		if len(p) == 0 {
			continue
		}
		pkgs = append(pkgs, pkg{path: p[0], imports: rel(l.Imports),
			testImports: rel(append(slices.Clone(l.TestImports), l.XTestImports...))})
	}
	return pkgs, listErrs
}

// TestLayout holds every package of the module to the rules.
func TestLayout(t *testing.T) {
	pkgs, listErrs := listModule(t)
	// The rules match paths: had the layout moved, they would hold vacuously.
	for _, want := range []string{"services/directory", "services/event", "services/referral",
		"services/directory/directorytest", "services/platform/auth/devidp", "services/platform/headers",
		"gateway", "gateway/hsds/document", "deploy/allinone", "deploy/benchmarks", "proto/socialrx/directory/v1"} {
		if !slices.ContainsFunc(pkgs, func(p pkg) bool { return p.path == want }) {
			t.Errorf("go list did not name %s: the layout has moved, update the rules", want)
		}
	}
	for _, v := range violations(pkgs, rules) {
		t.Error(v)
	}
	for _, e := range listErrs {
		t.Error(e)
	}
}

// TestRulesRefuse feeds the rules imports that break them, and some that do not, so that a rule
// that stopped matching is seen here rather than passing in TestLayout.
func TestRulesRefuse(t *testing.T) {
	tests := []struct {
		name string
		pkgs []pkg
		want []string // a substring of each violation, in order
	}{
		{"gateway imports a service's internals",
			[]pkg{{path: "gateway", imports: []string{"services/directory/internal/store"}}},
			[]string{"the gateway imports no service: gateway imports services/directory/internal/store"}},
		{"a binary reaches a service through the gateway: named once, at the gateway",
			[]pkg{{path: "gateway/cmd/gateway", imports: []string{"gateway"}},
				{path: "gateway", imports: []string{"services/directory/internal/store"}}},
			[]string{"gateway imports services/directory/internal/store"}},
		{"the gateway reaches a service through a package no rule covers",
			[]pkg{{path: "gateway", imports: []string{"tools/x"}},
				{path: "tools/x", imports: []string{"services/event/eventtest"}}},
			[]string{"gateway imports services/event/eventtest through tools/x"}},
		{"a service imports another service",
			[]pkg{{path: "services/referral/internal/server", imports: []string{"services/event/internal/domain"}}},
			[]string{"a service imports no other service: services/referral/internal/server imports services/event/internal/domain"}},
		{"a service's <svc>test imports another service's internals",
			[]pkg{{path: "services/referral/referraltest", imports: []string{"services/event/internal/store"}}},
			[]string{"services/referral/referraltest imports services/event/internal/store"}},
		{"a service's tests import another service's root package",
			[]pkg{{path: "services/event", testImports: []string{"services/directory"}}},
			[]string{"tests of services/event import services/directory"}},
		{"platform imports deploy/",
			[]pkg{{path: "services/platform/testenv", imports: []string{"deploy/idp"}}},
			[]string{"platform imports nothing of deploy/ or the gateway: services/platform/testenv imports deploy/idp",
				"nothing but tests imports deploy/: services/platform/testenv imports deploy/idp"}},
		{"platform's tests import a service",
			[]pkg{{path: "services/platform/audit", testImports: []string{"services/referral/referraltest"}}},
			[]string{"platform's tests import no service: tests of services/platform/audit import services/referral/referraltest"}},
		{"a service imports the gateway",
			[]pkg{{path: "services/directory", imports: []string{"gateway/hsds/document"}}},
			[]string{"a service imports nothing of the gateway: services/directory imports gateway/hsds/document"}},
		{"a service's tests import the gateway",
			[]pkg{{path: "services/referral", testImports: []string{"gateway/gatewaytest"}}},
			[]string{"a service's tests import nothing of the gateway: tests of services/referral import gateway/gatewaytest"}},
		{"a service's tests import deploy/",
			[]pkg{{path: "services/event", testImports: []string{"deploy/demodata"}}},
			[]string{"tests of services/event import deploy/demodata"}},
		{"protos import platform",
			[]pkg{{path: "proto/socialrx/event/v1", imports: []string{"services/platform/auth"}}},
			[]string{"proto/socialrx/event/v1 imports services/platform/auth"}},
		{"what the layout allows",
			[]pkg{
				{path: "gateway", imports: []string{"services/platform/auth", "proto/socialrx/directory/v1"},
					testImports: []string{"services/directory/directorytest", "deploy/demodata"}},
				{path: "services/referral", imports: []string{"services/referral/internal/server", "services/platform/auth"},
					testImports: []string{"services/event/eventtest", "services/platform/testenv"}},
				{path: "services/referral/internal/server", imports: []string{"proto/socialrx/event/v1"}},
				{path: "deploy/allinone", imports: []string{"services/directory", "gateway", "deploy/demodata"}},
				{path: "services/platform/testenv", imports: []string{"services/platform/auth/devidp"}},
				{path: "deploy/benchmarks", testImports: []string{"gateway/gatewaytest", "services/referral/referraltest"}},
			},
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := violations(tt.pkgs, rules)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d violations, want %d:\n%s", len(got), len(tt.want), strings.Join(got, "\n"))
			}
			for i, want := range tt.want {
				if !strings.Contains(got[i], want) {
					t.Errorf("violation %d = %q, want it to contain %q", i, got[i], want)
				}
			}
		})
	}
}
