package main

import (
	"os"
	"path/filepath"
	"testing"
)

// Without WEB_SESSION_KEY the launcher makes a key under the data folder, readable by its owner
// only, and uses the same key on the next start, so sessions outlive a restart.
func TestTheSessionKeyIsMadeOnceUnderTheDataFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	key, path, err := sessionKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(dir, "web-session-key") {
		t.Fatalf("the key is at %s; want under the data folder", path)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("the key file's mode is %v; want 0600", info.Mode().Perm())
	}
	again, _, err := sessionKey(dir)
	if err != nil || again != key {
		t.Fatalf("the second start read %q, %v; want the first start's key", again, err)
	}
	if err := os.WriteFile(path, []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := sessionKey(dir); err == nil {
		t.Fatal("a broken key file was accepted")
	}
}
