// Package store keeps referrals in MongoDB as versioned documents (docstore): each document holds
// the whole referral with its timeline, so a change and its timeline entry are one write, and
// two replicas racing to change one referral cannot both win. Changes go to the "changes" feed
// for the worklist read model and for WatchReferrals.
package store

import (
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/socialrx/socialrx/services/platform/audit"
	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/platform/storage/snapshot"
)

// Collection and feed names.
const (
	Referrals = "referrals"
	FeedName  = "changes"
	Audit     = "audit"
	// Consumers holds the positions of the feeds of other services this service follows.
	Consumers = "consumers"
)

// Subject is the person referred.
type Subject struct {
	GivenName          string   `bson:"given_name"`
	FamilyName         string   `bson:"family_name"`
	DateOfBirth        string   `bson:"date_of_birth"`
	Email              string   `bson:"email,omitempty"`
	Phone              string   `bson:"phone,omitempty"`
	PreferredLanguage  string   `bson:"preferred_language,omitempty"`
	AccessibilityNeeds []string `bson:"accessibility_needs,omitempty"`
	PostalCode         string   `bson:"postal_code,omitempty"`
}

// Consent to share the person's details.
type Consent struct {
	GrantedBy    string     `bson:"granted_by"`
	GrantTime    time.Time  `bson:"grant_time"`
	Scope        []string   `bson:"scope"`
	Withdrawn    bool       `bson:"withdrawn"`
	WithdrawTime *time.Time `bson:"withdraw_time,omitempty"`
}

// GoalProgress is one update of a goal.
type GoalProgress struct {
	Time    time.Time `bson:"time"`
	Percent int32     `bson:"percent"`
	Note    string    `bson:"note,omitempty"`
}

// Goal is a goal co-designed with the person.
type Goal struct {
	ID          string         `bson:"id"`
	Description string         `bson:"description"`
	Percent     int32          `bson:"percent"`
	Progress    []GoalProgress `bson:"progress,omitempty"`
	CreateTime  time.Time      `bson:"create_time"`
}

// Measure is a completed outcome measure with its computed scores.
type Measure struct {
	ID         string    `bson:"id"`
	Instrument string    `bson:"instrument"`
	Timepoint  string    `bson:"timepoint"`
	Items      []int32   `bson:"items"`
	Total      int32     `bson:"total"`
	Change     []int32   `bson:"change,omitempty"`
	RecordTime time.Time `bson:"record_time"`
	RecordedBy string    `bson:"recorded_by"`
}

// Booking is the person's registration at an event session. It is recorded PENDING, with the
// request id it is registered under, before the event service is asked (see package saga).
type Booking struct {
	Session      string    `bson:"session"`
	Registration string    `bson:"registration"`
	State        string    `bson:"state"`
	RequestID    string    `bson:"request_id,omitempty"`
	CreateTime   time.Time `bson:"create_time"`
	UpdateTime   time.Time `bson:"update_time"`
}

// Entry is one timeline entry.
type Entry struct {
	Sequence       int64     `bson:"sequence"`
	Time           time.Time `bson:"time"`
	Actor          string    `bson:"actor"`
	Kind           string    `bson:"kind"`
	FromStatus     string    `bson:"from_status,omitempty"`
	ToStatus       string    `bson:"to_status,omitempty"`
	BusinessStatus string    `bson:"business_status,omitempty"`
	Reason         string    `bson:"reason,omitempty"`
	Note           string    `bson:"note,omitempty"`
}

// Referral is a stored referral.
type Referral struct {
	docstore.Meta         `bson:",inline"`
	Subject               Subject    `bson:"subject"`
	Consent               *Consent   `bson:"consent,omitempty"`
	ReferringPractitioner string     `bson:"referring_practitioner"`
	ReferringOrganization string     `bson:"referring_organization"`
	Needs                 []string   `bson:"needs"`
	NeedsText             string     `bson:"needs_text,omitempty"`
	WhatMatters           string     `bson:"what_matters,omitempty"`
	Priority              string     `bson:"priority"`
	ReceivingOrganization string     `bson:"receiving_organization"`
	SuggestedService      string     `bson:"suggested_service,omitempty"`
	SuggestedEvent        string     `bson:"suggested_event,omitempty"`
	Status                string     `bson:"status"`
	BusinessStatus        string     `bson:"business_status,omitempty"`
	StatusReason          string     `bson:"status_reason,omitempty"`
	Assignee              string     `bson:"assignee,omitempty"`
	FollowUpTime          *time.Time `bson:"follow_up_time,omitempty"`
	Goals                 []Goal     `bson:"goals,omitempty"`
	Measures              []Measure  `bson:"measures,omitempty"`
	Bookings              []Booking  `bson:"bookings,omitempty"`
	Timeline              []Entry    `bson:"timeline"`
	// Applied holds the event change tokens already applied, so each is applied exactly once.
	Applied []string `bson:"applied,omitempty"`
	// StatusChanged is true when this version changed the status or business status (for Watch).
	StatusChanged bool `bson:"status_changed"`
	// Intents are the ids of the audit intents of the latest changes (see package audit), so
	// that an intent no request settled can be told applied or not.
	Intents []string `bson:"intents,omitempty"`
}

// keptIntents bounds Intents: an intent is settled by its request at once or by the reconciler
// within minutes, long before this many later changes of one referral push it out.
const keptIntents = 32

// NoteIntent records that this version is the change of audit intent id.
func (r *Referral) NoteIntent(id string) {
	r.Intents = append(r.Intents, id)
	if len(r.Intents) > keptIntents {
		r.Intents = r.Intents[len(r.Intents)-keptIntents:]
	}
}

// HasIntent reports whether the change of audit intent id is stored.
func (r *Referral) HasIntent(id string) bool { return slices.Contains(r.Intents, id) }

// Add appends a timeline entry.
func (r *Referral) Add(e Entry) {
	e.Sequence = int64(len(r.Timeline) + 1)
	r.Timeline = append(r.Timeline, e)
}

// Store holds the referral collections.
type Store struct {
	db        *mongo.Database
	Feed      *changefeed.Feed
	Referrals *docstore.Collection[Referral, *Referral]
	// Audit is the append-only trail of access to referrals, beside them in this database.
	Audit *audit.Log
	// Snapshots holds snapshots of the worklist read model, so a replica starts from one.
	Snapshots *snapshot.Store
	// Webhooks are the organisations' webhook subscriptions; Notifications the engine's
	// deliveries, attempts and positions (package notify).
	Webhooks      *docstore.Collection[Webhook, *Webhook]
	Notifications Notifications
}

// New returns the store over db.
func New(db *mongo.Database) *Store {
	feed := changefeed.New(db, FeedName)
	return &Store{db: db, Feed: feed, Referrals: docstore.NewCollection[Referral](db, Referrals, feed),
		Snapshots: snapshot.New(db, "worklist"), Audit: audit.New(db, Audit, nil),
		Webhooks: newWebhooks(db), Notifications: Notifications{db: db}}
}
