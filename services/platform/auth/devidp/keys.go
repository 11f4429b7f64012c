package devidp

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"sync"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
)

// signingKey is one of the provider's token signing keys.
type signingKey struct {
	id      string
	alg     jose.SignatureAlgorithm
	private crypto.Signer
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return k.alg }
func (k *signingKey) Key() any                                    { return k.private }
func (k *signingKey) ID() string                                  { return k.id }

// publicKey is a signing key as the JWKS shows it.
type publicKey struct{ k *signingKey }

func (p publicKey) ID() string                         { return p.k.id }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return p.k.alg }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return p.k.private.Public() }

func newSigningKey(alg jose.SignatureAlgorithm) (*signingKey, error) {
	var (
		priv crypto.Signer
		err  error
	)
	switch alg {
	case jose.RS256:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case jose.ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		return nil, fmt.Errorf("signing algorithm %s not offered", alg)
	}
	if err != nil {
		return nil, fmt.Errorf("generate %s key: %w", alg, err)
	}
	return &signingKey{id: uuid.NewString(), alg: alg, private: priv}, nil
}

// keyRing holds the current signing key and the retired ones still published in the JWKS, so
// tokens signed before a rotation verify until the old keys are dropped.
type keyRing struct {
	mu      sync.RWMutex
	current *signingKey
	older   []*signingKey
}

func (r *keyRing) signing() *signingKey {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.current
}

func (r *keyRing) published() []*signingKey {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]*signingKey{r.current}, r.older...)
}

func (r *keyRing) rotate(next *signingKey) (previous string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.current != nil {
		previous = r.current.id
		r.older = append([]*signingKey{r.current}, r.older...)
	}
	r.current = next
	return previous
}

func (r *keyRing) dropOlder() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.older = nil
}
