package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
)

// signingAlgs are the only algorithms a token may be signed with: no "none", no HMAC.
var signingAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.ES256}

// Errors of the key set. go-oidc passes them on as text only, so they are matched by message.
var (
	errUnknownKey      = errors.New("signed with an unknown key")
	errBadSignature    = errors.New("signature does not verify")
	errKeysUnavailable = errors.New("the identity provider's keys could not be fetched")
)

// keySet is the issuer's JWKS, fetched on first use and again when a token names a key id it does
// not hold (the provider rotated its keys), so rotation needs no restart. Unlike go-oidc's
// RemoteKeySet it does not refetch when a known key fails to verify (a forged signature) and,
// after a refetch that still lacked the key id, waits missDelay before the next: a stream of
// made-up key ids costs the provider one request per missDelay, not one per token.
type keySet struct {
	issuer    string
	jwksURL   string // discovered from issuer when empty
	client    *http.Client
	missDelay time.Duration
	failDelay time.Duration // after a failed fetch, the next waits this long
	maxAge    time.Duration // keys older than this are refetched, so retired keys drop out
	now       func() time.Time

	fetchMu sync.Mutex // one fetch at a time

	mu        sync.RWMutex
	keys      map[string]jose.JSONWebKey
	fetched   time.Time
	quietTill time.Time
	failedAt  time.Time
	failure   error
}

func newKeySet(issuer, jwksURL string, client *http.Client) *keySet {
	return &keySet{issuer: issuer, jwksURL: jwksURL, client: client, missDelay: 10 * time.Second,
		failDelay: 2 * time.Second, maxAge: 15 * time.Minute, now: time.Now}
}

var _ oidc.KeySet = (*keySet)(nil)

// VerifySignature implements oidc.KeySet: it returns the payload of jwt if one of the issuer's
// keys verifies its signature.
func (k *keySet) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	jws, err := jose.ParseSigned(jwt, signingAlgs)
	if err != nil {
		return nil, fmt.Errorf("malformed token: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("token must carry exactly one signature")
	}
	kid := jws.Signatures[0].Header.KeyID
	key, err := k.key(ctx, kid)
	if err != nil {
		return nil, err
	}
	payload, err := jws.Verify(&key)
	if err != nil {
		return nil, errBadSignature
	}
	return payload, nil
}

func (k *keySet) cached(kid string) (jose.JSONWebKey, bool, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	key, ok := k.keys[kid]
	stale := k.fetched.IsZero() || k.now().Sub(k.fetched) > k.maxAge
	return key, ok, stale
}

func (k *keySet) key(ctx context.Context, kid string) (jose.JSONWebKey, error) {
	if kid == "" {
		return jose.JSONWebKey{}, errors.New("token names no key id")
	}
	if key, ok, stale := k.cached(kid); ok && !stale {
		return key, nil
	}
	k.fetchMu.Lock()
	defer k.fetchMu.Unlock()
	// Another caller may have fetched while this one waited.
	key, ok, stale := k.cached(kid)
	if ok && !stale {
		return key, nil
	}
	k.mu.RLock()
	quiet := !stale && k.now().Before(k.quietTill)
	failing := k.failure != nil && k.now().Sub(k.failedAt) < k.failDelay
	failure := k.failure
	k.mu.RUnlock()
	switch {
	case ok && failing: // keep using a key we hold while the provider is down
		return key, nil
	case failing: // a provider that is down is not asked again on every call
		return jose.JSONWebKey{}, failure
	case quiet:
		return jose.JSONWebKey{}, errUnknownKey
	}
	keys, err := k.fetch(ctx)
	if err != nil {
		err = fmt.Errorf("%w: %v", errKeysUnavailable, err)
		k.mu.Lock()
		k.failure, k.failedAt = err, k.now()
		k.mu.Unlock()
		if ok { // keep using a key we hold rather than fail every call while the provider is down
			return key, nil
		}
		return jose.JSONWebKey{}, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.keys, k.fetched, k.failure = keys, k.now(), nil
	key, ok = keys[kid]
	if !ok {
		k.quietTill = k.now().Add(k.missDelay)
		return jose.JSONWebKey{}, errUnknownKey
	}
	return key, nil
}

func (k *keySet) fetch(ctx context.Context) (map[string]jose.JSONWebKey, error) {
	if k.jwksURL == "" {
		u, err := k.discover(ctx)
		if err != nil {
			return nil, err
		}
		k.jwksURL = u
	}
	var set jose.JSONWebKeySet
	if err := k.getJSON(ctx, k.jwksURL, &set); err != nil {
		return nil, fmt.Errorf("fetch JWKS: %w", err)
	}
	keys := map[string]jose.JSONWebKey{}
	for _, key := range set.Keys {
		if key.KeyID == "" || !key.Valid() || !key.IsPublic() || (key.Use != "" && key.Use != "sig") {
			continue
		}
		keys[key.KeyID] = key
	}
	return keys, nil
}

// discover reads jwks_uri from the issuer's discovery document, which must name the same issuer.
func (k *keySet) discover(ctx context.Context) (string, error) {
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, k.client), k.issuer)
	if err != nil {
		return "", fmt.Errorf("discover OIDC_ISSUER %q: %w", k.issuer, err)
	}
	var doc struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := p.Claims(&doc); err != nil || doc.JWKSURI == "" {
		return "", fmt.Errorf("discover OIDC_ISSUER %q: no jwks_uri", k.issuer)
	}
	return doc.JWKSURI, nil
}

func (k *keySet) getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v)
}
