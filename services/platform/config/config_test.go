package config

import (
	"flag"
	"io"
	"strings"
	"testing"
)

func TestNumbersFromFlagsAndEnvironment(t *testing.T) {
	tests := []struct {
		name         string
		env          map[string]string
		args         []string
		wantInt      int64
		wantFloat    float64
		wantErrNamed string // the variable an error must name, or ""
	}{
		{"defaults", nil, nil, 1024, 2.5, ""},
		{"environment", map[string]string{"TEST_BYTES": "2048", "TEST_RATE": "0.5"}, nil, 2048, 0.5, ""},
		{"flags win over the environment", map[string]string{"TEST_BYTES": "2048"}, []string{"-bytes=4096", "-rate=-1"}, 4096, -1, ""},
		{"not a whole number", map[string]string{"TEST_BYTES": "1MiB"}, nil, 0, 0, "TEST_BYTES"},
		{"not a number", map[string]string{"TEST_RATE": "fast"}, nil, 0, 0, "TEST_RATE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			l := NewLoader(fs)
			var n int64
			var f float64
			l.Int64(&n, "bytes", "TEST_BYTES", 1024, "bytes")
			l.Float64(&f, "rate", "TEST_RATE", 2.5, "rate")
			err := l.Parse(tc.args)
			if tc.wantErrNamed != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErrNamed) {
					t.Fatalf("error %v does not name %s", err, tc.wantErrNamed)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n != tc.wantInt || f != tc.wantFloat {
				t.Fatalf("got %d, %g; want %d, %g", n, f, tc.wantInt, tc.wantFloat)
			}
		})
	}
}
