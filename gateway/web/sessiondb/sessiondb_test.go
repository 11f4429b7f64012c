package sessiondb_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/socialrx/socialrx/gateway/web/sessiondb"
	"github.com/socialrx/socialrx/services/platform/storage"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var (
	keyA = base64.StdEncoding.EncodeToString([]byte(strings.Repeat("a", 32)))
	keyB = base64.StdEncoding.EncodeToString([]byte(strings.Repeat("b", 32)))
)

func keys(t *testing.T, current, previous string) sessiondb.Keys {
	t.Helper()
	k, err := sessiondb.ParseKeys(current, previous)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) pass(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

const secret = "eyJhbGciOiJFUzI1NiJ9.access-token-of-nimmi.signature"

func TestKeysAreCheckedNamingTheirVariable(t *testing.T) {
	for name, c := range map[string][2]string{
		"WEB_SESSION_KEY missing":           {"", ""},
		"WEB_SESSION_KEY not base64":        {"not base64!", ""},
		"WEB_SESSION_KEY 16 bytes":          {base64.StdEncoding.EncodeToString(make([]byte, 16)), ""},
		"WEB_SESSION_KEY_PREVIOUS 31 bytes": {keyA, base64.StdEncoding.EncodeToString(make([]byte, 31))},
	} {
		_, err := sessiondb.ParseKeys(c[0], c[1])
		want := strings.Fields(name)[0]
		if err == nil || !strings.Contains(err.Error(), want+":") && !strings.Contains(err.Error(), want+" ") {
			t.Errorf("%s: %v; want an error naming %s", name, err, want)
		}
	}
	if _, err := sessiondb.ParseKeys(keyA, ""); err != nil {
		t.Errorf("a 32-byte key: %v", err)
	}
}

func TestSessionsAreCreatedReadExpiredAndDeleted(t *testing.T) {
	c := &clock{now: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	db := testenv.Database(t)
	st, err := sessiondb.Open(context.Background(), db, keys(t, keyA, ""), c.Now)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sessions := st.Collection(sessiondb.Sessions)
	rec := sessiondb.Record{Data: []byte(`{"access_token":"` + secret + `"}`), Expires: c.Now().Add(time.Hour)}
	if err := sessions.Create(ctx, "sid-1", rec); err != nil {
		t.Fatal(err)
	}
	if err := sessions.Create(ctx, "sid-1", rec); !errors.Is(err, storage.ErrAlreadyExists) {
		t.Fatalf("a second create of one id: %v; want ErrAlreadyExists", err)
	}
	got, err := sessions.Get(ctx, "sid-1")
	if err != nil || string(got.Data) != string(rec.Data) || got.Version != 0 {
		t.Fatalf("read %+v, %v; want what was created, version 0", got, err)
	}
	if _, err := sessions.Get(ctx, "sid-2"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("an unknown id: %v; want ErrNotFound", err)
	}

	// The stored document holds neither the session id nor the token.
	raw, err := db.Collection(string(sessiondb.Sessions)).Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var docs []bson.Raw
	if err := raw.All(ctx, &docs); err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 {
		t.Fatalf("%d stored documents; want 1", len(docs))
	}
	for _, needle := range []string{"sid-1", "access-token-of-nimmi", "access_token"} {
		if strings.Contains(string(docs[0]), needle) || strings.Contains(docs[0].String(), needle) {
			t.Errorf("the stored document contains %q: %s", needle, docs[0])
		}
	}

	// A replace that names the next version wins once; the loser of the same version does not write.
	next := sessiondb.Record{Data: []byte(`{"access_token":"refreshed"}`), Version: 1, Expires: rec.Expires}
	if won, err := sessions.Replace(ctx, "sid-1", next); err != nil || !won {
		t.Fatalf("replace to version 1: %v %v; want a win", won, err)
	}
	lost := sessiondb.Record{Data: []byte(`{"access_token":"other replica"}`), Version: 1, Expires: rec.Expires}
	if won, err := sessions.Replace(ctx, "sid-1", lost); err != nil || won {
		t.Fatalf("a second replace to version 1: %v %v; want a loss", won, err)
	}
	if got, err := sessions.Get(ctx, "sid-1"); err != nil || string(got.Data) != string(next.Data) || got.Version != 1 {
		t.Fatalf("after the race: %+v %v; want the winner's record", got, err)
	}

	c.pass(time.Hour)
	if _, err := sessions.Get(ctx, "sid-1"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("an expired session: %v; want ErrNotFound", err)
	}
	if err := sessions.Create(ctx, "sid-3", sessiondb.Record{Data: []byte("x"), Expires: c.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if n, err := st.Prune(ctx); err != nil || n == 0 {
		t.Fatalf("prune: %d, %v; want the expired session and its version gone", n, err)
	}
	if left, err := db.Collection(string(sessiondb.Sessions)).CountDocuments(ctx, bson.D{}); err != nil || left != 1 {
		t.Fatalf("%d sessions left after pruning, %v; want 1", left, err)
	}
	if err := sessions.Delete(ctx, "sid-3"); err != nil {
		t.Fatal(err)
	}
	if _, err := sessions.Get(ctx, "sid-3"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("a deleted session: %v; want ErrNotFound", err)
	}
	// A replace after the delete does not bring the session back.
	if won, _ := sessions.Replace(ctx, "sid-3", sessiondb.Record{Data: []byte("y"), Version: 1, Expires: c.Now().Add(time.Hour)}); won {
		t.Fatal("a replace brought a deleted session back")
	}
	if _, err := sessions.Get(ctx, "sid-3"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("a deleted session after a replace: %v; want ErrNotFound", err)
	}
}

func TestAOneTimeRecordIsTakenOnce(t *testing.T) {
	c := &clock{now: time.Now()}
	st, err := sessiondb.Open(context.Background(), testenv.Database(t), keys(t, keyA, ""), c.Now)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	forms := st.Collection(sessiondb.Forms)
	if err := forms.Create(ctx, "k", sessiondb.Record{Data: []byte("title=Tea"), Expires: c.Now().Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	taken := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r, err := forms.Take(ctx, "k"); err == nil && string(r.Data) == "title=Tea" {
				mu.Lock()
				taken++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if taken != 1 {
		t.Fatalf("taken %d times; want once", taken)
	}
}

// Records sealed under a key are read with it as the previous key after a rotation, and not at
// all with another key.
func TestRecordsNeedTheirKey(t *testing.T) {
	c := &clock{now: time.Now()}
	db := testenv.Database(t)
	ctx := context.Background()
	openWith := func(current, previous string) sessiondb.Collection {
		st, err := sessiondb.Open(ctx, db, keys(t, current, previous), c.Now)
		if err != nil {
			t.Fatal(err)
		}
		return st.Collection(sessiondb.Sessions)
	}
	rec := sessiondb.Record{Data: []byte(secret), Expires: c.Now().Add(time.Hour)}
	if err := openWith(keyA, "").Create(ctx, "sid", rec); err != nil {
		t.Fatal(err)
	}
	if _, err := openWith(keyB, "").Get(ctx, "sid"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("read with another key: %v; want ErrNotFound", err)
	}
	rotated := openWith(keyB, keyA)
	got, err := rotated.Get(ctx, "sid")
	if err != nil || string(got.Data) != secret {
		t.Fatalf("read after a rotation: %q %v; want the record", got.Data, err)
	}
	// A record written after the rotation is under the new key, which the old one cannot read.
	if won, err := rotated.Replace(ctx, "sid", sessiondb.Record{Data: []byte(secret), Version: 1, Expires: rec.Expires}); err != nil || !won {
		t.Fatalf("replace after rotation: %v %v", won, err)
	}
	if _, err := openWith(keyA, "").Get(ctx, "sid"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("the old key read a record written after the rotation: %v", err)
	}
}
