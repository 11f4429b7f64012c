package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/socialrx/socialrx/gateway"
	"github.com/socialrx/socialrx/services/directory"
	"github.com/socialrx/socialrx/services/event"
	"github.com/socialrx/socialrx/services/platform/config"
	"github.com/socialrx/socialrx/services/platform/process"
	"github.com/socialrx/socialrx/services/referral"
)

// row is one line of the README's configuration table.
type row struct {
	env    string
	usedBy []string
}

func readmeTable(t *testing.T) []row {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(b)
	i := strings.Index(section, "## Configuration")
	if i < 0 {
		t.Fatal("README.md has no Configuration section")
	}
	section = section[i:]
	line := regexp.MustCompile("(?m)^\\| `([A-Z_]+)` \\|[^|]*\\|[^|]*\\| ([^|]+) \\|")
	var rows []row
	for _, m := range line.FindAllStringSubmatch(section, -1) {
		r := row{env: m[1]}
		for _, part := range strings.Split(m[2], ",") {
			r.usedBy = append(r.usedBy, strings.TrimSpace(part))
		}
		rows = append(rows, r)
	}
	if len(rows) < 15 {
		t.Fatalf("found %d rows in the README's configuration table, want the whole table", len(rows))
	}
	return rows
}

// binary parses a part's configuration the way its stand-alone main does.
type binary func(args []string) (any, error)

func standalone[C any, P interface {
	*C
	process.Config
}]() binary {
	return func(args []string) (any, error) {
		var c C
		logger, err := process.Parse("test", P(&c), args)
		if err != nil {
			return nil, err
		}
		// The logger's level is the part of the configuration LOG_LEVEL sets.
		return []any{c, logger.Enabled(context.Background(), slog.LevelDebug)}, nil
	}
}

var binaries = map[string]binary{
	"all-in-one": func(args []string) (any, error) {
		o, _, err := parse(args)
		return o, err
	},
	"directory": standalone[directory.Config](),
	"event":     standalone[event.Config](),
	"referral":  standalone[referral.Config](),
	"gateway":   standalone[gateway.Config](),
}

// testValue is a valid value for the flag that reads env, different from its default.
func testValue(t *testing.T, env string) string {
	t.Helper()
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	l := config.NewLoader(fs)
	o := options{}
	o.log.RegisterFlags(l)
	o.directory.RegisterFlags(l.Prefixed("directory"))
	o.event.RegisterFlags(l.Prefixed("event"))
	o.referral.RegisterFlags(l.Prefixed("referral"))
	o.gateway.RegisterFlags(l.Prefixed("gateway"))
	var value string
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(f.Usage, "(env "+env+")") {
			return
		}
		switch v := f.Value.(flag.Getter).Get().(type) {
		case bool:
			value = fmt.Sprint(!v)
		case time.Duration:
			value = (v + 7*time.Second).String()
		case int:
			value = fmt.Sprint(v + 7)
		case int64:
			value = fmt.Sprint(v + 7)
		case float64:
			value = fmt.Sprint(v + 7)
		default:
			if env == "LOG_LEVEL" {
				value = "debug"
			} else if env == "GATEWAY_TRUSTED_PROXIES" {
				value = "10.0.0.0/8"
			} else if strings.HasPrefix(env, "OIDC_") && strings.HasSuffix(env, "_URL") || env == "OIDC_ISSUER" {
				value = "https://idp2.example.org/x"
			} else if strings.HasPrefix(env, "WEB_SESSION_KEY") {
				value = "YW5vdGhlciB3ZWIgc2Vzc2lvbiBrZXksIDMyIGJ5dGU=" // 32 bytes
			} else {
				value = "127.0.0.1:7" // a valid address, URI host or name alike
			}
		}
	})
	if value == "" {
		// A launcher-only variable.
		switch env {
		case "SOCIALRX_NO_DEMO", "SOCIALRX_DEV_IDP":
			value = "true"
		case "EMBEDDED_DB_SYNCHRONOUS":
			value = "full"
		default:
			value = "/tmp/socialrx-config-test"
		}
	}
	return value
}

// The configuration table in README.md is the contract: every variable it lists changes the
// configuration of every part it says uses it, under `make run` and stand-alone alike.
func TestEveryDocumentedVariableWorksWhereTheREADMESays(t *testing.T) {
	for _, r := range readmeTable(t) {
		for _, part := range r.usedBy {
			t.Run(r.env+"/"+part, func(t *testing.T) {
				parseAs, ok := binaries[part]
				if !ok {
					t.Fatalf("README names %q as a user of %s; not a known part", part, r.env)
				}
				// Some settings are required stand-alone: give every run them, then vary the one under test.
				base := map[string]string{"MONGODB_URI": "mongodb://127.0.0.1:1/", "OIDC_ISSUER": "https://idp.example.org",
					"REFERRAL_OIDC_CLIENT_ID": "referral", "REFERRAL_OIDC_CLIENT_SECRET": "secret",
					"WEB_SESSION_KEY": "c2Vzc2lvbiBrZXkgb2YgdGhlIGNvbmZpZyB0ZXN0cyE="}
				for k, v := range base {
					t.Setenv(k, v)
				}
				if _, set := base[r.env]; set {
					os.Unsetenv(r.env)
					t.Setenv(r.env, base[r.env])
				}
				without, err := parseAs(nil)
				if err != nil {
					t.Fatalf("parse without %s: %v", r.env, err)
				}
				t.Setenv(r.env, testValue(t, r.env))
				with, err := parseAs(nil)
				if err != nil {
					t.Fatalf("parse with %s=%s: %v", r.env, os.Getenv(r.env), err)
				}
				if reflect.DeepEqual(without, with) {
					t.Errorf("%s=%s changes nothing in %s's configuration", r.env, os.Getenv(r.env), part)
				}
			})
		}
	}
}

func TestABadValueIsRefusedNamingTheVariable(t *testing.T) {
	for env, bad := range map[string]string{
		"DIRECTORY_SYNC_INTERVAL": "soon",
		"SOCIALRX_NO_DEMO":        "maybe",
		"SHUTDOWN_TIMEOUT":        "10",
	} {
		t.Run(env, func(t *testing.T) {
			t.Setenv(env, bad)
			_, _, err := parse(nil)
			if err == nil || !strings.Contains(err.Error(), env) {
				t.Fatalf("parse with %s=%q: err = %v, want an error naming %s", env, bad, err, env)
			}
		})
	}
}

func TestAStandAloneServiceRequiresAnIssuer(t *testing.T) {
	t.Setenv("MONGODB_URI", "mongodb://127.0.0.1:1/")
	t.Setenv("OIDC_ISSUER", "")
	os.Unsetenv("OIDC_ISSUER")
	for _, part := range []string{"directory", "event", "referral"} {
		if _, err := binaries[part](nil); err == nil || !strings.Contains(err.Error(), "OIDC_ISSUER") {
			t.Errorf("%s without OIDC_ISSUER: err = %v, want one naming OIDC_ISSUER", part, err)
		}
	}
	t.Setenv("OIDC_ISSUER", "https://idp.example.org")
	t.Setenv("OIDC_CLOCK_SKEW", "5m")
	if _, err := binaries["directory"](nil); err == nil || !strings.Contains(err.Error(), "OIDC_CLOCK_SKEW") {
		t.Errorf("a five-minute skew: err = %v, want one naming OIDC_CLOCK_SKEW", err)
	}
	t.Setenv("OIDC_CLOCK_SKEW", "30s")
	if _, err := binaries["referral"](nil); err == nil || !strings.Contains(err.Error(), "REFERRAL_OIDC_CLIENT_ID") {
		t.Errorf("referral without its own client: err = %v, want one naming REFERRAL_OIDC_CLIENT_ID", err)
	}
}

func TestAStandAloneServiceRequiresMongoDBURI(t *testing.T) {
	t.Setenv("MONGODB_URI", "")
	os.Unsetenv("MONGODB_URI")
	for _, part := range []string{"directory", "event", "referral"} {
		if _, err := binaries[part](nil); err == nil || !strings.Contains(err.Error(), "MONGODB_URI") {
			t.Errorf("%s without MONGODB_URI: err = %v, want one naming MONGODB_URI", part, err)
		}
	}
}
