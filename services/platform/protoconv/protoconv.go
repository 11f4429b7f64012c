// Package protoconv holds the conversions every service makes where protos meet its stored
// documents: an enum is stored by its value name without the enum's prefix
// (REFERRAL_STATUS_IN_PROGRESS as IN_PROGRESS), the form domain rules and AIP-160 filters speak
// and one that survives renumbering; an unset time is a nil timestamp.
package protoconv

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"
)

// Timestamp is t as a proto timestamp; nil for the zero time.
func Timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// TimestampPtr is *t as a proto timestamp; nil for nil.
func TimestampPtr(t *time.Time) *timestamppb.Timestamp {
	if t == nil {
		return nil
	}
	return timestamppb.New(*t)
}

// TimePtr is ts as a time; nil for nil.
func TimePtr(ts *timestamppb.Timestamp) *time.Time {
	if ts == nil {
		return nil
	}
	t := ts.AsTime()
	return &t
}
