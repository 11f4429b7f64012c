// Package config reads a binary's configuration from flags, each with an environment variable as
// its fallback, and fails fast naming the variable when a value cannot be used.
//
// Every service and the gateway register their settings on a Loader (Config.RegisterFlags); the
// all-in-one launcher registers all of them on one Loader, each under a flag prefix, so an
// environment variable means the same thing in a stand-alone binary and under `make run`.
package config

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"
)

// Loader registers flags whose defaults come from the environment.
type Loader struct {
	fs     *flag.FlagSet
	prefix string
	shared *shared
}

type shared struct {
	errs     []error
	defaults map[string]string // env name -> default replacing the registered one
	envs     []string          // every env name registered, in order
}

// NewLoader returns a Loader registering flags on fs.
func NewLoader(fs *flag.FlagSet) *Loader {
	return &Loader{fs: fs, shared: &shared{defaults: map[string]string{}}}
}

// Prefixed returns a Loader on the same flags whose flag names start with prefix and a dot, e.g.
// "directory.grpc-addr"; environment variable names are unchanged.
func (l *Loader) Prefixed(prefix string) *Loader {
	return &Loader{fs: l.fs, prefix: l.prefix + prefix + ".", shared: l.shared}
}

// Default replaces the default of the setting read from env, for a launcher whose defaults differ
// from a stand-alone binary's (loopback addresses, say). The environment still wins.
func (l *Loader) Default(env, value string) { l.shared.defaults[env] = value }

// Envs lists the environment variables registered so far.
func (l *Loader) Envs() []string { return append([]string(nil), l.shared.envs...) }

func (l *Loader) lookup(env, def string) (string, bool) {
	l.shared.envs = append(l.shared.envs, env)
	if v, ok := os.LookupEnv(env); ok {
		return v, true
	}
	if v, ok := l.shared.defaults[env]; ok {
		return v, true
	}
	return def, false
}

func (l *Loader) usage(usage, env string) string { return fmt.Sprintf("%s (env %s)", usage, env) }

// String registers a string flag; env, when set, replaces def.
func (l *Loader) String(p *string, name, env, def, usage string) {
	v, _ := l.lookup(env, def)
	l.fs.StringVar(p, l.prefix+name, v, l.usage(usage, env))
}

// Float64 registers a float64 flag; env, when set, replaces def.
func (l *Loader) Float64(p *float64, name, env string, def float64, usage string) {
	if v, ok := l.lookup(env, ""); ok {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			l.shared.errs = append(l.shared.errs, fmt.Errorf("%s=%q: not a number", env, v))
		} else {
			def = f
		}
	}
	l.fs.Float64Var(p, l.prefix+name, def, l.usage(usage, env))
}

// Int registers an int flag; env, when set, replaces def.
func (l *Loader) Int(p *int, name, env string, def int, usage string) {
	if v, ok := l.lookup(env, ""); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			l.shared.errs = append(l.shared.errs, fmt.Errorf("%s=%q: not a whole number", env, v))
		} else {
			def = n
		}
	}
	l.fs.IntVar(p, l.prefix+name, def, l.usage(usage, env))
}

// Duration registers a duration flag; env, when set, replaces def.
func (l *Loader) Duration(p *time.Duration, name, env string, def time.Duration, usage string) {
	if v, ok := l.lookup(env, ""); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			l.shared.errs = append(l.shared.errs, fmt.Errorf("%s=%q: not a duration such as 10s", env, v))
		} else {
			def = d
		}
	}
	l.fs.DurationVar(p, l.prefix+name, def, l.usage(usage, env))
}

// Bool registers a bool flag; env, when set, replaces def.
func (l *Loader) Bool(p *bool, name, env string, def bool, usage string) {
	if v, ok := l.lookup(env, ""); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			l.shared.errs = append(l.shared.errs, fmt.Errorf("%s=%q: not true or false", env, v))
		} else {
			def = b
		}
	}
	l.fs.BoolVar(p, l.prefix+name, def, l.usage(usage, env))
}

// Parse parses args and reports the first unusable environment value or flag.
func (l *Loader) Parse(args []string) error {
	if len(l.shared.errs) > 0 {
		return l.shared.errs[0]
	}
	return l.fs.Parse(args)
}

// Int64 registers an int64 flag; env, when set, replaces def.
func (l *Loader) Int64(p *int64, name, env string, def int64, usage string) {
	if v, ok := l.lookup(env, ""); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			l.shared.errs = append(l.shared.errs, fmt.Errorf("%s=%q: not a whole number", env, v))
		} else {
			def = n
		}
	}
	l.fs.Int64Var(p, l.prefix+name, def, l.usage(usage, env))
}
