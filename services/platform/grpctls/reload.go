package grpctls

import (
	"log/slog"
	"os"
	"sync"
)

// reloading is a value read from files, read again on the first use after any of them changed
// (another file at the path, or another modification time or size): no goroutine watches
// them, a handshake looks. Kubernetes replaces a mounted Secret's files at once, by a symbolic
// link, which Stat follows.
type reloading[T any] struct {
	paths []string
	load  func() (T, error)

	mu     sync.Mutex
	seen   []os.FileInfo // of the files value was read from; nil for a missing one
	value  T
	loaded bool
}

// get returns the value of the files as they are now. When they changed but do not load (a
// certificate written before its key, say), the last value that loaded stays in use until they
// do; there being none, the error is returned.
func (r *reloading[T]) get() (T, error) {
	now := make([]os.FileInfo, len(r.paths))
	for i, p := range r.paths {
		now[i], _ = os.Stat(p) // a missing file fails the load below
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.loaded && same(r.seen, now) {
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
	r.value, r.seen, r.loaded = v, now, true
	return v, nil
}

func same(a, b []os.FileInfo) bool {
	for i := range a {
		switch {
		case a[i] == nil && b[i] == nil:
			continue
		case a[i] == nil || b[i] == nil:
			return false
		}
		if !os.SameFile(a[i], b[i]) || !a[i].ModTime().Equal(b[i].ModTime()) || a[i].Size() != b[i].Size() {
			return false
		}
	}
	return true
}
