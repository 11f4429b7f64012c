package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

func (e *Engine) deliverLoop(ctx context.Context) {
	t := time.NewTicker(e.cfg.Poll)
	defer t.Stop()
	slots := make(chan struct{}, e.cfg.Workers)
	pruned := e.cfg.Now()
	for {
		if err := e.deliverDue(ctx, slots); err != nil && ctx.Err() == nil {
			e.logger.Warn("deliver webhooks", "error", err)
		}
		if now := e.cfg.Now(); now.Sub(pruned) > docstore.Retain/4 {
			pruned = now
			if err := e.st.Webhooks.Prune(ctx); err != nil && ctx.Err() == nil {
				e.logger.Warn("prune webhook revisions", "error", err)
			}
		}
		select {
		case <-ctx.Done():
			for range cap(slots) { // the attempts under way end first
				slots <- struct{}{}
			}
			return
		case <-t.C:
		case <-e.wake:
		}
	}
}

// deliverDue delivers, for each webhook with no attempt under way here, its pending deliveries
// in order while they are due and succeed: one at a time per webhook keeps them in order.
func (e *Engine) deliverDue(ctx context.Context, slots chan struct{}) error {
	pending, err := e.st.Notifications.PendingAll(ctx)
	if err != nil || len(pending) == 0 {
		return err
	}
	all, err := e.st.Webhooks.All(ctx)
	if err != nil {
		return err
	}
	hooks := make(map[string]*store.Webhook, len(all))
	for _, w := range all {
		hooks[w.ID] = w
	}
	queues := map[string][]store.PendingDelivery{}
	for _, p := range pending {
		queues[p.Webhook] = append(queues[p.Webhook], p)
	}
	now := e.cfg.Now()
	for hook, queue := range queues {
		slices.SortFunc(queue, func(a, b store.PendingDelivery) int {
			if a.Before(b) {
				return -1
			}
			return 1
		})
		if queue[0].NextTime.After(now) {
			continue
		}
		e.mu.Lock()
		busy := e.inflight[hook]
		if !busy {
			e.inflight[hook] = true
		}
		e.mu.Unlock()
		if busy {
			continue
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		go func() {
			drained := e.deliverQueue(ctx, hooks[hook], queue)
			e.mu.Lock()
			delete(e.inflight, hook)
			e.mu.Unlock()
			<-slots
			if drained {
				e.Wake() // deliveries dispatched meanwhile were left to this webhook's queue
			}
		}()
	}
	return nil
}

// deliverQueue makes the due deliveries of one webhook's queue in order, and reports whether
// every one succeeded.
func (e *Engine) deliverQueue(ctx context.Context, w *store.Webhook, queue []store.PendingDelivery) bool {
	for _, p := range queue {
		if p.NextTime.After(e.cfg.Now()) {
			return false
		}
		again, err := e.attempt(ctx, w, p)
		if err != nil && ctx.Err() == nil {
			e.logger.Warn("webhook delivery", "delivery", p.ID, "error", err)
		}
		if !again || err != nil {
			return false
		}
	}
	return true
}

// attempt makes the next attempt of a pending delivery to w (nil when deleted) if nobody else is
// making it; again is true when the webhook's next delivery may be due at once.
func (e *Engine) attempt(ctx context.Context, w *store.Webhook, p store.PendingDelivery) (again bool, err error) {
	n := e.st.Notifications
	if w == nil {
		return true, n.Unmark(ctx, p.ID) // the webhook was deleted
	}
	if w.State != store.WebhookActive {
		return false, nil // held until enabled again
	}
	d, err := n.Delivery(ctx, p.ID)
	if isNotFound(err) {
		return true, n.Unmark(ctx, p.ID)
	}
	if err != nil {
		return false, err
	}
	if d.State == store.DeliverySucceeded {
		return true, n.Unmark(ctx, p.ID)
	}
	// Take the next attempt. One taken already belongs to a deliverer that did not record it in
	// d: it is counted when it ended, abandoned when its lease ran out, and left while it runs.
	num := d.Attempts + 1
	var a store.Attempt
	for {
		start := e.cfg.Now()
		a = store.Attempt{ID: store.AttemptID(d.ID, num), Delivery: d.ID, Number: num, Owner: e.owner, StartTime: start,
			LeaseUntil: start.Add(e.cfg.Timeout + e.cfg.Lease)}
		won, err := n.TakeAttempt(ctx, a)
		if err != nil {
			return false, err
		}
		if won {
			break
		}
		taken, found, err := n.Attempt(ctx, d.ID, num)
		if err != nil || !found {
			return false, err
		}
		if taken.EndTime == nil {
			if start.Before(taken.LeaseUntil) {
				return false, nil // another deliverer makes it
			}
			taken.EndTime, taken.Error = &start, "abandoned: its deliverer stopped before it ended"
			if err := n.EndAttempt(ctx, taken); err != nil {
				return false, err
			}
		}
		d.Attempts = num
		if taken.StatusCode >= 200 && taken.StatusCode < 300 {
			return true, e.succeeded(ctx, w, d)
		}
		if taken.EndTime.After(start.Add(-e.cfg.Lease)) {
			return false, nil // its deliverer is recording it and the next try's time
		}
		num++ // ended long ago by a deliverer that stopped before recording it
	}
	start := a.StartTime
	code, sendErr := e.send(ctx, w, d)
	end := e.cfg.Now()
	a.EndTime, a.StatusCode = &end, code
	if sendErr != nil {
		a.Error = sendErr.Error()
	}
	if err := n.EndAttempt(ctx, a); err != nil {
		return false, err
	}
	d.Attempts = num
	if sendErr == nil {
		return true, e.succeeded(ctx, w, d)
	}
	if errors.Is(sendErr, ErrRefused) {
		e.logger.Warn("webhook target refused", "webhook", w.ID, "delivery", d.ID, "error", sendErr)
	}
	d.NextTime = end.Add(e.backoff(num))
	if err := n.SaveDelivery(ctx, d); err != nil {
		return false, err
	}
	p.NextTime = d.NextTime
	if err := n.Reschedule(ctx, p); err != nil {
		return false, err
	}
	return false, e.failing(ctx, w, start, sendErr)
}

func (e *Engine) succeeded(ctx context.Context, w *store.Webhook, d *store.Delivery) error {
	n := e.st.Notifications
	d.State = store.DeliverySucceeded
	if err := n.SaveDelivery(ctx, d); err != nil {
		return err
	}
	if err := n.Unmark(ctx, d.ID); err != nil {
		return err
	}
	if w.FailingSince == nil {
		return nil
	}
	_, err := e.st.Webhooks.Update(ctx, "notifier", w.ID, "", func(w *store.Webhook) error {
		if w.FailingSince == nil {
			return docstore.ErrUnchanged
		}
		w.FailingSince = nil
		return nil
	})
	return err
}

// failing records a failed attempt that began at start: the first of a run of failures starts
// the clock, and a run longer than DisableAfter disables the webhook, saying why.
func (e *Engine) failing(ctx context.Context, w *store.Webhook, start time.Time, cause error) error {
	if w.FailingSince != nil && start.Sub(*w.FailingSince) < e.cfg.DisableAfter {
		return nil
	}
	_, err := e.st.Webhooks.Update(ctx, "notifier", w.ID, "", func(w *store.Webhook) error {
		switch {
		case w.State != store.WebhookActive:
			return docstore.ErrUnchanged
		case w.FailingSince == nil:
			w.FailingSince = &start
		case start.Sub(*w.FailingSince) >= e.cfg.DisableAfter:
			now := e.cfg.Now()
			w.State, w.DisableTime = store.WebhookDisabled, &now
			w.DisabledReason = fmt.Sprintf("every delivery failed for %s, since %s; the last: %v",
				now.Sub(*w.FailingSince).Round(time.Second), w.FailingSince.UTC().Format(time.RFC3339), cause)
			e.logger.Warn("webhook disabled", "webhook", w.ID, "reason", w.DisabledReason)
		default:
			return docstore.ErrUnchanged
		}
		return nil
	})
	return err
}

// send POSTs d to w, signed, and returns the status code; an error for anything but a 2xx.
func (e *Engine) send(ctx context.Context, w *store.Webhook, d *store.Delivery) (int, error) {
	// The guard saw the URL at creation; the dialer checks each connection again.
	now := e.cfg.Now()
	body := []byte(d.Body)
	sig, err := Sign(d.ID, now.Unix(), body, w.Secrets(now)...)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	if req.URL.Scheme != "https" && !(req.URL.Scheme == "http" && e.cfg.Guard.AllowInsecureLoopback) {
		return 0, fmt.Errorf("%w: the URL must be https", ErrRefused)
	}
	req.Header.Set("Content-Type", contentType(w))
	req.Header.Set("User-Agent", "socialrx-webhooks/1")
	req.Header.Set("webhook-id", d.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := e.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("post: %w", unwrapURL(err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, e.cfg.MaxResponse))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return resp.StatusCode, nil
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return resp.StatusCode, fmt.Errorf("answered %d, a redirect (to %q), which is not followed", resp.StatusCode, resp.Header.Get("Location"))
	}
	return resp.StatusCode, fmt.Errorf("answered %d", resp.StatusCode)
}

// unwrapURL drops the *url.Error wrapping, whose message repeats the URL.
func unwrapURL(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}

func contentType(w *store.Webhook) string {
	if w.Format == store.FormatFHIRRestHook {
		return "application/fhir+json"
	}
	return "application/json"
}
