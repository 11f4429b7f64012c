// Package config reads a binary's configuration from flags, each with an environment variable as
// its fallback, and fails fast naming the variable when a value cannot be used.
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
	fs   *flag.FlagSet
	errs []error
}

// NewLoader returns a Loader registering flags on fs.
func NewLoader(fs *flag.FlagSet) *Loader { return &Loader{fs: fs} }

// String registers a string flag; env, when set, replaces def.
func (l *Loader) String(p *string, name, env, def, usage string) {
	if v, ok := os.LookupEnv(env); ok {
		def = v
	}
	l.fs.StringVar(p, name, def, fmt.Sprintf("%s (env %s)", usage, env))
}

// Duration registers a duration flag; env, when set, replaces def.
func (l *Loader) Duration(p *time.Duration, name, env string, def time.Duration, usage string) {
	if v, ok := os.LookupEnv(env); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			l.errs = append(l.errs, fmt.Errorf("%s=%q: not a duration such as 10s", env, v))
		} else {
			def = d
		}
	}
	l.fs.DurationVar(p, name, def, fmt.Sprintf("%s (env %s)", usage, env))
}

// Bool registers a bool flag; env, when set, replaces def.
func (l *Loader) Bool(p *bool, name, env string, def bool, usage string) {
	if v, ok := os.LookupEnv(env); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			l.errs = append(l.errs, fmt.Errorf("%s=%q: not true or false", env, v))
		} else {
			def = b
		}
	}
	l.fs.BoolVar(p, name, def, fmt.Sprintf("%s (env %s)", usage, env))
}

// Parse parses args and reports the first unusable environment value or flag.
func (l *Loader) Parse(args []string) error {
	if len(l.errs) > 0 {
		return l.errs[0]
	}
	return l.fs.Parse(args)
}

// Int64 registers an int64 flag; env, when set, replaces def.
func (l *Loader) Int64(p *int64, name, env string, def int64, usage string) {
	if v, ok := os.LookupEnv(env); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			l.errs = append(l.errs, fmt.Errorf("%s=%q: not a whole number", env, v))
		} else {
			def = n
		}
	}
	l.fs.Int64Var(p, name, def, fmt.Sprintf("%s (env %s)", usage, env))
}

// Float64 registers a float64 flag; env, when set, replaces def.
func (l *Loader) Float64(p *float64, name, env string, def float64, usage string) {
	if v, ok := os.LookupEnv(env); ok {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			l.errs = append(l.errs, fmt.Errorf("%s=%q: not a number", env, v))
		} else {
			def = f
		}
	}
	l.fs.Float64Var(p, name, def, fmt.Sprintf("%s (env %s)", usage, env))
}
