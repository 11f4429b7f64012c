package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/socialrx/socialrx/services/platform/storage"
	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
)

// Collections of the notification engine (package notify).
const (
	Webhooks = "webhooks"
	// WebhookFeed is the feed of webhook changes, apart from the referral feed, so that neither
	// the worklist nor WatchReferrals ever reads a webhook (or its secret).
	WebhookFeed = "webhook_changes"
	Deliveries  = "webhook_deliveries"
	// Attempts holds one document per delivery attempt; inserting it is taking the attempt.
	Attempts = "webhook_attempts"
	// Pending holds one small document per delivery not yet made, so that deliverers scan it
	// and not the whole delivery log.
	Pending = "webhook_pending"
	// NotifyState holds, per referral, the state the engine last turned into events.
	NotifyState = "webhook_referral_state"
	// Leases holds the time slots of the dispatch lease.
	Leases = "webhook_leases"
)

// Webhook states and delivery states, the API enum names without prefix.
const (
	WebhookActive      = "ACTIVE"
	WebhookDisabled    = "DISABLED"
	DeliveryPending    = "PENDING"
	DeliverySucceeded  = "SUCCEEDED"
	FormatStandard     = "STANDARD_WEBHOOKS"
	FormatFHIRRestHook = "FHIR_REST_HOOK"
)

// Webhook is a stored webhook subscription; its _id is its resource name.
type Webhook struct {
	docstore.Meta  `bson:",inline"`
	Organization   string     `bson:"organization"`
	DisplayName    string     `bson:"display_name,omitempty"`
	URL            string     `bson:"url"`
	EventTypes     []string   `bson:"event_types,omitempty"`
	Format         string     `bson:"format"`
	Criteria       string     `bson:"criteria,omitempty"`
	State          string     `bson:"state"`
	DisabledReason string     `bson:"disabled_reason,omitempty"`
	DisableTime    *time.Time `bson:"disable_time,omitempty"`
	Secret         string     `bson:"secret"`
	// PreviousSecret signs too until PreviousExpire, after a rotation.
	PreviousSecret string     `bson:"previous_secret,omitempty"`
	PreviousExpire *time.Time `bson:"previous_expire,omitempty"`
	// FailingSince is the first failed attempt since the last success, nil when the last
	// attempt succeeded.
	FailingSince *time.Time `bson:"failing_since,omitempty"`
}

// Secrets are the secrets a delivery at now is signed with: the current one, and the previous
// one while it is still valid.
func (w *Webhook) Secrets(now time.Time) []string {
	out := []string{w.Secret}
	if w.PreviousSecret != "" && w.PreviousExpire != nil && now.Before(*w.PreviousExpire) {
		out = append(out, w.PreviousSecret)
	}
	return out
}

// Delivery is one change to deliver to one webhook; its _id is the webhook-id header.
type Delivery struct {
	ID      string `bson:"_id"`
	Webhook string `bson:"webhook"`
	// Seq and Index order deliveries: the feed position of the change and the event's place
	// among the change's events.
	Seq        int64     `bson:"seq"`
	Index      int       `bson:"index"`
	Type       string    `bson:"type"`
	Referral   string    `bson:"referral"`
	Body       string    `bson:"body"`
	CreateTime time.Time `bson:"create_time"`
	State      string    `bson:"state"`
	// Attempts is how many attempts have ended; NextTime when the next is due.
	Attempts int       `bson:"attempts"`
	NextTime time.Time `bson:"next_time"`
}

// Attempt is one attempt of a delivery; its _id is "<delivery>/<number>".
type Attempt struct {
	ID         string     `bson:"_id"`
	Delivery   string     `bson:"delivery"`
	Number     int        `bson:"number"`
	Owner      string     `bson:"owner"`
	StartTime  time.Time  `bson:"start_time"`
	LeaseUntil time.Time  `bson:"lease_until"`
	EndTime    *time.Time `bson:"end_time,omitempty"`
	StatusCode int        `bson:"status_code,omitempty"`
	Error      string     `bson:"error,omitempty"`
}

// AttemptID is the _id of attempt number n of delivery.
func AttemptID(delivery string, n int) string { return fmt.Sprintf("%s/%d", delivery, n) }

// PendingDelivery marks a delivery not yet made.
type PendingDelivery struct {
	ID       string    `bson:"_id"`
	Webhook  string    `bson:"webhook"`
	Seq      int64     `bson:"seq"`
	Index    int       `bson:"index"`
	NextTime time.Time `bson:"next_time"`
}

// Before orders pending deliveries of one webhook.
func (p PendingDelivery) Before(q PendingDelivery) bool {
	if p.Seq != q.Seq {
		return p.Seq < q.Seq
	}
	return p.Index < q.Index
}

// ReferralState is what the engine last made events of, for one referral.
type ReferralState struct {
	ID          string            `bson:"_id"`
	Incarnation string            `bson:"incarnation"`
	Version     int64             `bson:"version"`
	Status      string            `bson:"status"`
	Bookings    map[string]string `bson:"bookings,omitempty"`
}

// Notifications holds the engine's collections.
type Notifications struct {
	db *mongo.Database
}

func (n Notifications) c(name string) *mongo.Collection { return n.db.Collection(name) }

// InsertDelivery stores a new delivery; false when one with its id exists.
func (n Notifications) InsertDelivery(ctx context.Context, d Delivery) (bool, error) {
	return insert(ctx, n.c(Deliveries), d, "delivery "+d.ID)
}

// MarkPending records that d is to be delivered at d.NextTime; a mark already there is kept.
func (n Notifications) MarkPending(ctx context.Context, d Delivery) error {
	_, err := insert(ctx, n.c(Pending), PendingDelivery{ID: d.ID, Webhook: d.Webhook, Seq: d.Seq, Index: d.Index, NextTime: d.NextTime}, "pending "+d.ID)
	return err
}

// Reschedule moves the next attempt of a pending delivery.
func (n Notifications) Reschedule(ctx context.Context, p PendingDelivery) error {
	if _, err := n.c(Pending).ReplaceOne(ctx, bson.D{{Key: "_id", Value: p.ID}}, p, options.Replace().SetUpsert(true)); err != nil {
		return fmt.Errorf("reschedule delivery %s: %w", p.ID, err)
	}
	return nil
}

// Unmark removes the pending mark of a delivery made (or of a webhook deleted).
func (n Notifications) Unmark(ctx context.Context, id string) error {
	if _, err := n.c(Pending).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("unmark delivery %s: %w", id, err)
	}
	return nil
}

// PendingAll returns every pending mark.
func (n Notifications) PendingAll(ctx context.Context) ([]PendingDelivery, error) {
	var out []PendingDelivery
	if err := findAll(ctx, n.c(Pending), bson.D{}, &out); err != nil {
		return nil, fmt.Errorf("read pending deliveries: %w", err)
	}
	return out, nil
}

// Delivery returns the delivery with id, or storage.ErrNotFound.
func (n Notifications) Delivery(ctx context.Context, id string) (*Delivery, error) {
	var d Delivery
	if err := findByID(ctx, n.c(Deliveries), id, &d); err != nil {
		return nil, fmt.Errorf("read delivery %s: %w", id, err)
	}
	return &d, nil
}

// SaveDelivery writes the delivery's summary; only the holder of its latest attempt does.
func (n Notifications) SaveDelivery(ctx context.Context, d *Delivery) error {
	if _, err := n.c(Deliveries).ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d); err != nil {
		return fmt.Errorf("save delivery %s: %w", d.ID, err)
	}
	return nil
}

// DeliveriesOf returns the deliveries of a webhook, newest first.
func (n Notifications) DeliveriesOf(ctx context.Context, webhook string) ([]Delivery, error) {
	var out []Delivery
	if err := findAll(ctx, n.c(Deliveries), bson.D{{Key: "webhook", Value: webhook}}, &out); err != nil {
		return nil, fmt.Errorf("read deliveries of %s: %w", webhook, err)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Seq != out[j].Seq {
			return out[i].Seq > out[j].Seq
		}
		return out[i].Index > out[j].Index
	})
	return out, nil
}

// TakeAttempt inserts an attempt; false means another deliverer holds that attempt.
func (n Notifications) TakeAttempt(ctx context.Context, a Attempt) (bool, error) {
	return insert(ctx, n.c(Attempts), a, "attempt "+a.ID)
}

// Attempt returns attempt number of delivery; found is false when nobody took it.
func (n Notifications) Attempt(ctx context.Context, delivery string, number int) (a Attempt, found bool, err error) {
	err = findByID(ctx, n.c(Attempts), AttemptID(delivery, number), &a)
	if errors.Is(err, storage.ErrNotFound) {
		return a, false, nil
	}
	if err != nil {
		return a, false, fmt.Errorf("read attempt %s/%d: %w", delivery, number, err)
	}
	return a, true, nil
}

// EndAttempt records an attempt's outcome.
func (n Notifications) EndAttempt(ctx context.Context, a Attempt) error {
	if _, err := n.c(Attempts).ReplaceOne(ctx, bson.D{{Key: "_id", Value: a.ID}}, a); err != nil {
		return fmt.Errorf("end attempt %s: %w", a.ID, err)
	}
	return nil
}

// AttemptsOf returns the attempts of the given deliveries, by delivery, oldest first.
func (n Notifications) AttemptsOf(ctx context.Context, deliveries []string) (map[string][]Attempt, error) {
	var all []Attempt
	if err := findAll(ctx, n.c(Attempts), bson.D{{Key: "delivery", Value: bson.D{{Key: "$in", Value: deliveries}}}}, &all); err != nil {
		return nil, fmt.Errorf("read attempts: %w", err)
	}
	out := map[string][]Attempt{}
	for _, a := range all {
		out[a.Delivery] = append(out[a.Delivery], a)
	}
	for _, as := range out {
		sort.Slice(as, func(i, j int) bool { return as[i].Number < as[j].Number })
	}
	return out, nil
}

// ReferralState returns what the engine last made events of for a referral; found is false
// when it has seen none of its changes.
func (n Notifications) ReferralState(ctx context.Context, id string) (s ReferralState, found bool, err error) {
	err = findByID(ctx, n.c(NotifyState), id, &s)
	if errors.Is(err, storage.ErrNotFound) {
		return s, false, nil
	}
	if err != nil {
		return s, false, fmt.Errorf("read notified state of %s: %w", id, err)
	}
	return s, true, nil
}

// SaveReferralState records what the engine made events of for a referral.
func (n Notifications) SaveReferralState(ctx context.Context, s ReferralState) error {
	if _, err := n.c(NotifyState).ReplaceOne(ctx, bson.D{{Key: "_id", Value: s.ID}}, s, options.Replace().SetUpsert(true)); err != nil {
		return fmt.Errorf("save notified state of %s: %w", s.ID, err)
	}
	return nil
}

// lease is one time slot of a lease; its holder inserted it.
type lease struct {
	ID    string    `bson:"_id"`
	Owner string    `bson:"owner"`
	Time  time.Time `bson:"time"`
}

// TakeLease claims slot of lease name for owner: true when owner holds it (now or already).
func (n Notifications) TakeLease(ctx context.Context, name string, slot int64, owner string, now time.Time) (bool, error) {
	id := fmt.Sprintf("%s/%d", name, slot)
	won, err := insert(ctx, n.c(Leases), lease{ID: id, Owner: owner, Time: now}, "lease "+id)
	if err != nil || won {
		return won, err
	}
	var l lease
	if err := findByID(ctx, n.c(Leases), id, &l); err != nil {
		return false, fmt.Errorf("read lease %s: %w", id, err)
	}
	return l.Owner == owner, nil
}

// DropLease deletes an old slot of lease name.
func (n Notifications) DropLease(ctx context.Context, name string, slot int64) error {
	if _, err := n.c(Leases).DeleteOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("%s/%d", name, slot)}}); err != nil {
		return fmt.Errorf("drop lease: %w", err)
	}
	return nil
}

func insert(ctx context.Context, c *mongo.Collection, doc any, what string) (bool, error) {
	if _, err := c.InsertOne(ctx, doc); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return false, nil
		}
		return false, fmt.Errorf("insert %s: %w", what, err)
	}
	return true, nil
}

func findByID(ctx context.Context, c *mongo.Collection, id string, out any) error {
	err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(out)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return storage.ErrNotFound
	}
	return err
}

func findAll(ctx context.Context, c *mongo.Collection, filter bson.D, out any) error {
	cur, err := c.Find(ctx, filter)
	if err != nil {
		return err
	}
	return cur.All(ctx, out)
}

// newWebhooks returns the webhook collection of db, with its own feed.
func newWebhooks(db *mongo.Database) *docstore.Collection[Webhook, *Webhook] {
	return docstore.NewCollection[Webhook](db, Webhooks, changefeed.New(db, WebhookFeed))
}
