package metrics

import (
	"context"
	"log/slog"
	"net"
)

// Endpoint is a part's registry and, when the part serves its own, the /metrics listener.
type Endpoint struct {
	reg *Registry
	lis net.Listener
}

// NewEndpoint uses shared when given (its owner serves it); otherwise it makes a registry and
// listens on cfg.Addr, unless that is empty.
func NewEndpoint(shared *Registry, cfg Config) (*Endpoint, error) {
	if shared != nil {
		return &Endpoint{reg: shared}, nil
	}
	e := &Endpoint{reg: New()}
	if cfg.Addr == "" {
		return e, nil
	}
	lis, err := Listen(cfg.Addr)
	if err != nil {
		return nil, err
	}
	e.lis = lis
	return e, nil
}

// Registry is where the part's metrics go.
func (e *Endpoint) Registry() *Registry { return e.reg }

// Addr is the address /metrics is served on, empty when this endpoint serves none.
func (e *Endpoint) Addr() string {
	if e.lis == nil {
		return ""
	}
	return e.lis.Addr().String()
}

// Serve serves /metrics until ctx ends; it returns at once when there is nothing to serve.
func (e *Endpoint) Serve(ctx context.Context, logger *slog.Logger) error {
	if e.lis == nil {
		return nil
	}
	return e.reg.Serve(ctx, e.lis, logger)
}

// Close releases the listener of an endpoint that will not be served.
func (e *Endpoint) Close() {
	if e.lis != nil {
		_ = e.lis.Close()
	}
}
