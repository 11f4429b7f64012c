// Package eventfeed closes the referral loop from the event service's side: it follows the event
// change feed and records promotions, attendance, no-shows and cancellations on the referrals
// they belong to. Each change is applied exactly once: its token is stored on the referral in
// the same write, and the feed position is saved after, so a restart replays at most a page and
// the replay is recognised. Every registration change goes through saga.Settle, so a seat the
// referral does not record (its booking request died before recording it, or it may no longer
// hold it) is recorded or cancelled as soon as the feed shows it.
package eventfeed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/platform/aip/names"
	"github.com/socialrx/socialrx/services/platform/headers"
	"github.com/socialrx/socialrx/services/platform/metrics"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/referral/internal/domain"
	"github.com/socialrx/socialrx/services/referral/internal/server/saga"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

// positionID names the consumer whose feed position the store keeps.
const positionID = "event-changes"

// Consumer follows the event change feed.
type Consumer struct {
	events eventv1.EventServiceClient
	st     *store.Store
	saga   *saga.Saga
	logger *slog.Logger
	poll   time.Duration
	now    func() time.Time
	lag    interface{ Set(float64) } // nil until Instrument
}

// Instrument reports the consumer's lag behind the event ledger as
// socialrx_feed_lag{follower="referral_event_consumer"}.
func (c *Consumer) Instrument(reg *metrics.Registry) { c.lag = reg.FeedLag("referral_event_consumer") }

// New returns a consumer.
func New(events eventv1.EventServiceClient, st *store.Store, sg *saga.Saga, poll time.Duration, now func() time.Time, logger *slog.Logger) *Consumer {
	return &Consumer{events: events, st: st, saga: sg, poll: poll, now: now, logger: logger}
}

// Run follows the feed until ctx ends; an unreachable event service is retried.
func (c *Consumer) Run(ctx context.Context) {
	for {
		n, err := c.Step(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			c.logger.Warn("event change feed", "error", err)
		}
		if n == 0 || err != nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(c.poll):
			}
		}
	}
}

// Step applies the next page of changes and returns how many it read.
func (c *Consumer) Step(ctx context.Context) (int, error) {
	after, err := c.st.FeedPosition(ctx, positionID)
	if err != nil {
		return 0, err
	}
	var header metadata.MD
	resp, err := c.events.ListChanges(ctx, &eventv1.ListChangesRequest{After: after, PageSize: pageSize}, grpc.Header(&header))
	if err != nil {
		return 0, fmt.Errorf("list event changes: %w", err)
	}
	c.measure(header, resp)
	for _, ch := range resp.GetChanges() {
		if err := c.apply(ctx, ch); err != nil {
			return 0, err
		}
	}
	if len(resp.GetChanges()) > 0 {
		// Saved after the page is applied: a restart replays at most the page, recognised as applied.
		if err := c.st.SaveFeedPosition(ctx, positionID, resp.GetNextAfter()); err != nil {
			return 0, err
		}
	}
	return len(resp.GetChanges()), nil
}

// pageSize is how many changes one Step reads.
const pageSize = 100

// measure sets the lag: none when the page was the last, else the ledger head (from the event
// service's header) minus the ledger position of the page's last change.
func (c *Consumer) measure(header metadata.MD, resp *eventv1.ListChangesResponse) {
	if c.lag == nil {
		return
	}
	if len(resp.GetChanges()) < pageSize {
		c.lag.Set(0)
		return
	}
	v := header.Get(headers.FeedHead)
	seq, _, _ := strings.Cut(resp.GetNextAfter(), ".")
	at, err1 := strconv.ParseInt(seq, 10, 64)
	if len(v) == 0 || err1 != nil {
		return
	}
	if head, err := strconv.ParseInt(v[0], 10, 64); err == nil {
		c.lag.Set(float64(max(head-at, 0)))
	}
}

// effect is what a change means for a referral beyond the registration's new state: the
// business status and the timeline note.
func effect(ch *eventv1.Change) (business, note string) {
	switch ch.GetKind() {
	case eventv1.ChangeKind_CHANGE_KIND_PROMOTED:
		return "EVENT_BOOKED", "promoted from the waitlist to a confirmed place"
	case eventv1.ChangeKind_CHANGE_KIND_ATTENDED:
		return "EVENT_ATTENDED", "attended the event"
	case eventv1.ChangeKind_CHANGE_KIND_NO_SHOW:
		return "EVENT_MISSED", "did not attend the event"
	case eventv1.ChangeKind_CHANGE_KIND_SESSION_CANCELLED:
		return "EVENT_CANCELLED", "the event session was cancelled: " + ch.GetReason()
	case eventv1.ChangeKind_CHANGE_KIND_CANCELLED:
		return "", "the event registration was cancelled"
	}
	return "", "" // CONFIRMED and WAITLISTED: the booking's own entry
}

const actor = "services/event"

func (c *Consumer) apply(ctx context.Context, ch *eventv1.Change) error {
	var id string
	if names.Parse(ch.GetReferral(), "referrals/{referral}", &id) != nil || ch.GetRegistration() == "" {
		return nil
	}
	var err error
	if ch.GetKind() == eventv1.ChangeKind_CHANGE_KIND_SESSION_RESCHEDULED {
		err = c.note(ctx, id, ch, "the event session was rescheduled")
	} else {
		business, note := effect(ch)
		if note != "" {
			note += " (" + ch.GetSession() + ")"
		}
		var steps []saga.Step
		_, steps, err = c.saga.Settle(ctx, actor, id, saga.Key{Registration: ch.GetRegistration(), Session: ch.GetSession()}, saga.Observation{
			Registration: ch.GetRegistration(), Session: ch.GetSession(), State: saga.StateOf(ch.GetState()),
			Position: ch.GetWaitlistPosition(), Token: ch.GetToken(), Kind: "EVENT_UPDATE", Note: note, Business: business,
		})
		c.saga.Repairs.Count(repairs(steps))
	}
	if errors.Is(err, docstore.ErrNotFound) {
		c.logger.Warn("event change for an unknown referral", "referral", ch.GetReferral())
		return nil
	}
	if err != nil {
		return fmt.Errorf("apply event change %s: %w", ch.GetToken(), err)
	}
	return nil
}

// repairs are the steps that fixed what a booking request left undone, not the news of a change
// to a recorded booking.
func repairs(steps []saga.Step) []saga.Step {
	var out []saga.Step
	for _, s := range steps {
		if s.Action != domain.Record || s.From == "" || s.From == domain.BookingPending {
			out = append(out, s)
		}
	}
	return out
}

// note adds a timeline entry for a change that leaves the booking as it is.
func (c *Consumer) note(ctx context.Context, id string, ch *eventv1.Change, note string) error {
	_, err := c.st.Referrals.Update(ctx, actor, id, "", func(r *store.Referral) error {
		if slices.Contains(r.Applied, ch.GetToken()) {
			return docstore.ErrUnchanged
		}
		// The timeline is in the order the referral service learns things, so it uses its own clock.
		now := c.now().UTC().Truncate(time.Millisecond)
		r.Applied = append(r.Applied, ch.GetToken())
		r.StatusChanged = false
		r.Add(store.Entry{Time: now, Actor: actor, Kind: "EVENT_UPDATE", BusinessStatus: r.BusinessStatus,
			Note: note + " (" + ch.GetSession() + ")"})
		return nil
	})
	return err
}
