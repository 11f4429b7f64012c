package notify

import (
	"encoding/json"
	"fmt"
	"time"
)

// payload is the Standard Webhooks body: the event's type, time and ids and states.
type payload struct {
	Type      string      `json:"type"`
	Timestamp time.Time   `json:"timestamp"`
	Data      payloadData `json:"data"`
}

type payloadData struct {
	Referral       string          `json:"referral"`
	Status         string          `json:"status"`
	PreviousStatus string          `json:"previous_status,omitempty"`
	BusinessStatus string          `json:"business_status,omitempty"`
	Booking        *payloadBooking `json:"booking,omitempty"`
}

type payloadBooking struct {
	Session      string `json:"session"`
	Registration string `json:"registration,omitempty"`
	State        string `json:"state"`
}

// standardBody is the JSON body of e, changed at t.
func standardBody(e Event, t time.Time) ([]byte, error) {
	p := payload{Type: e.Type, Timestamp: t.UTC(), Data: payloadData{Referral: "referrals/" + e.Referral, Status: e.Status,
		PreviousStatus: e.PreviousStatus, BusinessStatus: e.BusinessStatus}}
	if e.Session != "" {
		p.Data.Booking = &payloadBooking{Session: e.Session, Registration: e.Registration, State: e.BookingState}
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode webhook payload: %w", err)
	}
	return b, nil
}
