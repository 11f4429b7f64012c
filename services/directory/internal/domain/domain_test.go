package domain

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckDeletable(t *testing.T) {
	if err := CheckDeletable("organizations/a", 0); err != nil {
		t.Fatalf("an unreferenced resource: %v", err)
	}
	err := CheckDeletable("organizations/a", 3)
	var re *ReferencedError
	if !errors.Is(err, ErrStillReferenced) || !errors.As(err, &re) || re.References != 3 ||
		!strings.Contains(err.Error(), "organizations/a") || !strings.Contains(err.Error(), "3") {
		t.Fatalf("a resource named by 3 others: %v", err)
	}
}
