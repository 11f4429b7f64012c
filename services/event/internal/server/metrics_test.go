package server

import "testing"

func TestRefusedRegistrationsAreCountedByTheirCodeInSnakeCase(t *testing.T) {
	for in, want := range map[string]string{
		"FailedPrecondition": "failed_precondition",
		"NotFound":           "not_found",
		"AlreadyExists":      "already_exists",
		"Unavailable":        "unavailable",
	} {
		if got := toSnake(in); got != want {
			t.Errorf("toSnake(%q) = %q, want %q", in, got, want)
		}
	}
}
