package web

import (
	"context"
	"crypto/rand"
	"sync"
	"time"

	"github.com/socialrx/socialrx/gateway/web/sessiondb"
	"github.com/socialrx/socialrx/services/platform/storage"
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

// records keeps what sign-in must remember beyond one request: sessions, sign-ins under way,
// kept forms. The database (sessiondb) lets every gateway replica and restart share them; the
// memory is one process's, for a gateway without a database and for tests.
type records interface {
	create(ctx context.Context, kind sessiondb.Kind, key string, r sessiondb.Record) error
	// get returns storage.ErrNotFound for a record that is absent or expired.
	get(ctx context.Context, kind sessiondb.Kind, key string) (sessiondb.Record, error)
	// replace writes r over the record of version r.Version-1, reporting false when another
	// writer did so first or the record is gone.
	replace(ctx context.Context, kind sessiondb.Kind, key string, r sessiondb.Record) (bool, error)
	remove(ctx context.Context, kind sessiondb.Kind, key string) error
	// take is get and remove, for one caller only.
	take(ctx context.Context, kind sessiondb.Kind, key string) (sessiondb.Record, error)
}

// databaseRecords are records in the gateway's database.
type databaseRecords struct{ store *sessiondb.Store }

func (d databaseRecords) create(ctx context.Context, kind sessiondb.Kind, key string, r sessiondb.Record) error {
	return d.store.Collection(kind).Create(ctx, key, r)
}

func (d databaseRecords) get(ctx context.Context, kind sessiondb.Kind, key string) (sessiondb.Record, error) {
	return d.store.Collection(kind).Get(ctx, key)
}

func (d databaseRecords) replace(ctx context.Context, kind sessiondb.Kind, key string, r sessiondb.Record) (bool, error) {
	return d.store.Collection(kind).Replace(ctx, key, r)
}

func (d databaseRecords) remove(ctx context.Context, kind sessiondb.Kind, key string) error {
	return d.store.Collection(kind).Delete(ctx, key)
}

func (d databaseRecords) take(ctx context.Context, kind sessiondb.Kind, key string) (sessiondb.Record, error) {
	return d.store.Collection(kind).Take(ctx, key)
}

// memoryRecords are records in this process's memory, bounded per kind.
type memoryRecords struct {
	mu    sync.Mutex // orders replace's read and write
	kinds map[sessiondb.Kind]*expiring[sessiondb.Record]
	now   func() time.Time
}

func newMemoryRecords(now func() time.Time) *memoryRecords {
	return &memoryRecords{now: now, kinds: map[sessiondb.Kind]*expiring[sessiondb.Record]{
		sessiondb.Sessions: newExpiring[sessiondb.Record](maxSessions),
		sessiondb.SignIns:  newExpiring[sessiondb.Record](maxPending),
		sessiondb.Forms:    newExpiring[sessiondb.Record](maxStashes),
	}}
}

func (m *memoryRecords) create(_ context.Context, kind sessiondb.Kind, key string, r sessiondb.Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, _, live := m.kinds[kind].get(key, m.now()); live {
		return storage.ErrAlreadyExists
	}
	m.kinds[kind].put(key, r, r.Expires, m.now())
	return nil
}

func (m *memoryRecords) get(_ context.Context, kind sessiondb.Kind, key string) (sessiondb.Record, error) {
	r, _, live := m.kinds[kind].get(key, m.now())
	if !live {
		return sessiondb.Record{}, storage.ErrNotFound
	}
	return r, nil
}

func (m *memoryRecords) replace(_ context.Context, kind sessiondb.Kind, key string, r sessiondb.Record) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, found, _ := m.kinds[kind].get(key, m.now())
	if !found || old.Version != r.Version-1 {
		return false, nil
	}
	m.kinds[kind].put(key, r, r.Expires, m.now())
	return true, nil
}

func (m *memoryRecords) remove(_ context.Context, kind sessiondb.Kind, key string) error {
	m.kinds[kind].remove(key)
	return nil
}

func (m *memoryRecords) take(_ context.Context, kind sessiondb.Kind, key string) (sessiondb.Record, error) {
	r, ok := m.kinds[kind].take(key, m.now())
	if !ok {
		return sessiondb.Record{}, storage.ErrNotFound
	}
	return r, nil
}
