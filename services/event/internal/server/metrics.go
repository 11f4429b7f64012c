package server

import (
	"strings"

	"google.golang.org/grpc/status"

	"github.com/socialrx/socialrx/services/event/internal/domain"
	"github.com/socialrx/socialrx/services/platform/metrics"
)

// Instrument makes the server count registrations by outcome in reg
// (socialrx_registrations_total{outcome}).
func (s *Server) Instrument(reg *metrics.Registry) {
	s.registrations = reg.Counter("registrations_total",
		"Registration requests by outcome: confirmed, waitlisted, repeat (an idempotent retry), or the refusal's gRPC code.",
		"outcome")
	for _, o := range []string{"confirmed", "waitlisted", "repeat"} {
		s.registrations.WithLabelValues(o)
	}
}

// countRegistration records the outcome of one CreateRegistration.
func (s *Server) countRegistration(d domain.Decision, err error) {
	if s.registrations == nil {
		return
	}
	s.registrations.WithLabelValues(registrationOutcome(s, d, err)).Inc()
}

func registrationOutcome(s *Server, d domain.Decision, err error) string {
	if err != nil {
		return toSnake(status.Code(err).String())
	}
	if d.Noop {
		return "repeat"
	}
	state := ""
	s.ledger.Read(func(st *domain.State) {
		if r, ok := st.Registrations[d.Result]; ok {
			state = r.State
		}
	})
	return strings.ToLower(state)
}

// toSnake turns a gRPC code name (FailedPrecondition) into failed_precondition.
func toSnake(name string) string {
	var b strings.Builder
	for i, c := range name {
		if i > 0 && c >= 'A' && c <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteRune(c)
	}
	return strings.ToLower(b.String())
}
