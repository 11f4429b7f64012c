package fhir

import (
	"net/http"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
)

// readOne reads one resource of a type by id: the resource, its version and when it last
// changed.
type readOne func(c *call, h *Handler, rid string) (proto.Message, string, time.Time, *problem)

// readers are the types the facade reads; the CapabilityStatement lists the same.
var readers = map[string]readOne{
	"Task":           viaReferral(func(r *referralv1.Referral, _ string) proto.Message { return taskOf(r) }),
	"ServiceRequest": viaReferral(func(r *referralv1.Referral, _ string) proto.Message { return serviceRequestOf(r) }),
	"Patient":        viaReferral(func(r *referralv1.Referral, _ string) proto.Message { return patientOf(r) }),
	"Consent": viaReferral(func(r *referralv1.Referral, _ string) proto.Message {
		if c := consentOf(r); c != nil {
			return c
		}
		return nil
	}),
	"Goal":        viaReferralPart(goalPart),
	"Observation": viaReferralPart(observationPart),
	"Procedure":   procedureRead,
}

// viaReferral reads a resource that is one view of a referral whose id it shares.
func viaReferral(view func(*referralv1.Referral, string) proto.Message) readOne {
	return func(c *call, h *Handler, rid string) (proto.Message, string, time.Time, *problem) {
		r, p := h.getReferral(c, rid)
		if p != nil {
			return nil, "", time.Time{}, p
		}
		res := view(r, rid)
		if res == nil {
			return nil, "", time.Time{}, notFound("", "no such resource")
		}
		return res, r.GetEtag(), r.GetUpdateTime().AsTime(), nil
	}
}

// viaReferralPart reads a resource that is a part of a referral, id "<referral>.<part>".
func viaReferralPart(view func(*referralv1.Referral, string) proto.Message) readOne {
	return func(c *call, h *Handler, rid string) (proto.Message, string, time.Time, *problem) {
		referral, part, ok := strings.Cut(rid, ".")
		if !ok || part == "" {
			return nil, "", time.Time{}, notFound("", "no such resource")
		}
		r, p := h.getReferral(c, referral)
		if p != nil {
			return nil, "", time.Time{}, p
		}
		res := view(r, part)
		if res == nil {
			return nil, "", time.Time{}, notFound("", "no such resource")
		}
		return res, r.GetEtag(), r.GetUpdateTime().AsTime(), nil
	}
}

func goalPart(r *referralv1.Referral, part string) proto.Message {
	for _, g := range r.GetGoals() {
		if g.GetId() == part {
			return goalOf(r, g)
		}
	}
	return nil
}

func observationPart(r *referralv1.Referral, part string) proto.Message {
	for _, m := range r.GetMeasures() {
		if m.GetId() == part {
			return observationOf(r, m)
		}
	}
	return nil
}

func procedureRead(c *call, h *Handler, rid string) (proto.Message, string, time.Time, *problem) {
	referral, _, _ := strings.Cut(rid, ".")
	r, p := h.getReferral(c, referral)
	if p != nil {
		return nil, "", time.Time{}, p
	}
	for _, a := range h.attended(c, r) {
		if procedureID(referral, a.index) == rid {
			return procedureOf(r, a), r.GetEtag(), r.GetUpdateTime().AsTime(), nil
		}
	}
	return nil, "", time.Time{}, notFound("", "no such resource")
}

// attended are the sessions the person of r attended, with the event and session where the
// caller may read them (a published event is public).
func (h *Handler) attended(c *call, r *referralv1.Referral) []attended {
	out := attendedBookings(r)
	for i := range out {
		session := out[i].booking.GetSession()
		event, _, ok := strings.Cut(session, "/sessions/")
		if !ok {
			continue
		}
		if s, err := h.events.GetSession(c.ctx, &eventv1.GetSessionRequest{Name: session}); err == nil {
			out[i].session = s
		}
		if e, err := h.events.GetEvent(c.ctx, &eventv1.GetEventRequest{Name: event}); err == nil {
			out[i].event = e
		}
	}
	return out
}

// getReferral reads referrals/{rid} with the caller's token: a referral the caller may not see
// is 404, as one that does not exist.
func (h *Handler) getReferral(c *call, rid string) (*referralv1.Referral, *problem) {
	if !idPattern.MatchString(rid) {
		return nil, notFound("", "no such resource")
	}
	r, err := h.referrals.GetReferral(c.ctx, &referralv1.GetReferralRequest{Name: "referrals/" + rid})
	if err != nil {
		return nil, fromRPC(err, "", false, nil)
	}
	return r, nil
}

// read serves read and vread: GET [type]/[id] and GET [type]/[id]/_history/[vid]. Only the
// current version is kept, so a vread of any other is 404.
func (h *Handler) read(w http.ResponseWriter, c *call) *problem {
	typ, rid := c.r.PathValue("type"), c.r.PathValue("id")
	read, ok := readers[typ]
	if !ok {
		if d, ok := directoryReaders[typ]; ok {
			read = d
		} else {
			return unsupported("", "%s is not a resource type this server offers; see /metadata", printable(typ))
		}
	}
	if !scopeGrants(c.id, typ, permRead) {
		return needScope(typ, permRead)
	}
	res, version, updated, p := read(c, h, rid)
	if p != nil {
		return p
	}
	if vid := c.r.PathValue("vid"); vid != "" && vid != version {
		return notFound("", "version %s of %s/%s is not kept; only the current version is", printable(vid), typ, rid)
	}
	return h.write(w, c, http.StatusOK, res, version, updated)
}
