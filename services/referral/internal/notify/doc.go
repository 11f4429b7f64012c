// Package notify is the referral service's notification engine: it follows the referral change
// feed, turns each change into the events of the webhooks allowed to see it, and delivers them,
// signed as Standard Webhooks says (https://www.standardwebhooks.com), at least once and in
// order per webhook.
//
// Everything that must survive a crash is in the database: the feed position, each delivery
// and each attempt. The dispatcher (feed to deliveries) runs on the one replica holding the
// dispatch lease, a time slot claimed by inserting its unique _id; deliveries are made by
// every replica, and an attempt is taken by inserting its unique _id, so two replicas never
// make the same attempt. A delivery's id is derived from the change, so a change dispatched
// twice (after a crash, or at a lease hand-over) is one delivery.
package notify
