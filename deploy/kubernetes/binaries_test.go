package kubernetes

import (
	"flag"
	"maps"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/socialrx/socialrx/gateway"
	"github.com/socialrx/socialrx/services/directory"
	"github.com/socialrx/socialrx/services/event"
	"github.com/socialrx/socialrx/services/platform/config"
	"github.com/socialrx/socialrx/services/referral"
)

// repoRoot is the repository, seen from this package's directory.
const repoRoot = "../.."

// imagePrefix names every socialrx image: imagePrefix + binary name.
const imagePrefix = "ghcr.io/socialrx/"

// A server is a long-running binary the manifests deploy. Its variables, their defaults and its
// listen address come from its own RegisterFlags, so the manifests are checked against the code.
type server struct {
	name     string
	register func(*config.Loader)
	// listenFlag is the flag of the address it serves on.
	listenFlag string
	// healthService is the grpc.health.v1 service its readiness probe asks about ("" for HTTP).
	healthService string
}

var servers = []server{
	{"directory", func(l *config.Loader) { new(directory.Config).RegisterFlags(l) }, "grpc-addr", directory.ServiceName},
	{"event", func(l *config.Loader) { new(event.Config).RegisterFlags(l) }, "grpc-addr", event.ServiceName},
	{"referral", func(l *config.Loader) { new(referral.Config).RegisterFlags(l) }, "grpc-addr", referral.ServiceName},
	{"gateway", func(l *config.Loader) { new(gateway.Config).RegisterFlags(l) }, "http-addr", ""},
}

func serverNamed(name string) (server, bool) {
	for _, s := range servers {
		if s.name == name {
			return s, true
		}
	}
	return server{}, false
}

// Variables the manifests set before the binaries read them, each with the binaries that will.
// Once a binary registers one, the test asks for it to be taken off this list.
var pendingEnv = map[string][]string{}

// Variables the Go runtime reads in every binary.
var runtimeEnv = map[string]bool{"GOMEMLIMIT": true}

// metricsPort is the port the manifests give METRICS_ADDR and the Prometheus annotations.
const metricsPort = "9464"

// A variable is one environment variable a binary registers.
type variable struct {
	flag, def string
}

var envInUsage = regexp.MustCompile(`\(env ([A-Z][A-Z0-9_]*)\)$`)

// vars returns the environment variables s registers, by name, with their defaults (which, as
// in the binary, a variable set in the test's own environment replaces). The names come from the
// usage text config.Loader writes, "... (env NAME)"; a flag without one fails the test.
func (s server) vars(t *testing.T) map[string]variable {
	t.Helper()
	fs := flag.NewFlagSet(s.name, flag.ContinueOnError)
	s.register(config.NewLoader(fs))
	vars := map[string]variable{}
	fs.VisitAll(func(f *flag.Flag) {
		m := envInUsage.FindStringSubmatch(f.Usage)
		if m == nil {
			t.Fatalf("%s: flag -%s names no environment variable in %q", s.name, f.Name, f.Usage)
		}
		vars[m[1]] = variable{flag: f.Name, def: f.DefValue}
	})
	if len(vars) == 0 {
		t.Fatalf("%s registers no variables", s.name)
	}
	return vars
}

// envByFlag returns the variable behind flag name.
func envByFlag(t *testing.T, vars map[string]variable, name string) string {
	t.Helper()
	for env, v := range vars {
		if v.flag == name {
			return env
		}
	}
	t.Fatalf("no variable for flag -%s", name)
	return ""
}

// checkEnvNames fails for every name in env that s does not read.
func checkEnvNames(t *testing.T, where string, s server, env map[string]string) {
	t.Helper()
	vars := s.vars(t)
	for _, name := range sortedKeys(env) {
		if _, ok := vars[name]; ok || runtimeEnv[name] {
			continue
		}
		if slices.Contains(pendingEnv[name], s.name) {
			continue
		}
		t.Errorf("%s: %s sets %s, which %s does not read", where, s.name, name, s.name)
	}
}

// effective returns the value of every variable s reads: env where set, else its default.
func effective(t *testing.T, s server, env map[string]string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, v := range s.vars(t) {
		out[name] = v.def
	}
	for name, value := range env {
		out[name] = value
	}
	return out
}

// listenPort is the port s listens on given env.
func listenPort(t *testing.T, s server, env map[string]string) string {
	t.Helper()
	addr := effective(t, s, env)[envByFlag(t, s.vars(t), s.listenFlag)]
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("%s listens on %q: %v", s.name, addr, err)
	}
	return port
}

// peers returns, for each address flag other than the listen one (directory-addr, ...), the
// binary it names and the address env gives it: the services s calls.
func peers(t *testing.T, s server, env map[string]string) map[string]string {
	t.Helper()
	vars := s.vars(t)
	eff := effective(t, s, env)
	out := map[string]string{}
	for name, v := range vars {
		if v.flag == s.listenFlag || v.flag == "metrics-addr" || v.flag == "grpc-health-addr" || !strings.HasSuffix(v.flag, "-addr") {
			continue
		}
		out[strings.TrimSuffix(v.flag, "-addr")] = eff[name]
	}
	return out
}

// binaries lists every command of the repository: each directory under */cmd/.
func binaries(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, pattern := range []string{"services/*/cmd/*", "gateway/cmd/*"} {
		dirs, err := filepath.Glob(filepath.Join(repoRoot, pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, dir := range dirs {
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				continue
			}
			rel, err := filepath.Rel(repoRoot, dir)
			if err != nil {
				t.Fatal(err)
			}
			out[filepath.Base(dir)] = filepath.ToSlash(rel)
		}
	}
	if len(out) < len(servers) {
		t.Fatalf("found only %v under */cmd/", out)
	}
	return out
}

// TestPendingEnvStillPending keeps pendingEnv honest: a variable a binary now reads comes off it.
func TestPendingEnvStillPending(t *testing.T) {
	for _, name := range sortedKeys(pendingEnv) {
		for _, b := range pendingEnv[name] {
			s, ok := serverNamed(b)
			if !ok {
				t.Errorf("pendingEnv[%s] names %q, not a server", name, b)
				continue
			}
			if _, ok := s.vars(t)[name]; ok {
				t.Errorf("%s now reads %s: take it off pendingEnv", b, name)
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
