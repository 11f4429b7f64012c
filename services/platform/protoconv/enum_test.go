package protoconv_test

import (
	"testing"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/protoconv"
)

func TestShortAndParse(t *testing.T) {
	for _, tt := range []struct {
		value referralv1.ReferralStatus
		short string
	}{
		{referralv1.ReferralStatus_REFERRAL_STATUS_IN_PROGRESS, "IN_PROGRESS"},
		{referralv1.ReferralStatus_REFERRAL_STATUS_ENTERED_IN_ERROR, "ENTERED_IN_ERROR"},
		{referralv1.ReferralStatus_REFERRAL_STATUS_UNSPECIFIED, ""},
		{referralv1.ReferralStatus(999), ""},
	} {
		if got := protoconv.EnumName(tt.value); got != tt.short {
			t.Errorf("Short(%v) = %q, want %q", tt.value, got, tt.short)
		}
		if tt.short == "" {
			continue
		}
		if got := protoconv.ParseEnum[referralv1.ReferralStatus](tt.short); got != tt.value {
			t.Errorf("Parse(%q) = %v, want %v", tt.short, got, tt.value)
		}
	}
}

func TestParseAcceptsTheFullNameAndRefusesOthers(t *testing.T) {
	if got := protoconv.ParseEnum[directoryv1.ServiceStatus]("SERVICE_STATUS_TEMPORARILY_CLOSED"); got != directoryv1.ServiceStatus_SERVICE_STATUS_TEMPORARILY_CLOSED {
		t.Errorf("full name parsed as %v", got)
	}
	for _, s := range []string{"", "OPEN", "active", "UNSPECIFIED_X", "LOCATION_TYPE_PHYSICAL"} {
		if got := protoconv.ParseEnum[directoryv1.ServiceStatus](s); got != directoryv1.ServiceStatus_SERVICE_STATUS_UNSPECIFIED {
			t.Errorf("Parse(%q) = %v, want UNSPECIFIED", s, got)
		}
	}
}
