package saga

import (
	"context"
	"errors"
	"time"

	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

// Reconciler settles, at start-up and then every interval, the bookings that no request will
// finish: pending ones whose request died or timed out, and seats of referrals that may no
// longer hold them. A booking is left alone for grace after its last change, the time its own
// request may still be at work on it; settling it sooner is safe, only wasted effort.
type Reconciler struct {
	saga     *Saga
	referral func(keep func(*store.Referral) bool) []*store.Referral
	sync     func(context.Context) error
	interval time.Duration
	grace    time.Duration
	onError  func(error)
}

// NewReconciler returns a reconciler over the referrals that sel returns from an index which
// sync brings up to date.
func NewReconciler(sg *Saga, sel func(keep func(*store.Referral) bool) []*store.Referral, sync func(context.Context) error,
	interval, grace time.Duration, onError func(error)) *Reconciler {
	return &Reconciler{saga: sg, referral: sel, sync: sync, interval: interval, grace: grace, onError: onError}
}

// Actor is who the reconciler's changes are recorded as.
const Actor = "services/referral/reconciler"

// Pass settles every due booking once and returns how many repairs it made.
func (rc *Reconciler) Pass(ctx context.Context) (int, error) {
	if err := rc.sync(ctx); err != nil {
		return 0, err
	}
	now := rc.saga.now()
	due := rc.referral(func(r *store.Referral) bool { return len(Due(r, now, rc.grace)) > 0 })
	n := 0
	var errs []error
	for _, r := range due {
		_, steps, err := rc.saga.Repair(ctx, Actor, r.ID, rc.grace)
		rc.saga.Repairs.Count(steps)
		n += len(steps)
		if err != nil && !errors.Is(err, docstore.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	return n, errors.Join(errs...)
}

// Run makes a pass now and then every interval until ctx ends.
func (rc *Reconciler) Run(ctx context.Context) {
	for {
		if _, err := rc.Pass(ctx); err != nil && ctx.Err() == nil {
			rc.onError(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(rc.interval):
		}
	}
}
