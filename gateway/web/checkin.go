package web

import (
	"net/http"
	"strings"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
)

type attendeeRow struct {
	Name, Needs, State string
	CheckInURL         string
	Anchor             string
}

type checkInData struct {
	Event     *eventv1.Event
	Session   sessionView
	Query     string
	Rows      []attendeeRow
	NoShowURL string
	Ended     bool
	Back      string
}

func (h *Handler) checkInList(w http.ResponseWriter, r *http.Request) {
	_, ev, ok := h.signedInHostsEvent(w, r)
	if !ok {
		return
	}
	ctx := h.callContext(r)
	sessionName := ev.GetName() + "/sessions/" + r.PathValue("session")
	ss, err := h.events.GetSession(ctx, &eventv1.GetSessionRequest{Name: sessionName})
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	regs, err := h.events.ListRegistrations(ctx, &eventv1.ListRegistrationsRequest{Parent: sessionName, PageSize: 1000})
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	p := h.newPage(w, r, "checkin", "host")
	l := p.localizer
	p.Title = p.T("checkin.title", ev.GetTitle())
	// A search by name is posted, so that names stay out of URLs and browser history.
	q := strings.TrimSpace(r.PostFormValue("q"))
	d := &checkInData{Event: ev, Session: describeSession(l, ev, ss), Query: q, Back: "/host/" + ev.GetName(),
		NoShowURL: "/host/" + sessionName + "/no-shows", Ended: h.now().After(ss.GetEndTime().AsTime())}
	for _, reg := range regs.GetRegistrations() {
		st := strings.TrimPrefix(reg.GetState().String(), "REGISTRATION_STATE_")
		if st == "CANCELLED" {
			continue
		}
		name := reg.GetPerson().GetGivenName()
		if q != "" && !strings.Contains(strings.ToLower(name), strings.ToLower(q)) {
			continue
		}
		var needs []string
		for _, n := range reg.GetNeeds() {
			needs = append(needs, l.Feature(n))
		}
		id := reg.GetName()[strings.LastIndex(reg.GetName(), "/")+1:]
		row := attendeeRow{Name: name, Needs: strings.Join(needs, ", "), State: st, Anchor: "r-" + id}
		if st == "CONFIRMED" {
			row.CheckInURL = "/host/" + reg.GetName() + "/check-in"
		}
		d.Rows = append(d.Rows, row)
	}
	p.Data = d
	h.render(w, http.StatusOK, p)
}

func (h *Handler) checkIn(w http.ResponseWriter, r *http.Request) {
	_, ev, ok := h.signedInHostsEvent(w, r)
	if !ok {
		return
	}
	name := ev.GetName() + "/sessions/" + r.PathValue("session") + "/registrations/" + r.PathValue("registration")
	if _, err := h.events.CheckInRegistration(h.callContext(r), &eventv1.CheckInRegistrationRequest{Name: name}); err != nil {
		h.failCall(w, r, err)
		return
	}
	back := "/host/" + ev.GetName() + "/sessions/" + r.PathValue("session")
	http.Redirect(w, r, back+"#r-"+r.PathValue("registration"), http.StatusSeeOther)
}

func (h *Handler) markNoShows(w http.ResponseWriter, r *http.Request) {
	_, ev, ok := h.signedInHostsEvent(w, r)
	if !ok {
		return
	}
	name := ev.GetName() + "/sessions/" + r.PathValue("session")
	if _, err := h.events.MarkNoShows(h.callContext(r), &eventv1.MarkNoShowsRequest{Name: name}); err != nil {
		h.failCall(w, r, err)
		return
	}
	http.Redirect(w, r, "/host/"+name, http.StatusSeeOther)
}
