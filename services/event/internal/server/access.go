package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/socialrx/socialrx/services/event/internal/domain"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/audit"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/policy"
)

func eventFacts(ev *domain.Event) policy.Facts {
	return policy.Facts{HostOrganization: ev.HostOrganization, EventState: ev.State}
}

// eventKeyOf is the event part of a session or registration key.
func eventKeyOf(key string) string {
	e, _, _ := strings.Cut(key, "/")
	return e
}

// access checks action a on the event with eventKey, for a request about name: the caller's
// role first, then the event as this replica knows it after catching up.
func (s *Server) access(ctx context.Context, a policy.Action, name, eventKey string) (policy.Facts, error) {
	id := auth.FromContext(ctx)
	if err := policy.CheckMethod(id, a); err != nil {
		return policy.Facts{}, err
	}
	if err := s.sync(ctx); err != nil {
		return policy.Facts{}, err
	}
	return s.accessKnown(id, a, name, eventKey)
}

// accessKnown is access on the event as this replica knows it now, without catching up first:
// for a request that has just decided on the event itself.
func (s *Server) accessKnown(id auth.Identity, a policy.Action, name, eventKey string) (policy.Facts, error) {
	var f policy.Facts
	found := false
	s.ledger.Read(func(st *domain.State) {
		if ev, ok := st.Events[eventKey]; ok && eventKey != "" {
			f, found = eventFacts(ev), true
		}
	})
	if !found {
		return f, apierror.NotFound(name)
	}
	return f, policy.Check(id, a, f, name)
}

// accessRegistration is access for a registration, with the cancel token the caller presented.
func (s *Server) accessRegistration(ctx context.Context, a policy.Action, name, key, token string) (policy.Facts, error) {
	id := auth.FromContext(ctx)
	if err := policy.CheckMethod(id, a); err != nil {
		return policy.Facts{}, err
	}
	if err := s.sync(ctx); err != nil {
		return policy.Facts{}, err
	}
	var f policy.Facts
	found := false
	s.ledger.Read(func(st *domain.State) {
		r, ok := st.Registrations[key]
		if !ok {
			return
		}
		if ev, ok := st.Events[eventKeyOf(key)]; ok {
			f, found = eventFacts(ev), true
			f.TokenValid = token != "" && r.TokenHash != "" &&
				subtle.ConstantTimeCompare([]byte(hashToken(token)), []byte(r.TokenHash)) == 1
		}
	})
	if !found {
		return f, apierror.NotFound(name)
	}
	return f, policy.Check(id, a, f, name)
}

// seesContacts reports whether the caller may see registrants' family name, email, phone and
// referral: only the referral service; hosts see the given name, needs and state.
func seesContacts(ctx context.Context, f policy.Facts) bool {
	return policy.Can(auth.FromContext(ctx), policy.RegistrationContacts, f)
}

// newToken returns a private cancel token and the hash that is stored.
func newToken() (token, hash string) {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// audit appends one record per registration named to the event database's audit trail.
func (s *Server) audit(ctx context.Context, action string, err error, names ...string) error {
	recs := make([]audit.Record, 0, len(names))
	for _, n := range names {
		recs = append(recs, s.audits.Record(ctx, action, methodOf(ctx), n, err))
	}
	return s.audits.Append(ctx, recs...)
}
