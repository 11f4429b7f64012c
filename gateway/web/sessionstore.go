package web

import (
	"crypto/rand"
	"sync"
	"time"
)

// expiring is a bounded in-memory map whose entries expire. When it is full, a new entry first
// drops the expired ones and then the one that expires soonest, so that a flood of sign-ins
// started and never finished cannot grow memory without bound.
type expiring[T any] struct {
	max int

	mu      sync.Mutex
	entries map[string]expiringEntry[T]
}

type expiringEntry[T any] struct {
	value   T
	expires time.Time
}

func newExpiring[T any](max int) *expiring[T] {
	return &expiring[T]{max: max, entries: map[string]expiringEntry[T]{}}
}

// put stores v under key until expires.
func (m *expiring[T]) put(key string, v T, expires, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.entries[key]; !ok && len(m.entries) >= m.max {
		soonest := ""
		for k, e := range m.entries {
			if !now.Before(e.expires) {
				delete(m.entries, k)
			} else if soonest == "" || e.expires.Before(m.entries[soonest].expires) {
				soonest = k
			}
		}
		if len(m.entries) >= m.max {
			delete(m.entries, soonest)
		}
	}
	m.entries[key] = expiringEntry[T]{value: v, expires: expires}
}

// get returns the value under key and whether it has not expired; an expired value is still
// returned (the session it belonged to may need its subject) until it is dropped.
func (m *expiring[T]) get(key string, now time.Time) (T, bool, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	return e.value, ok, ok && now.Before(e.expires)
}

// take returns the unexpired value under key and removes it: a one-time key.
func (m *expiring[T]) take(key string, now time.Time) (T, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	delete(m.entries, key)
	if !ok || !now.Before(e.expires) {
		var zero T
		return zero, false
	}
	return e.value, true
}

func (m *expiring[T]) remove(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.entries, key)
}

func (m *expiring[T]) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// randomKey is 256 random bits, URL-safe: session ids, sign-in states and one-time keys.
func randomKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b64.EncodeToString(b)
}
