package notify

import (
	"strings"
	"testing"
)

// The example of the Standard Webhooks reference libraries' tests.
func TestSignMatchesTheStandardWebhooksExample(t *testing.T) {
	got, err := Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("signature %q, want %q", got, want)
	}
}

func TestSignWithTwoSecretsSendsBoth(t *testing.T) {
	a, b := NewSecret(), NewSecret()
	if a == b || !strings.HasPrefix(a, SecretPrefix) {
		t.Fatalf("secrets %q and %q", a, b)
	}
	both, err := Sign("msg_1", 1, []byte("{}"), a, b)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := Sign("msg_1", 1, []byte("{}"), a)
	second, _ := Sign("msg_1", 1, []byte("{}"), b)
	if both != first+" "+second {
		t.Fatalf("header %q, want %q", both, first+" "+second)
	}
}
