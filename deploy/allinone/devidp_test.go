package main

import (
	"os"
	"path/filepath"
	"testing"
)

// A client secret set in the environment is used as it is; otherwise the launcher keeps a
// generated one in the data folder, readable by its owner only, and the same at every start.
func TestDevelopmentClientSecretsAreConfigurableAndKept(t *testing.T) {
	dir := filepath.Join(t.TempDir(), devSecretsDir)
	set := devClient{secret: "from-the-environment", fallbackID: referralClientID, env: "REFERRAL_OIDC_CLIENT_SECRET"}
	if err := set.resolve(dir); err != nil {
		t.Fatal(err)
	}
	if set.id != referralClientID || set.secret != "from-the-environment" || set.file != "" {
		t.Fatalf("configured secret: %+v, want it used as it is", set)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("a configured secret was written to %s (stat: %v)", dir, err)
	}

	first := devClient{fallbackID: referralClientID}
	if err := first.resolve(dir); err != nil {
		t.Fatal(err)
	}
	if first.file != filepath.Join(dir, "socialrx-referral.secret") || len(first.secret) < 32 {
		t.Fatalf("generated secret: %+v", first)
	}
	info, err := os.Stat(first.file)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", first.file, info.Mode().Perm())
	}
	if b, _ := os.ReadFile(first.file); string(b) != first.secret {
		t.Errorf("%s holds %q, want the secret %q alone", first.file, b, first.secret)
	}
	again := devClient{fallbackID: referralClientID}
	if err := again.resolve(dir); err != nil {
		t.Fatal(err)
	}
	if again.secret != first.secret {
		t.Errorf("the next start made a new secret: a replica started by hand would lose its client")
	}
	named := devClient{id: "my-referral", fallbackID: referralClientID}
	if err := named.resolve(dir); err != nil {
		t.Fatal(err)
	}
	if named.id != "my-referral" || named.file != filepath.Join(dir, "my-referral.secret") || named.secret == first.secret {
		t.Errorf("a configured client id: %+v", named)
	}
}
