package grpctls

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
)

// reloading is a value read from files, read again on the first use after any of them changed
// (its modification time or size): no goroutine watches them, a handshake looks. Kubernetes
// replaces a mounted Secret's files at once, by a symbolic link, which Stat follows.
type reloading[T any] struct {
	paths []string
	load  func() (T, error)

	mu     sync.Mutex
	stamp  string
	value  T
	loaded bool
}

// get returns the value of the files as they are now. When they changed but do not load (a
// certificate written before its key, say), the last value that loaded stays in use until they
// do; there being none, the error is returned.
func (r *reloading[T]) get() (T, error) {
	stamp := stampOf(r.paths)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.loaded && stamp == r.stamp {
		return r.value, nil
	}
	v, err := r.load()
	if err != nil {
		if r.loaded {
			slog.Warn("tls files changed but do not load; keeping the previous ones", "files", r.paths, "error", err)
			return r.value, nil
		}
		var zero T
		return zero, err
	}
	r.value, r.stamp, r.loaded = v, stamp, true
	return v, nil
}

// stampOf identifies the files' current versions.
func stampOf(paths []string) string {
	var b strings.Builder
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			fmt.Fprintf(&b, "%s: missing;", p)
			continue
		}
		fmt.Fprintf(&b, "%s: %d %d;", p, fi.ModTime().UnixNano(), fi.Size())
	}
	return b.String()
}
