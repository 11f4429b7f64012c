package web

import (
	"net/http"
	"strings"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
)

type reviewRow struct {
	Event      *eventv1.Event
	ID         string
	Host       string
	Category   string
	Venue      string
	Sessions   []string
	RejectOpen bool
	Reason     string // as typed, when shown again
}

type reviewData struct {
	Rows []reviewRow
}

func (h *Handler) reviewQueue(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.requireRole(w, r, auth.RoleModerator); !ok {
		return
	}
	// After signing in again, a rejection being written comes back with its reason.
	if action, typed := h.resumed(r); typed != nil && strings.HasPrefix(action, "/moderate/events/") && strings.HasSuffix(action, "/reject") {
		id := strings.TrimSuffix(strings.TrimPrefix(action, "/moderate/events/"), "/reject")
		h.showReviewQueueWith(w, r, id, nil, http.StatusOK, strings.TrimSpace(typed.Get("reason")))
		return
	}
	h.showReviewQueue(w, r, "", nil, http.StatusOK)
}

// showReviewQueue renders the submitted events; errs, when set, belong to the event failed.
func (h *Handler) showReviewQueue(w http.ResponseWriter, r *http.Request, failed string, errs formErrors, code int) {
	h.showReviewQueueWith(w, r, failed, errs, code, "")
}

// showReviewQueueWith is showReviewQueue with the reject form of event failed open and, after
// signing in again, its reason as typed.
func (h *Handler) showReviewQueueWith(w http.ResponseWriter, r *http.Request, failed string, errs formErrors, code int, reason string) {
	ctx := h.callContext(r)
	resp, err := h.events.ListEvents(ctx, &eventv1.ListEventsRequest{PageSize: 200, Filter: "state = SUBMITTED"})
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	facts, ok := h.names(ctx, w, r)
	if !ok {
		return
	}
	p := h.newPage(w, r, "moderate", "moderate")
	l := p.localizer
	p.Title = p.T("moderate.title")
	d := &reviewData{}
	for _, ev := range resp.GetEvents() {
		id := strings.TrimPrefix(ev.GetName(), "events/")
		row := reviewRow{Event: ev, ID: id, Host: facts.orgs[ev.GetHostOrganization()],
			Category: l.Category(ev.GetCategory().String()), Venue: venueName(ev, l)}
		if id == failed {
			p.Errors = errs
			row.RejectOpen = true
			if reason != "" {
				row.Reason, p.Resumed = reason, true
			}
		}
		ss, err := h.events.ListSessions(ctx, &eventv1.ListSessionsRequest{Parent: ev.GetName(), PageSize: 100})
		if err != nil {
			h.failCall(w, r, err)
			return
		}
		for _, s := range ss.GetSessions() {
			row.Sessions = append(row.Sessions, l.Date(s.GetStartTime().AsTime(), s.GetTimeZone())+" · "+
				l.T("format.range", l.Time(s.GetStartTime().AsTime(), s.GetTimeZone()), l.Time(s.GetEndTime().AsTime(), s.GetTimeZone()))+
				" · "+l.T("moderate.capacity", s.GetCapacity()))
		}
		d.Rows = append(d.Rows, row)
	}
	p.Data = d
	h.render(w, code, p)
}

var moderationFields = fieldMap{"reason": "reason"}

func (h *Handler) publish(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.requireRole(w, r, auth.RoleModerator); !ok {
		return
	}
	id := r.PathValue("event")
	_, err := h.events.PublishEvent(h.callContext(r), &eventv1.PublishEventRequest{Name: "events/" + id, Etag: r.PostFormValue("etag")})
	h.moderated(w, r, id, err)
}

func (h *Handler) reject(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.requireRole(w, r, auth.RoleModerator); !ok {
		return
	}
	id := r.PathValue("event")
	_, err := h.events.RejectEvent(h.callContext(r), &eventv1.RejectEventRequest{Name: "events/" + id,
		Reason: strings.TrimSpace(r.PostFormValue("reason")), Etag: r.PostFormValue("etag")})
	h.moderated(w, r, id, err)
}

// moderated goes back to the queue, or shows it again with what went wrong beside the event: a
// missing reason, or a host who changed the event meanwhile (the queue shows the new version).
func (h *Handler) moderated(w http.ResponseWriter, r *http.Request, id string, err error) {
	if h.unauthenticated(w, r, err) {
		return
	}
	if err == nil {
		http.Redirect(w, r, "/moderate", http.StatusSeeOther)
		return
	}
	l := h.i18n.localizer(h.i18n.choose(r))
	errs, code := h.explain(l, err, moderationFields)
	// Each event has its own reason field; the summary's link goes to the one that failed.
	if msg, ok := errs["reason"]; ok {
		delete(errs, "reason")
		errs["reason-"+id] = msg
	}
	h.showReviewQueue(w, r, id, errs, code)
}
