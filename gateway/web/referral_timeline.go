package web

import (
	"context"
	"regexp"
	"strconv"
	"strings"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
)

// The notes the referral service writes itself, in English, on the changes it records: the page
// says each in its own language, naming goals by their words and sessions by their event and
// time. A note a person typed, or one of a form this list does not know, is shown as written.
var (
	goalSetNote      = regexp.MustCompile(`^goal (\S+) set: (.*)$`)
	goalProgressNote = regexp.MustCompile(`^goal (\S+) at (\d+)%: ?(.*)$`)
	measureNote      = regexp.MustCompile(`^([A-Z0-9]+) (baseline|follow_up) recorded: total (-?\d+)(?:, change from baseline \[([-\d ]*)\])?$`)
	consentNote      = regexp.MustCompile(`^consent granted by (.+?)(?: for (.*))?$`)
	// eventNote is a note of the event service's news on a booking, ending with its session.
	eventNote = regexp.MustCompile(`^(promoted from the waitlist to a confirmed place|attended the event|did not attend the event|the event registration was cancelled|the event session was rescheduled|the event session was cancelled: (.*)) \((\S+)\)$`)
)

// eventNoteKeys are the messages of eventNote's phrases.
var eventNoteKeys = map[string]string{
	"promoted from the waitlist to a confirmed place": "timeline.note.promoted",
	"attended the event":                              "timeline.note.attended",
	"did not attend the event":                        "timeline.note.no-show",
	"the event registration was cancelled":            "timeline.note.registration-cancelled",
	"the event session was rescheduled":               "timeline.note.rescheduled",
}

// timelineView is one timeline entry as the page shows it.
func (h *Handler) timelineView(ctx context.Context, l *localizer, seen sessionLabels, who people, goals map[string]string, e *referralv1.TimelineEntry) timelineRow {
	when := e.GetTime().AsTime()
	row := timelineRow{
		Time:  l.Date(when, h.zone.String()) + " " + l.Time(when, h.zone.String()),
		Actor: actorName(l, who, e.GetActor()),
		What:  timelineWhat(l, e),
	}
	reason := e.GetReason()
	if e.GetKind() == referralv1.TimelineKind_TIMELINE_KIND_CONTACT_ATTEMPT {
		switch reason {
		case "reached":
			reason = l.T("timeline.contact.reached")
		case "not reached":
			reason = l.T("timeline.contact.not-reached")
		}
	}
	row.Note = strings.TrimSpace(reason + " " + h.systemNote(ctx, l, seen, goals, e))
	return row
}

// actorName names who made a change: a practitioner by name, the services by what they do.
func actorName(l *localizer, who people, actor string) string {
	switch {
	case actor == "services/event":
		return l.T("timeline.actor.events")
	case strings.HasPrefix(actor, "services/"):
		return l.T("timeline.actor.system")
	}
	return who.name(actor)
}

// systemNote is e's note in the page's language when the referral service wrote it.
func (h *Handler) systemNote(ctx context.Context, l *localizer, seen sessionLabels, goals map[string]string, e *referralv1.TimelineEntry) string {
	note := e.GetNote()
	switch e.GetKind() {
	case referralv1.TimelineKind_TIMELINE_KIND_GOAL:
		if m := goalSetNote.FindStringSubmatch(note); m != nil {
			return l.T("timeline.note.goal-set", m[2])
		}
		if m := goalProgressNote.FindStringSubmatch(note); m != nil {
			percent, _ := strconv.Atoi(m[2])
			goal := goals[m[1]]
			if goal == "" {
				goal = m[1]
			}
			out := l.T("timeline.note.goal-progress", goal, percent)
			if m[3] != "" {
				out += " " + m[3]
			}
			return out
		}
	case referralv1.TimelineKind_TIMELINE_KIND_MEASURE:
		if m := measureNote.FindStringSubmatch(note); m != nil && h.i18n.keys["measure."+m[1]+".name"] {
			total, _ := strconv.Atoi(m[3])
			name, timepoint := l.T("measure."+m[1]+".name"), l.T("timepoint."+strings.ToUpper(m[2]))
			out := l.T("timeline.note.measure", name, timepoint, total)
			if m[1] == "ONS4" { // ONS4 has no total: each item is its own measure
				out = l.T("timeline.note.measure.items", name, timepoint)
			}
			if m[4] != "" {
				out += " " + l.T("timeline.note.measure.change", signed(strings.Fields(m[4])))
			}
			return out
		}
	case referralv1.TimelineKind_TIMELINE_KIND_CONSENT:
		if note == "consent withdrawn" {
			return l.T("timeline.note.consent-withdrawn")
		}
		if m := consentNote.FindStringSubmatch(note); m != nil {
			var granted []string
			if m[2] != "" {
				granted = strings.Split(m[2], ", ")
			}
			by, scopes := h.consentWords(l, m[1], granted)
			if scopes == "" {
				return l.T("timeline.note.consent", by)
			}
			return l.T("timeline.note.consent-for", by, scopes)
		}
	case referralv1.TimelineKind_TIMELINE_KIND_UPDATED:
		if note == "details updated" {
			return "" // the entry's kind says it
		}
	case referralv1.TimelineKind_TIMELINE_KIND_EVENT_UPDATE:
		if m := eventNote.FindStringSubmatch(note); m != nil && sessionNamePattern.MatchString(m[3]) {
			label := h.sessionLabel(ctx, l, seen, m[3])
			if key, ok := eventNoteKeys[m[1]]; ok {
				return l.T(key, label)
			}
			return l.T("timeline.note.session-cancelled", label, m[2])
		}
	}
	return h.timelineNote(ctx, l, seen, note)
}

// consentWords says who gave a consent ("subject" is the person themselves) and what it covers,
// in the page's language; a scope without a message is shown as it is named.
func (h *Handler) consentWords(l *localizer, grantedBy string, scopes []string) (by, covers string) {
	by = grantedBy
	if by == "subject" {
		by = l.T("consent.subject.by")
	}
	words := make([]string, 0, len(scopes))
	for _, s := range scopes {
		if key := "consent.scope." + s; h.i18n.keys[key] {
			s = l.T(key)
		}
		words = append(words, s)
	}
	return by, strings.Join(words, ", ")
}

// signed writes the changes of a measure's items with their sign: "-4", "+1".
func signed(values []string) string {
	for i, v := range values {
		if !strings.HasPrefix(v, "-") && v != "0" {
			values[i] = "+" + v
		}
	}
	return strings.Join(values, ", ")
}
