package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/socialrx/socialrx/gateway/web/sessiondb"
)

// sessionKeyFile is where the launcher keeps the key sealing web sessions when WEB_SESSION_KEY
// is not set, under the data folder: sessions then outlive a restart like the data do.
const sessionKeyFile = "web-session-key"

// sessionKey returns the key in dir's key file, making one (readable by its owner only) on first
// start, and the file's path.
func sessionKey(dir string) (string, string, error) {
	path := filepath.Join(dir, sessionKeyFile)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		key := strings.TrimSpace(string(b))
		if _, err := sessiondb.ParseKeys(key, ""); err != nil {
			return "", path, fmt.Errorf("%s (used as WEB_SESSION_KEY): %w", path, err)
		}
		return key, path, nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", path, fmt.Errorf("read the web session key: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", path, fmt.Errorf("data folder for the web session key: %w", err)
	}
	key := sessiondb.NewKey()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", path, fmt.Errorf("write the web session key: %w", err)
	}
	if _, err := f.WriteString(key + "\n"); err != nil {
		_ = f.Close()
		return "", path, fmt.Errorf("write the web session key: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", path, fmt.Errorf("write the web session key: %w", err)
	}
	return key, path, nil
}
