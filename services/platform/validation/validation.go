// Package validation checks messages against the protovalidate rules declared in the protos and
// reports violations as INVALID_ARGUMENT naming each field (AIP-193).
package validation

import (
	"errors"
	"fmt"

	"buf.build/go/protovalidate"
	"google.golang.org/protobuf/proto"

	"github.com/socialrx/socialrx/services/platform/apierror"
)

// Validator checks messages.
type Validator struct {
	v protovalidate.Validator
}

// New builds a Validator.
func New() (*Validator, error) {
	v, err := protovalidate.New()
	if err != nil {
		return nil, fmt.Errorf("build validator: %w", err)
	}
	return &Validator{v: v}, nil
}

// Check validates msg. Field paths in the error are prefixed with prefix (e.g. "service") when
// msg is a part of a request rather than the request itself.
func (v *Validator) Check(msg proto.Message, prefix string) error {
	err := v.v.Validate(msg)
	if err == nil {
		return nil
	}
	var verr *protovalidate.ValidationError
	if !errors.As(err, &verr) {
		return apierror.Internal()
	}
	violations := make([]apierror.FieldViolation, 0, len(verr.Violations))
	for _, vi := range verr.Violations {
		field := protovalidate.FieldPathString(vi.Proto.GetField())
		if prefix != "" {
			if field == "" {
				field = prefix
			} else {
				field = prefix + "." + field
			}
		}
		desc := vi.Proto.GetMessage()
		if desc == "" {
			desc = vi.Proto.GetRuleId()
		}
		violations = append(violations, apierror.FieldViolation{Field: field, Description: desc})
	}
	return apierror.InvalidArgument(apierror.ReasonInvalidArgument, violations...)
}
