// Package consumer closes the referral loop from the event service's side: it follows the event
// change feed and records promotions, attendance, no-shows and cancellations on the referrals
// they belong to. Each change is applied exactly once: its token is stored on the referral in
// the same write, and the feed position is saved after, so a restart replays at most a page and
// the replay is recognised.
package consumer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/platform/aip/names"
	"github.com/socialrx/socialrx/services/platform/metrics"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/referral/internal/domain"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

// positionID is the _id of the saved feed position.
const positionID = "event-changes"

// Consumer follows the event change feed.
type Consumer struct {
	events eventv1.EventServiceClient
	st     *store.Store
	logger *slog.Logger
	poll   time.Duration
	now    func() time.Time
	lag    interface{ Set(float64) } // nil until Instrument
}

// headerFeedHead is the event service's ListChanges response header with its ledger head.
const headerFeedHead = "x-socialrx-feed-head"

// Instrument reports the consumer's lag behind the event ledger as
// socialrx_feed_lag{follower="referral_event_consumer"}.
func (c *Consumer) Instrument(reg *metrics.Registry) { c.lag = reg.FeedLag("referral_event_consumer") }

// New returns a consumer.
func New(events eventv1.EventServiceClient, st *store.Store, poll time.Duration, now func() time.Time, logger *slog.Logger) *Consumer {
	return &Consumer{events: events, st: st, poll: poll, now: now, logger: logger}
}

type position struct {
	ID    string `bson:"_id"`
	After string `bson:"after"`
}

func (c *Consumer) load(ctx context.Context) (string, error) {
	var p position
	err := c.st.DB.Collection(store.Consumers).FindOne(ctx, bson.D{{Key: "_id", Value: positionID}}).Decode(&p)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", nil
	}
	return p.After, err
}

// save records the position. Two replicas may both save; a position that goes back only makes
// the next pass re-read changes that are then recognised as applied.
func (c *Consumer) save(ctx context.Context, after string) error {
	_, err := c.st.DB.Collection(store.Consumers).ReplaceOne(ctx, bson.D{{Key: "_id", Value: positionID}},
		position{ID: positionID, After: after}, options.Replace().SetUpsert(true))
	return err
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
	after, err := c.load(ctx)
	if err != nil {
		return 0, fmt.Errorf("load position: %w", err)
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
		if err := c.save(ctx, resp.GetNextAfter()); err != nil {
			return 0, fmt.Errorf("save position: %w", err)
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
	v := header.Get(headerFeedHead)
	seq, _, _ := strings.Cut(resp.GetNextAfter(), ".")
	at, err1 := strconv.ParseInt(seq, 10, 64)
	if len(v) == 0 || err1 != nil {
		return
	}
	if head, err := strconv.ParseInt(v[0], 10, 64); err == nil {
		c.lag.Set(float64(max(head-at, 0)))
	}
}

// effect is what a change means for a referral: the booking's new state, the business status and
// the timeline note.
func effect(ch *eventv1.Change) (bookingState, business, note string) {
	switch ch.GetKind() {
	case eventv1.ChangeKind_CHANGE_KIND_PROMOTED:
		return "CONFIRMED", "EVENT_BOOKED", "promoted from the waitlist to a confirmed place"
	case eventv1.ChangeKind_CHANGE_KIND_ATTENDED:
		return "ATTENDED", "EVENT_ATTENDED", "attended the event"
	case eventv1.ChangeKind_CHANGE_KIND_NO_SHOW:
		return "NO_SHOW", "EVENT_MISSED", "did not attend the event"
	case eventv1.ChangeKind_CHANGE_KIND_SESSION_CANCELLED:
		return "CANCELLED", "EVENT_CANCELLED", "the event session was cancelled: " + ch.GetReason()
	case eventv1.ChangeKind_CHANGE_KIND_CANCELLED:
		return "CANCELLED", "", "the event registration was cancelled"
	case eventv1.ChangeKind_CHANGE_KIND_SESSION_RESCHEDULED:
		return "", "", "the event session was rescheduled"
	}
	return "", "", "" // CONFIRMED and WAITLISTED are recorded when booking
}

func (c *Consumer) apply(ctx context.Context, ch *eventv1.Change) error {
	var id string
	if names.Parse(ch.GetReferral(), "referrals/{referral}", &id) != nil || ch.GetRegistration() == "" {
		return nil
	}
	bookingState, business, note := effect(ch)
	if note == "" {
		return nil
	}
	_, err := c.st.Referrals.Update(ctx, "services/event", id, "", func(r *store.Referral) error {
		if slices.Contains(r.Applied, ch.GetToken()) {
			return docstore.ErrUnchanged
		}
		// The timeline is in the order the referral service learns things, so it uses its own clock.
		now := c.now().UTC().Truncate(time.Millisecond)
		before := r.BusinessStatus
		for i := range r.Bookings {
			if r.Bookings[i].Registration == ch.GetRegistration() && bookingState != "" {
				r.Bookings[i].State, r.Bookings[i].UpdateTime = bookingState, now
			}
		}
		if business != "" && !domain.Terminal(r.Status) {
			r.BusinessStatus = business
		}
		r.Applied = append(r.Applied, ch.GetToken())
		r.StatusChanged = r.BusinessStatus != before
		r.Add(store.Entry{Time: now, Actor: "services/event", Kind: "EVENT_UPDATE", BusinessStatus: r.BusinessStatus,
			Note: note + " (" + ch.GetSession() + ")"})
		return nil
	})
	if errors.Is(err, docstore.ErrNotFound) {
		c.logger.Warn("event change for an unknown referral", "referral", ch.GetReferral())
		return nil
	}
	if err != nil {
		return fmt.Errorf("apply event change %s: %w", ch.GetToken(), err)
	}
	return nil
}
