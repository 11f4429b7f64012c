package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/auth"
	"google.golang.org/protobuf/types/known/timestamppb"
)

type hostEventRow struct {
	URL, Title, State, Reason string
}

type hostHomeData struct {
	Organization string
	Events       []hostEventRow
}

// stateName is an event state's short name ("DRAFT").
func stateName(s eventv1.EventState) string { return strings.TrimPrefix(s.String(), "EVENT_STATE_") }

func (h *Handler) hostHome(w http.ResponseWriter, r *http.Request) {
	person, ok := h.requireRole(w, r, auth.RoleEventHost)
	if !ok {
		return
	}
	ctx := h.callContext(r)
	facts, ok := h.names(ctx, w, r)
	if !ok {
		return
	}
	resp, err := h.events.ListEvents(ctx, &eventv1.ListEventsRequest{PageSize: 200,
		Filter: fmt.Sprintf("host_organization = %q", person.Organization)})
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	p := h.newPage(w, r, "host", "host")
	p.Title = p.T("host.title")
	d := &hostHomeData{Organization: facts.orgs[person.Organization]}
	for _, ev := range resp.GetEvents() {
		d.Events = append(d.Events, hostEventRow{URL: "/host/" + ev.GetName(), Title: ev.GetTitle(),
			State: stateName(ev.GetState()), Reason: ev.GetStateReason()})
	}
	p.Data = d
	h.render(w, http.StatusOK, p)
}

// signedInHostsEvent is the signed-in host and the event of their organisation the request
// names; without either it has answered already.
func (h *Handler) signedInHostsEvent(w http.ResponseWriter, r *http.Request) (Person, *eventv1.Event, bool) {
	person, ok := h.requireRole(w, r, auth.RoleEventHost)
	if !ok {
		return person, nil, false
	}
	ev, ok := h.hostsEvent(w, r, person)
	return person, ev, ok
}

// hostsEvent loads an event of the signed-in host's organisation; another's is not found.
func (h *Handler) hostsEvent(w http.ResponseWriter, r *http.Request, person Person) (*eventv1.Event, bool) {
	ev, err := h.events.GetEvent(h.callContext(r), &eventv1.GetEventRequest{Name: "events/" + r.PathValue("event")})
	if err == nil && ev.GetHostOrganization() != person.Organization {
		err = apierror.NotFound(ev.GetName())
	}
	if err != nil {
		h.failCall(w, r, err)
		return nil, false
	}
	return ev, true
}

type hostSessionRow struct {
	Date, Time         string
	Capacity           int32
	Confirmed, Waiting int32
	Cancelled          bool
	URL                string
}

type hostEventData struct {
	Event     *eventv1.Event
	State     string
	Category  string
	Venue     string
	Sessions  []hostSessionRow
	CanSubmit bool
	CanEdit   bool
	PublicURL string
	// The form that adds a session, with what was typed when it was refused.
	NewSession newSessionForm
	TimeZones  []string
}

type newSessionForm struct {
	Session   sessionForm
	TimeZone  string
	RequestID string
}

func (h *Handler) hostEvent(w http.ResponseWriter, r *http.Request) {
	_, ev, ok := h.signedInHostsEvent(w, r)
	if !ok {
		return
	}
	// After signing in again, the session that was being added comes back as typed.
	if action, typed := h.resumed(r); typed != nil && action == "/host/"+ev.GetName()+"/sessions" {
		ns := newSessionFormFrom(typed)
		h.showHostEventPage(w, r, ev, nil, http.StatusOK, &ns, true)
		return
	}
	h.showHostEvent(w, r, ev, nil, http.StatusOK, nil)
}

// newSessionFormFrom reads the add-session form from its posted values.
func newSessionFormFrom(form url.Values) newSessionForm {
	v := func(k string) string { return strings.TrimSpace(form.Get(k)) }
	ns := newSessionForm{Session: sessionForm{Date: v("s1_date"), Start: v("s1_start"), End: v("s1_end"), Capacity: v("s1_capacity")},
		TimeZone: v("time_zone"), RequestID: v("request_id")}
	if !strings.HasPrefix(ns.RequestID, "web-") || len(ns.RequestID) > 60 {
		ns.RequestID = newRequestID()
	}
	return ns
}

// showHostEvent renders the host's page of ev; ns is the add-session form as typed, nil for an
// empty one.
func (h *Handler) showHostEvent(w http.ResponseWriter, r *http.Request, ev *eventv1.Event, errs formErrors, code int, ns *newSessionForm) {
	h.showHostEventPage(w, r, ev, errs, code, ns, false)
}

// showHostEventPage is showHostEvent, saying whether the add-session form is shown again after
// signing in again.
func (h *Handler) showHostEventPage(w http.ResponseWriter, r *http.Request, ev *eventv1.Event, errs formErrors, code int, ns *newSessionForm, resumed bool) {
	sessions, err := h.events.ListSessions(h.callContext(r), &eventv1.ListSessionsRequest{Parent: ev.GetName(), PageSize: 100})
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	p := h.newPage(w, r, "hostdetail", "host")
	l := p.localizer
	p.Title = ev.GetTitle()
	p.Errors = errs
	p.Resumed = resumed
	st := stateName(ev.GetState())
	d := &hostEventData{Event: ev, State: st, Category: l.Category(ev.GetCategory().String()), Venue: venueName(ev, l),
		CanSubmit: st == "DRAFT" || st == "REJECTED", CanEdit: st != "CANCELLED" && st != "COMPLETED",
		TimeZones: timeZones, NewSession: newSessionForm{TimeZone: timeZones[0], RequestID: newRequestID()}}
	if ns != nil {
		d.NewSession = *ns
	}
	if len(sessions.GetSessions()) > 0 {
		d.NewSession.TimeZone = sessions.GetSessions()[0].GetTimeZone()
		if ns != nil {
			d.NewSession.TimeZone = ns.TimeZone
		}
	}
	if st == "PUBLISHED" {
		d.PublicURL = "/" + ev.GetName()
	}
	for _, ss := range sessions.GetSessions() {
		d.Sessions = append(d.Sessions, hostSessionRow{
			Date: l.Date(ss.GetStartTime().AsTime(), ss.GetTimeZone()),
			Time: l.T("format.range", l.Time(ss.GetStartTime().AsTime(), ss.GetTimeZone()),
				l.Time(ss.GetEndTime().AsTime(), ss.GetTimeZone())),
			Capacity: ss.GetCapacity(), Confirmed: ss.GetConfirmedCount(), Waiting: ss.GetWaitlistCount(),
			Cancelled: ss.GetState() == eventv1.SessionState_SESSION_STATE_CANCELLED,
			URL:       "/host/" + ss.GetName(),
		})
	}
	p.Data = d
	h.render(w, code, p)
}

func (h *Handler) hostSubmit(w http.ResponseWriter, r *http.Request) {
	_, ev, ok := h.signedInHostsEvent(w, r)
	if !ok {
		return
	}
	_, err := h.events.SubmitEvent(h.callContext(r), &eventv1.SubmitEventRequest{Name: ev.GetName(), Etag: r.PostFormValue("etag")})
	if h.unauthenticated(w, r, err) {
		return
	}
	if err != nil {
		l := h.i18n.localizer(h.i18n.choose(r))
		errs, code := h.explain(l, err, nil)
		// Show the event as it is now, with what went wrong.
		if fresh, err := h.events.GetEvent(h.callContext(r), &eventv1.GetEventRequest{Name: ev.GetName()}); err == nil {
			ev = fresh
		}
		h.showHostEvent(w, r, ev, errs, code, nil)
		return
	}
	h.confirm(w, r, "flash.submitted", ev.GetTitle())
	http.Redirect(w, r, "/host/"+ev.GetName(), http.StatusSeeOther)
}

// hostAddSession adds a session to the host's event; a refused one comes back beside its fields.
func (h *Handler) hostAddSession(w http.ResponseWriter, r *http.Request) {
	_, ev, ok := h.signedInHostsEvent(w, r)
	if !ok {
		return
	}
	ns := newSessionFormFrom(r.PostForm)
	l := h.i18n.localizer(h.i18n.choose(r))
	errs := formErrors{}
	zone, err := time.LoadLocation(ns.TimeZone)
	if err != nil || !slices.Contains(timeZones, ns.TimeZone) {
		errs["time_zone"] = h.fieldMessage(l, "time_zone")
		zone = h.zone
	}
	start, end, capacity, ok := h.sessionTimes(l, 0, ns.Session, zone, errs)
	if !ok || len(errs) > 0 {
		h.showHostEvent(w, r, ev, errs, http.StatusUnprocessableEntity, &ns)
		return
	}
	_, err = h.events.CreateSession(h.callContext(r), &eventv1.CreateSessionRequest{Parent: ev.GetName(), RequestId: ns.RequestID,
		Session: &eventv1.Session{StartTime: timestamppb.New(start), EndTime: timestamppb.New(end), TimeZone: ns.TimeZone, Capacity: capacity}})
	if h.unauthenticated(w, r, err) {
		return
	}
	if err != nil {
		errs, code := h.explain(l, err, sessionFields(0))
		h.showHostEvent(w, r, ev, errs, code, &ns)
		return
	}
	h.confirm(w, r, "flash.session.added", ev.GetTitle())
	http.Redirect(w, r, "/host/"+ev.GetName(), http.StatusSeeOther)
}
