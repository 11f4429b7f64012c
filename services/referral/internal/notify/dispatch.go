package notify

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

// consumer is the engine's name among the feed positions of the store.
const consumer = "webhooks"

// Follower is the name under which the engine's stored position is registered with the feed's
// retention, which keeps every change the engine has yet to dispatch.
const Follower = "referral-webhooks"

// Position is the engine's stored feed position: every change up to it is dispatched. ok is
// false before its first start.
func (e *Engine) Position(ctx context.Context) (pos int64, ok bool, err error) {
	after, err := e.st.FeedPosition(ctx, consumer)
	if err != nil || after == "" {
		return 0, false, err
	}
	pos, err = strconv.ParseInt(after, 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("webhook feed position %q: %w", after, err)
	}
	return pos, true, nil
}

// leaseName names the dispatch lease.
const leaseName = "webhook-dispatch"

// enqueueParallel bounds the deliveries of one change stored at once.
const enqueueParallel = 8

// dispatchBatch is how many feed entries one dispatch step reads.
const dispatchBatch = 200

func (e *Engine) dispatchLoop(ctx context.Context) {
	t := time.NewTicker(e.cfg.Poll)
	defer t.Stop()
	for {
		if err := e.dispatch(ctx); err != nil && ctx.Err() == nil {
			e.logger.Warn("dispatch webhook events", "error", err)
			e.held = 0 // start again from the stored position
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-e.kick:
		}
	}
}

// holdLease reports whether this replica holds the dispatch lease now, claiming the current
// slot and the next one, so that the holder keeps it without a gap while it runs; a holder that
// stops leaves it to another within two slots.
func (e *Engine) holdLease(ctx context.Context) (bool, error) {
	now := e.cfg.Now()
	slot := now.UnixNano() / int64(e.cfg.Lease)
	if e.held == slot {
		return true, nil
	}
	won, err := e.st.Notifications.TakeLease(ctx, leaseName, slot, e.owner, now)
	if err != nil || !won {
		e.held = 0
		return false, err
	}
	continuous := e.held == slot-1
	if _, err := e.st.Notifications.TakeLease(ctx, leaseName, slot+1, e.owner, now); err != nil {
		return false, err
	}
	_ = e.st.Notifications.DropLease(ctx, leaseName, slot-3) // old slots; a miss is harmless
	if !continuous {
		// Another replica may have moved the position (and the states) while this one did not
		// hold the lease.
		after, err := e.st.FeedPosition(ctx, consumer)
		if err != nil {
			return false, err
		}
		if after == "" {
			// First start: from the feed's beginning, so that the engine knows every referral's
			// state before its next change (a webhook gets no change made before it was
			// created); from its head if its beginning is gone.
			start, err := e.firstPosition(ctx)
			if err != nil {
				return false, err
			}
			after = strconv.FormatInt(start, 10)
			if err := e.st.SaveFeedPosition(ctx, consumer, after); err != nil {
				return false, err
			}
		}
		if e.pos, err = strconv.ParseInt(after, 10, 64); err != nil {
			return false, fmt.Errorf("webhook feed position %q: %w", after, err)
		}
		e.states = map[string]store.ReferralState{}
	}
	e.held = slot
	return true, nil
}

func (e *Engine) firstPosition(ctx context.Context) (int64, error) {
	_, found, err := e.st.Feed.Get(ctx, 1)
	if err != nil || found {
		return 0, err
	}
	return e.st.Feed.Head(ctx)
}

// dispatch turns the feed entries after the position into deliveries while it holds the lease.
func (e *Engine) dispatch(ctx context.Context) error {
	for {
		ok, err := e.holdLease(ctx)
		if err != nil || !ok {
			return err
		}
		entries, err := e.st.Feed.Read(ctx, e.pos, dispatchBatch)
		if errors.Is(err, changefeed.ErrTrimmed) && len(entries) == 0 {
			// Only when the feed's retention was shortened below the engine's stored position
			// (which it registers, see Position): the changes in between are gone and cannot
			// be delivered. Say so, and go on from the oldest change kept.
			floor, ferr := e.st.Feed.Floor(ctx)
			if ferr != nil {
				return ferr
			}
			e.logger.Error("webhook changes trimmed from the feed before they were dispatched; they are not delivered",
				"after", e.pos, "through", floor)
			e.pos, e.states = floor, map[string]store.ReferralState{}
			if err := e.st.SaveFeedPosition(ctx, consumer, strconv.FormatInt(e.pos, 10)); err != nil {
				return err
			}
			continue
		}
		if err != nil || len(entries) == 0 {
			return err
		}
		hooks, err := e.st.Webhooks.All(ctx)
		if err != nil {
			return err
		}
		made := false
		for _, en := range entries {
			n, err := e.dispatchEntry(ctx, en, hooks)
			if err != nil {
				return err
			}
			made = made || n > 0
		}
		e.pos = entries[len(entries)-1].Seq
		if err := e.st.SaveFeedPosition(ctx, consumer, strconv.FormatInt(e.pos, 10)); err != nil {
			return err
		}
		if made {
			e.Wake()
		}
		if len(entries) < dispatchBatch {
			return nil
		}
	}
}

// dispatchEntry stores the deliveries of one feed entry and returns how many it stored. Each
// delivery is stored before the referral's state moves on, and the state before the position:
// after a crash the entry is read again and makes the same deliveries, already stored.
func (e *Engine) dispatchEntry(ctx context.Context, en changefeed.Entry, hooks []*store.Webhook) (int, error) {
	c, ok, err := store.ChangeOf(en)
	if err != nil || !ok || c.Deleted {
		return 0, err
	}
	r := c.Referral
	prev, known := e.states[r.ID]
	if !known {
		if prev, known, err = e.st.Notifications.ReferralState(ctx, r.ID); err != nil {
			return 0, err
		}
	}
	var prevp *store.ReferralState
	if known {
		prevp = &prev
	}
	events := Diff(prevp, r)
	if known && prev.Incarnation == r.Incarnation && prev.Version >= r.Version {
		return 0, nil // a version published twice
	}
	var ds []store.Delivery
	for _, w := range hooks {
		if c.Time.Before(w.CreateTime) || !visible(w, r) {
			continue
		}
		for i, ev := range events {
			if !wants(w, ev.Type) {
				continue
			}
			body, err := e.body(w, ev, c.Seq, c.Time)
			if err != nil {
				return 0, err
			}
			ds = append(ds, store.Delivery{ID: DeliveryID(w, ev.Key), Webhook: w.ID, Seq: c.Seq, Index: i, Type: ev.Type,
				Referral: r.ID, Body: string(body), CreateTime: c.Time, State: store.DeliveryPending, NextTime: c.Time})
		}
	}
	// Deliveries of one change go to different webhooks (or are one webhook's, in the order
	// their index keeps): they are stored side by side.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(enqueueParallel)
	for _, d := range ds {
		g.Go(func() error { return e.enqueue(gctx, d) })
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	made := len(ds)
	next := StateOf(r)
	e.states[r.ID] = next
	return made, e.st.Notifications.SaveReferralState(ctx, next)
}

// enqueue stores a delivery and marks it pending. A delivery already stored (the entry is read
// again after a crash) is marked pending again only while it is not delivered.
func (e *Engine) enqueue(ctx context.Context, d store.Delivery) error {
	won, err := e.st.Notifications.InsertDelivery(ctx, d)
	if err != nil {
		return err
	}
	if !won {
		cur, err := e.st.Notifications.Delivery(ctx, d.ID)
		if err != nil {
			return err
		}
		if cur.State != store.DeliveryPending {
			return nil
		}
		d = *cur
	}
	return e.st.Notifications.MarkPending(ctx, d)
}

// body is the payload of ev in w's format.
func (e *Engine) body(w *store.Webhook, ev Event, seq int64, t time.Time) ([]byte, error) {
	if w.Format == store.FormatFHIRRestHook {
		return fhirBody(w, ev, seq, t)
	}
	return standardBody(ev, t)
}
