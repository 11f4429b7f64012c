// Package sessiondb keeps what the web app's sign-in must share between gateway replicas and
// keep across restarts — signed-in sessions, sign-ins under way at the provider, forms kept
// for after signing in again — in the gateway's MongoDB database (the embedded FerretDB or a
// real MongoDB).
//
// Every record is stored under the SHA-256 of its key (a database reader learns no cookie),
// sealed with AES-256-GCM under the configured key (WEB_SESSION_KEY), with the key's id beside
// it so that a previous key (WEB_SESSION_KEY_PREVIOUS) still opens records written before a
// rotation, and with an expiry: FerretDB has no TTL indexes, so an expired record reads as
// absent and Prune deletes it.
//
// Concurrency without atomic updates: a record changes only by Replace to its next version,
// which first inserts (key, version) into a collection whose _id is unique. Of two replicas
// refreshing one session at once exactly one wins and writes; the loser writes nothing and
// reads the winner's record. A Replace never brings back a deleted record: sign-out wins.
package sessiondb

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/socialrx/socialrx/services/platform/storage"
)

// Kind is a kind of record; each is its own collection.
type Kind string

// The kinds of record.
const (
	// Sessions are signed-in sessions, under the session cookie's value.
	Sessions Kind = "web_sessions"
	// SignIns are sign-ins sent to the provider and not back yet, under their OAuth2 state.
	SignIns Kind = "web_signins"
	// Forms are forms posted after a session ended, under their one-time key.
	Forms Kind = "web_forms"
)

// versions holds one document per (record, version) ever written: the unique key that decides
// which of two concurrent writers of a version wins.
const versions = "web_record_versions"

var kinds = []Kind{Sessions, SignIns, Forms}

// Record is what is kept under a key.
type Record struct {
	// Data is the record's content, stored sealed.
	Data []byte
	// Version counts the record's replacements: 0 when created.
	Version int64
	// Expires is when the record reads as absent.
	Expires time.Time
}

// Keys seal and open records: records are written under Current and read under either.
type Keys struct {
	current  key
	previous *key
}

type key struct {
	id   string
	aead cipher.AEAD
}

// KeySize is the length of a session key, in bytes (AES-256).
const KeySize = 32

// ParseKeys reads the base64 of WEB_SESSION_KEY (required) and WEB_SESSION_KEY_PREVIOUS (may be
// empty); errors name the variable.
func ParseKeys(current, previous string) (Keys, error) {
	if current == "" {
		return Keys{}, fmt.Errorf("WEB_SESSION_KEY: required to keep web sessions in the database; %d random bytes in base64, e.g. from `openssl rand -base64 %d`", KeySize, KeySize)
	}
	c, err := parseKey("WEB_SESSION_KEY", current)
	if err != nil {
		return Keys{}, err
	}
	k := Keys{current: c}
	if previous != "" {
		p, err := parseKey("WEB_SESSION_KEY_PREVIOUS", previous)
		if err != nil {
			return Keys{}, err
		}
		k.previous = &p
	}
	return k, nil
}

func parseKey(name, b64 string) (key, error) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		raw, err = base64.RawURLEncoding.DecodeString(b64)
	}
	if err != nil {
		return key{}, fmt.Errorf("%s: not base64: %w", name, err)
	}
	if len(raw) != KeySize {
		return key{}, fmt.Errorf("%s: %d bytes; want %d (AES-256) in base64", name, len(raw), KeySize)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return key{}, fmt.Errorf("%s: %w", name, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return key{}, fmt.Errorf("%s: %w", name, err)
	}
	// The id names the key without revealing it: a hash of a domain-separated derivation.
	sum := sha256.Sum256(append([]byte("socialrx web session key id\x00"), raw...))
	return key{id: hex.EncodeToString(sum[:8]), aead: aead}, nil
}

// NewKey returns a random key in the base64 that ParseKeys reads.
func NewKey() string {
	b := make([]byte, KeySize)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func (k Keys) byID(id string) (key, bool) {
	switch {
	case id == k.current.id:
		return k.current, true
	case k.previous != nil && id == k.previous.id:
		return *k.previous, true
	}
	return key{}, false
}

// Store is the gateway's database of sign-in records.
type Store struct {
	db   *mongo.Database
	keys Keys
	now  func() time.Time
}

// Open returns the store of db; now is its clock (time.Now when nil).
func Open(_ context.Context, db *mongo.Database, keys Keys, now func() time.Time) (*Store, error) {
	if keys.current.aead == nil {
		return nil, errors.New("sessiondb: no key (see ParseKeys)")
	}
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, keys: keys, now: now}, nil
}

// document is a stored record.
type document struct {
	// ID is the hex SHA-256 of the record's key.
	ID      string    `bson:"_id"`
	Version int64     `bson:"version"`
	KeyID   string    `bson:"key_id"`
	Nonce   []byte    `bson:"nonce"`
	Sealed  []byte    `bson:"sealed"`
	Expires time.Time `bson:"expire_time"`
}

// versionDoc records that a version of a record was written; only its _id matters.
type versionDoc struct {
	ID      string    `bson:"_id"`
	Expires time.Time `bson:"expire_time"`
}

// Collection is the records of one kind.
type Collection struct {
	s    *Store
	kind Kind
	c    *mongo.Collection
}

// Collection returns the records of kind.
func (s *Store) Collection(kind Kind) Collection {
	return Collection{s: s, kind: kind, c: s.db.Collection(string(kind))}
}

func hashKey(k string) string {
	sum := sha256.Sum256([]byte(k))
	return hex.EncodeToString(sum[:])
}

// additional binds a sealed record to where it is stored: moved to another key or kind, or
// given another version, it no longer opens.
func (c Collection) additional(id string, version int64) []byte {
	return []byte(string(c.kind) + "\x00" + id + "\x00" + strconv.FormatInt(version, 10))
}

func (c Collection) seal(id string, r Record) document {
	k := c.s.keys.current
	nonce := make([]byte, k.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return document{ID: id, Version: r.Version, KeyID: k.id, Nonce: nonce,
		Sealed: k.aead.Seal(nil, nonce, r.Data, c.additional(id, r.Version)), Expires: r.Expires.UTC()}
}

// Create stores r under k; storage.ErrAlreadyExists when k is taken.
func (c Collection) Create(ctx context.Context, k string, r Record) error {
	_, err := c.c.InsertOne(ctx, c.seal(hashKey(k), r))
	switch {
	case mongo.IsDuplicateKeyError(err):
		return fmt.Errorf("create %s record: %w", c.kind, storage.ErrAlreadyExists)
	case err != nil:
		return fmt.Errorf("create %s record: %w", c.kind, err)
	}
	return nil
}

// Get returns the record under k; storage.ErrNotFound when there is none, it expired, or none
// of the keys opens it.
func (c Collection) Get(ctx context.Context, k string) (Record, error) {
	id := hashKey(k)
	var d document
	err := c.c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return Record{}, fmt.Errorf("get %s record: %w", c.kind, storage.ErrNotFound)
	case err != nil:
		return Record{}, fmt.Errorf("get %s record: %w", c.kind, err)
	case !c.s.now().Before(d.Expires):
		return Record{}, fmt.Errorf("get %s record: expired: %w", c.kind, storage.ErrNotFound)
	}
	key, ok := c.s.keys.byID(d.KeyID)
	if !ok {
		return Record{}, fmt.Errorf("get %s record: sealed under an unknown key: %w", c.kind, storage.ErrNotFound)
	}
	data, err := key.aead.Open(nil, d.Nonce, d.Sealed, c.additional(id, d.Version))
	if err != nil {
		return Record{}, fmt.Errorf("get %s record: does not open: %w", c.kind, storage.ErrNotFound)
	}
	return Record{Data: data, Version: d.Version, Expires: d.Expires}, nil
}

// Replace writes r, whose Version is one more than the record it replaces, and reports whether
// it did: false when another writer wrote that version first or the record is gone.
func (c Collection) Replace(ctx context.Context, k string, r Record) (bool, error) {
	id := hashKey(k)
	_, err := c.s.db.Collection(versions).InsertOne(ctx, versionDoc{
		ID: string(c.kind) + "/" + id + "/" + strconv.FormatInt(r.Version, 10), Expires: r.Expires.UTC()})
	switch {
	case mongo.IsDuplicateKeyError(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("replace %s record: %w", c.kind, err)
	}
	res, err := c.c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, c.seal(id, r))
	if err != nil {
		return false, fmt.Errorf("replace %s record: %w", c.kind, err)
	}
	return res.MatchedCount == 1, nil
}

// Delete removes the record under k, if any.
func (c Collection) Delete(ctx context.Context, k string) error {
	if _, err := c.c.DeleteOne(ctx, bson.D{{Key: "_id", Value: hashKey(k)}}); err != nil {
		return fmt.Errorf("delete %s record: %w", c.kind, err)
	}
	return nil
}

// Take returns the record under k and removes it, for one caller only: of two takers of one
// record, the one whose delete removed it gets it; storage.ErrNotFound for the other.
func (c Collection) Take(ctx context.Context, k string) (Record, error) {
	r, err := c.Get(ctx, k)
	if err != nil {
		return Record{}, err
	}
	res, err := c.c.DeleteOne(ctx, bson.D{{Key: "_id", Value: hashKey(k)}})
	switch {
	case err != nil:
		return Record{}, fmt.Errorf("take %s record: %w", c.kind, err)
	case res.DeletedCount != 1:
		return Record{}, fmt.Errorf("take %s record: taken already: %w", c.kind, storage.ErrNotFound)
	}
	return r, nil
}

// Prune deletes the expired records and versions and returns how many it deleted.
func (s *Store) Prune(ctx context.Context) (int64, error) {
	expired := bson.D{{Key: "expire_time", Value: bson.D{{Key: "$lte", Value: s.now().UTC()}}}}
	var n int64
	for _, coll := range append([]string{versions}, kindNames()...) {
		res, err := s.db.Collection(coll).DeleteMany(ctx, expired)
		if err != nil {
			return n, fmt.Errorf("prune %s: %w", coll, err)
		}
		n += res.DeletedCount
	}
	return n, nil
}

func kindNames() []string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	return names
}
