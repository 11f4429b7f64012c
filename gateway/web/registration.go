package web

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	"github.com/socialrx/socialrx/services/platform/calendar"
)

// cancelReason is recorded with a cancellation made through the private link, for the host.
const cancelReason = "cancelled by the person through their private link"

// linkLifetime is how long after its session ends a private link keeps working.
const linkLifetime = 30 * 24 * time.Hour

// registerForm is what a person typed, kept to re-render the form beside its errors.
type registerForm struct {
	GivenName  string
	Email      string
	Phone      string
	Needs      []string
	OtherNeeds string
	RequestID  string
}

// registrationFields maps CreateRegistrationRequest fields to the form's fields.
var registrationFields = fieldMap{
	"registration.person.given_name": "given_name",
	"registration.person.email":      "email",
	"registration.person.phone":      "phone",
	"registration.person":            "given_name",
	"registration.needs":             "needs_other", // the boxes only offer valid needs
}

type sessionView struct {
	EventTitle shown
	EventURL   string
	Date       string
	Time       string
	Venue      string
	SeatsLeft  int32
	Waiting    int32
}

type registerData struct {
	Session  sessionView
	Form     registerForm
	Features []string
	Action   string
}

// sessionOf loads a public event's session, for the registration pages.
func (h *Handler) sessionOf(r *http.Request, eventID, sessionID string) (*eventv1.Event, *eventv1.Session, error) {
	ev, err := h.publicEvent(r, eventID)
	if err != nil {
		return nil, nil, err
	}
	ss, err := h.events.GetSession(h.callContext(r), &eventv1.GetSessionRequest{Name: ev.GetName() + "/sessions/" + sessionID})
	if err != nil {
		return nil, nil, err
	}
	return ev, ss, nil
}

func describeSession(l *localizer, ev *eventv1.Event, ss *eventv1.Session) sessionView {
	return sessionView{
		EventTitle: eventTitle(l, ev),
		EventURL:   "/" + ev.GetName(),
		Date:       l.Date(ss.GetStartTime().AsTime(), ss.GetTimeZone()),
		Time: l.T("format.range", l.Time(ss.GetStartTime().AsTime(), ss.GetTimeZone()),
			l.Time(ss.GetEndTime().AsTime(), ss.GetTimeZone())),
		Venue:     venueName(ev, l),
		SeatsLeft: ss.GetSeatsLeft(),
		Waiting:   ss.GetWaitlistCount(),
	}
}

func (h *Handler) registerForm(w http.ResponseWriter, r *http.Request) {
	ev, ss, err := h.sessionOf(r, r.PathValue("event"), r.PathValue("session"))
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	p := h.newPage(w, r, "register", "events")
	h.showRegister(w, p, ev, ss, registerForm{RequestID: newRequestID()}, http.StatusOK)
}

func (h *Handler) showRegister(w http.ResponseWriter, p *page, ev *eventv1.Event, ss *eventv1.Session, f registerForm, code int) {
	p.Title = p.T("register.title", ev.GetTitle())
	p.Data = &registerData{Session: describeSession(p.localizer, ev, ss), Form: f, Features: commonFeatures,
		Action: "/" + ss.GetName() + "/register"}
	h.render(w, code, p)
}

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "web-" + hex.EncodeToString(b)
}

func (h *Handler) register(w http.ResponseWriter, r *http.Request) {
	ev, ss, err := h.sessionOf(r, r.PathValue("event"), r.PathValue("session"))
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	f := registerForm{
		GivenName:  strings.TrimSpace(r.PostFormValue("given_name")),
		Email:      strings.TrimSpace(r.PostFormValue("email")),
		Phone:      strings.TrimSpace(r.PostFormValue("phone")),
		OtherNeeds: strings.TrimSpace(r.PostFormValue("needs_other")),
		RequestID:  r.PostFormValue("request_id"),
	}
	for _, n := range r.PostForm["needs"] {
		if slices.Contains(commonFeatures, n) {
			f.Needs = append(f.Needs, n)
		}
	}
	if !strings.HasPrefix(f.RequestID, "web-") || len(f.RequestID) > 64 {
		f.RequestID = newRequestID()
	}
	p := h.newPage(w, r, "register", "events")
	if f.Email == "" && f.Phone == "" {
		p.Errors = formErrors{"email": h.fieldMessage(p.localizer, "contact")}
		h.showRegister(w, p, ev, ss, f, http.StatusUnprocessableEntity)
		return
	}
	needs := append([]string(nil), f.Needs...)
	for _, n := range strings.Split(f.OtherNeeds, ",") {
		if n = strings.TrimSpace(n); n != "" {
			needs = append(needs, n)
		}
	}
	// Registering is a person's own act: as the public, whoever is signed in.
	reg, err := h.events.CreateRegistration(r.Context(), &eventv1.CreateRegistrationRequest{
		Parent:    ss.GetName(),
		RequestId: f.RequestID,
		Registration: &eventv1.Registration{
			Person: &eventv1.Person{GivenName: f.GivenName, Email: f.Email, Phone: f.Phone},
			Needs:  needs,
		},
	})
	if err == nil && reg.GetCancelToken() == "" {
		h.logger.Error("web: the event service issued no cancel token", "registration", reg.GetName())
		h.fail(w, r, http.StatusInternalServerError, "error.generic")
		return
	}
	if err != nil {
		var code int
		p.Errors, code = h.explain(p.localizer, err, registrationFields)
		h.showRegister(w, p, ev, ss, f, code)
		return
	}
	tok := h.cancelToken(privateLink{Registration: reg.GetName(), CancelToken: reg.GetCancelToken(),
		State: registrationState(reg.GetState()), Position: reg.GetWaitlistPosition(),
		At: h.now().Unix(), Expires: ss.GetEndTime().AsTime().Add(linkLifetime).Unix()})
	http.Redirect(w, r, "/registration?"+url.Values{"t": {tok}}.Encode(), http.StatusSeeOther)
}

// registrationState is a registration state's short name ("CONFIRMED").
func registrationState(s eventv1.RegistrationState) string {
	return strings.TrimPrefix(s.String(), "REGISTRATION_STATE_")
}

type confirmationData struct {
	Session     sessionView
	Booking     string // the registration's reference, as the host's check-in list shows it
	State       string
	Position    int32
	AsOf        string
	Token       string
	Link        string
	CalendarURL string
	CancelURL   string
	Cancelled   bool
	JustDone    bool
}

// registrationOf opens a private link and loads the public event and session it names. The
// registration itself is what the link says: the public may not read registrations.
func (h *Handler) registrationOf(r *http.Request, tok string) (privateLink, *eventv1.Event, *eventv1.Session, error) {
	l, err := h.openCancelToken(tok)
	if err != nil {
		return l, nil, nil, err
	}
	ctx := r.Context()
	ss, err := h.events.GetSession(ctx, &eventv1.GetSessionRequest{Name: l.sessionName()})
	if err != nil {
		return l, nil, nil, err
	}
	ev, err := h.events.GetEvent(ctx, &eventv1.GetEventRequest{Name: l.sessionName()[:strings.Index(l.sessionName(), "/sessions/")]})
	if err != nil {
		return l, nil, nil, err
	}
	return l, ev, ss, nil
}

func (h *Handler) failLink(w http.ResponseWriter, r *http.Request, err error) {
	if err == ErrBadLink {
		h.fail(w, r, http.StatusNotFound, "error.link")
		return
	}
	h.failCall(w, r, err)
}

func (h *Handler) confirmation(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("t")
	l, ev, ss, err := h.registrationOf(r, tok)
	if err != nil {
		h.failLink(w, r, err)
		return
	}
	h.showConfirmation(w, r, tok, l, ev, ss, r.URL.Query().Get("cancelled") == "1" && l.State == "CANCELLED")
}

func (h *Handler) showConfirmation(w http.ResponseWriter, r *http.Request, tok string, l privateLink, ev *eventv1.Event, ss *eventv1.Session, done bool) {
	p := h.newPage(w, r, "confirmation", "events")
	p.Title = p.T("confirm.title")
	q := url.Values{"t": {tok}}.Encode()
	at := time.Unix(l.At, 0)
	p.Data = &confirmationData{
		Session:     describeSession(p.localizer, ev, ss),
		Booking:     bookingRef(l.Registration),
		State:       l.State,
		Position:    l.Position,
		AsOf:        p.Date(at, ss.GetTimeZone()) + " " + p.Time(at, ss.GetTimeZone()),
		Link:        absolute(r, "/registration", url.Values{"t": {tok}}),
		Token:       tok,
		CalendarURL: "/registration/calendar.ics?" + q,
		CancelURL:   "/registration/cancel?" + q,
		Cancelled:   l.State == "CANCELLED",
		JustDone:    done,
	}
	h.render(w, http.StatusOK, p)
}

func (h *Handler) cancelForm(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("t")
	l, ev, ss, err := h.registrationOf(r, tok)
	if err != nil {
		h.failLink(w, r, err)
		return
	}
	if l.State != "CONFIRMED" && l.State != "WAITLISTED" {
		h.showConfirmation(w, r, tok, l, ev, ss, false)
		return
	}
	p := h.newPage(w, r, "cancel", "events")
	p.Title = p.T("cancel.title")
	p.Data = &confirmationData{Session: describeSession(p.localizer, ev, ss), Token: tok,
		Link: "/registration?" + url.Values{"t": {tok}}.Encode()}
	h.render(w, http.StatusOK, p)
}

// cancel cancels as the public with the link's cancel token, and goes on to a link that says
// the registration is cancelled.
func (h *Handler) cancel(w http.ResponseWriter, r *http.Request) {
	l, err := h.openCancelToken(r.PostFormValue("t"))
	if err != nil {
		h.failLink(w, r, err)
		return
	}
	reg, err := h.events.CancelRegistration(r.Context(), &eventv1.CancelRegistrationRequest{
		Name: l.Registration, Reason: cancelReason, CancelToken: l.CancelToken,
	})
	if err != nil {
		h.failCall(w, r, err)
		return
	}
	l.State, l.Position, l.At = registrationState(reg.GetState()), reg.GetWaitlistPosition(), h.now().Unix()
	// Post, then redirect: reloading the page that says so does not post again.
	http.Redirect(w, r, "/registration?"+url.Values{"t": {h.cancelToken(l)}, "cancelled": {"1"}}.Encode(), http.StatusSeeOther)
}

// registrationCalendar serves the registered session as an .ics file.
func (h *Handler) registrationCalendar(w http.ResponseWriter, r *http.Request) {
	l, ev, ss, err := h.registrationOf(r, r.URL.Query().Get("t"))
	if err != nil {
		h.failLink(w, r, err)
		return
	}
	text := eventTextFor(h.i18n.localizer(h.i18n.choose(r)), ev)
	s := calendar.Session{
		UID:         ss.GetName() + "@socialrx.org",
		Summary:     text.Title,
		Description: text.Description,
		Language:    cmp.Or(text.Lang, "en"),
		URL:         absolute(r, "/"+ev.GetName(), nil),
		Start:       ss.GetStartTime().AsTime(),
		End:         ss.GetEndTime().AsTime(),
		TimeZone:    ss.GetTimeZone(),
		Cancelled:   l.State == "CANCELLED" || ss.GetState() == eventv1.SessionState_SESSION_STATE_CANCELLED,
	}
	if ss.GetUpdateTime() != nil {
		s.LastModified = ss.GetUpdateTime().AsTime()
	}
	if v := ev.GetVenue(); v != nil {
		s.Location = v.GetDisplayName()
		if v.GetLatitude() != 0 || v.GetLongitude() != 0 {
			lat, lon := v.GetLatitude(), v.GetLongitude()
			s.Latitude, s.Longitude = &lat, &lon
		}
	}
	var buf bytes.Buffer
	if err := calendar.Write(&buf, text.Title, []calendar.Session{s}, h.now()); err != nil {
		h.logger.Error("web: registration calendar", "error", err)
		h.fail(w, r, http.StatusInternalServerError, "error.generic")
		return
	}
	w.Header().Set("Content-Type", calendar.ContentType)
	w.Header().Set("Content-Disposition", `attachment; filename="registration.ics"`)
	_, _ = buf.WriteTo(w)
}
