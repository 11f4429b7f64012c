package web

import (
	"net/http"
	"sort"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
)

// The event service's check-in window: from checkInEarly before a session starts to checkInLate
// after it ends. The page offers check-in only inside it; the service decides.
const (
	checkInEarly = 2 * time.Hour
	checkInLate  = 24 * time.Hour
)

// referredParticipant is the given name the event service shows a host for a referred person
// who did not agree to share their name with event hosts.
const referredParticipant = "Referred participant"

type attendeeRow struct {
	Name, Initial, Needs, State string
	// Booked is when the person registered, Booking the registration's reference (which the
	// person has on their confirmation, and the link worker on the referral), and Reference the
	// short reference of the referral that booked them, if the host may see it: what tells two
	// people of one name apart, with nothing more about them.
	Booked, Booking, Reference string
	CheckInURL                 string
	Anchor                     string
}

type checkInData struct {
	Event   *eventv1.Event
	Session sessionView
	Query   string
	Rows    []attendeeRow
	// Closed says why check-in is not open now (too early or too late), or is "".
	Closed    string
	ListURL   string
	NoShowURL string
	Ended     bool
	Back      string
}

func (h *Handler) checkInList(w http.ResponseWriter, r *http.Request) {
	_, ev, ok := h.signedInHostsEvent(w, r)
	if !ok {
		return
	}
	h.showCheckIn(w, r, ev, "", http.StatusOK)
}

// showCheckIn renders the check-in list of the session in the request's path, with refused,
// the message of a refused check-in, at the top.
func (h *Handler) showCheckIn(w http.ResponseWriter, r *http.Request, ev *eventv1.Event, refused string, code int) {
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
	now := h.now()
	start, end, zone := ss.GetStartTime().AsTime(), ss.GetEndTime().AsTime(), ss.GetTimeZone()
	// A search is posted, so that names stay out of URLs and browser history.
	q := strings.TrimSpace(r.PostFormValue("q"))
	d := &checkInData{Event: ev, Session: describeSession(l, ev, ss), Query: q, Back: "/host/" + ev.GetName(),
		ListURL: "/host/" + sessionName, NoShowURL: "/host/" + sessionName + "/no-shows", Ended: now.After(end)}
	if opens, closes := start.Add(-checkInEarly), end.Add(checkInLate); now.Before(opens) || now.After(closes) {
		d.Closed = checkInWindowMessage(l, opens, closes, zone, now)
	}
	if refused != "" {
		p.Errors = formErrors{"": refused}
	}
	// In booking order, numbered: the number and the booking time tell apart people whose
	// names the host sees alike.
	all := regs.GetRegistrations()
	sort.SliceStable(all, func(i, j int) bool { return all[i].GetCreateTime().AsTime().Before(all[j].GetCreateTime().AsTime()) })
	n := 0
	for _, reg := range all {
		st := strings.TrimPrefix(reg.GetState().String(), "REGISTRATION_STATE_")
		if st == "CANCELLED" {
			continue
		}
		n++
		booked := reg.GetCreateTime().AsTime()
		row := attendeeRow{Name: reg.GetPerson().GetGivenName(), State: st, Booking: bookingRef(reg.GetName()),
			Booked: l.T("checkin.booked", n, l.ShortDate(booked, zone), l.Time(booked, zone))}
		if row.Name == referredParticipant {
			row.Name = l.T("checkin.referred")
		}
		if fam := []rune(strings.TrimSpace(reg.GetPerson().GetFamilyName())); len(fam) > 0 {
			row.Initial = string(fam[0]) + "."
		}
		if ref := reg.GetReferral(); ref != "" {
			row.Reference = shortRef(ref)
		}
		if q != "" && !matchesAttendee(row, q) {
			continue
		}
		var needs []string
		for _, n := range reg.GetNeeds() {
			needs = append(needs, l.Feature(n))
		}
		row.Needs = strings.Join(needs, ", ")
		id := reg.GetName()[strings.LastIndex(reg.GetName(), "/")+1:]
		row.Anchor = "r-" + id
		if st == "CONFIRMED" {
			row.CheckInURL = "/host/" + reg.GetName() + "/check-in"
		}
		d.Rows = append(d.Rows, row)
	}
	p.Data = d
	h.render(w, code, p)
}

// matchesAttendee reports whether the search q finds row: by the name, the initial, the booking
// or the referral's reference, ignoring case.
func matchesAttendee(row attendeeRow, q string) bool {
	q = strings.ToLower(q)
	for _, s := range []string{row.Name + " " + row.Initial, row.Booking, row.Reference} {
		if s = strings.ToLower(strings.TrimSpace(s)); s != "" && strings.Contains(s, q) {
			return true
		}
	}
	return false
}

func (h *Handler) checkIn(w http.ResponseWriter, r *http.Request) {
	_, ev, ok := h.signedInHostsEvent(w, r)
	if !ok {
		return
	}
	name := ev.GetName() + "/sessions/" + r.PathValue("session") + "/registrations/" + r.PathValue("registration")
	if _, err := h.events.CheckInRegistration(h.callContext(r), &eventv1.CheckInRegistrationRequest{Name: name}); err != nil {
		if h.unauthenticated(w, r, err) {
			return
		}
		if c := status.Code(err); c == codes.FailedPrecondition || c == codes.Aborted {
			// Refused for a reason the host can act on: the list again, saying why.
			l := h.i18n.localizer(h.i18n.choose(r))
			h.showCheckIn(w, r, ev, h.refusal(l, err), http.StatusConflict)
			return
		}
		h.failCall(w, r, err)
		return
	}
	h.confirm(w, r, "flash.checkedin", r.PostFormValue("who"))
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
		if h.unauthenticated(w, r, err) {
			return
		}
		if status.Code(err) == codes.FailedPrecondition {
			l := h.i18n.localizer(h.i18n.choose(r))
			h.showCheckIn(w, r, ev, h.refusal(l, err), http.StatusConflict)
			return
		}
		h.failCall(w, r, err)
		return
	}
	h.confirm(w, r, "flash.noshows", ev.GetTitle())
	http.Redirect(w, r, "/host/"+name, http.StatusSeeOther)
}

// bookingRef is the short reference of a registration, `.../registrations/{id}`: the first six
// letters and digits of its id, in capitals. It says nothing about the person.
func bookingRef(registration string) string {
	id := registration[strings.LastIndex(registration, "/")+1:]
	var b strings.Builder
	for _, c := range strings.ToUpper(id) {
		if b.Len() == 6 {
			break
		}
		if (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') {
			b.WriteRune(c)
		}
	}
	return b.String()
}
