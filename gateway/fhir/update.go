package fhir

import (
	"encoding/json"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"
	jsonpatch "gopkg.in/evanphx/json-patch.v4"

	c4 "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	taskpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/task_go_proto"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
)

// update serves PUT and PATCH (JSON Patch) of a Task: the performer's or the referrer's system
// moves the referral through the same guarded transitions as the gRPC API. Only status and
// statusReason (and, to accept, owner naming the link worker) may change; If-Match names the
// version the change is made against.
func (h *Handler) update(w http.ResponseWriter, c *call) *problem {
	typ, rid := c.r.PathValue("type"), c.r.PathValue("id")
	if typ != "Task" {
		if _, ok := readers[typ]; ok {
			return unsupported("", "%s cannot be changed here; only Task is updated (PUT or PATCH)", typ)
		}
		return unsupported("", "%s is not a resource type this server offers; see /metadata", printable(typ))
	}
	if !scopeGrants(c.id, "Task", permUpdate) {
		return needScope("Task", permUpdate)
	}
	version, p := ifMatch(c.r)
	if p != nil {
		return p
	}
	r, p := h.getReferral(c, rid)
	if p != nil {
		return p
	}
	if version != "" && version != r.GetEtag() {
		return &problem{http.StatusPreconditionFailed, c4.IssueTypeCode_CONFLICT, "", "If-Match names version " + version + "; the current version is " + r.GetEtag()}
	}
	current := taskOf(r)
	body, p := h.readBody(c.r)
	if p != nil {
		return p
	}
	if c.r.Method == http.MethodPatch {
		if ct := c.r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json-patch+json") {
			return &problem{http.StatusUnsupportedMediaType, c4.IssueTypeCode_NOT_SUPPORTED, "", "PATCH takes a JSON Patch, application/json-patch+json"}
		}
		patch, err := jsonpatch.DecodePatch(body)
		if err != nil {
			return invalid("", "not a JSON Patch: %s", printable(err.Error()))
		}
		doc, err := h.codec.encode(current)
		if err != nil {
			return &problem{http.StatusInternalServerError, c4.IssueTypeCode_EXCEPTION, "", "encode: " + err.Error()}
		}
		if body, err = patch.Apply(doc); err != nil {
			return &problem{http.StatusUnprocessableEntity, c4.IssueTypeCode_PROCESSING, "", "the patch does not apply: " + printable(err.Error())}
		}
	}
	res, err := h.codec.decode(body)
	if err != nil {
		return libraryError(err, "Task")
	}
	t, ok := res.(*taskpb.Task)
	if !ok {
		return invalid("resourceType", "the body must be a Task, not %s", resourceType(res))
	}
	if t.GetId().GetValue() != rid {
		return invalid("Task.id", "the Task's id must be %s, the id of the URL", rid)
	}
	if p := h.onlyStatusChanged(current, t); p != nil {
		return p
	}
	changed, p := h.transition(c, r, current, t, version)
	if p != nil {
		return p
	}
	return h.write(w, c, http.StatusOK, taskOf(changed), changed.GetEtag(), changed.GetUpdateTime().AsTime())
}

// onlyStatusChanged refuses a change of anything but status, statusReason and the owner (to a
// practitioner, to accept). Meta, lastModified and the narrative are the server's and are not
// compared. Both are compared as the JSON they are, so that a reference reads the same however
// the library holds it.
func (h *Handler) onlyStatusChanged(current, next *taskpb.Task) *problem {
	a, b := proto.Clone(current).(*taskpb.Task), proto.Clone(next).(*taskpb.Task)
	for _, t := range []*taskpb.Task{a, b} {
		t.Meta, t.LastModified, t.Status, t.StatusReason, t.Text = nil, nil, nil, nil, nil
	}
	if strings.HasPrefix(refString(b.GetOwner()), "Practitioner/") {
		a.Owner, b.Owner = nil, nil
	}
	was, err := h.jsonOf(a)
	if err != nil {
		return &problem{http.StatusInternalServerError, c4.IssueTypeCode_EXCEPTION, "", "encode: " + err.Error()}
	}
	is, err := h.jsonOf(b)
	if err != nil {
		return &problem{http.StatusInternalServerError, c4.IssueTypeCode_EXCEPTION, "", "encode: " + err.Error()}
	}
	for _, k := range slices.Sorted(maps.Keys(mergeKeys(was, is))) {
		if !reflect.DeepEqual(was[k], is[k]) {
			return businessRule("Task."+k, "only Task.status and Task.statusReason change here; Task.%s follows the referral", k)
		}
	}
	return nil
}

func (h *Handler) jsonOf(t *taskpb.Task) (map[string]any, error) {
	b, err := h.codec.encode(t)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m)
}

func mergeKeys(a, b map[string]any) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// transition makes the referral's change that takes the Task from its status to next's.
func (h *Handler) transition(c *call, r *referralv1.Referral, current, next *taskpb.Task, version string) (*referralv1.Referral, *problem) {
	from, to := current.GetStatus().GetValue(), next.GetStatus().GetValue()
	reason := next.GetStatusReason().GetText().GetValue()
	if reason == "" {
		for _, cd := range next.GetStatusReason().GetCoding() {
			if d := cd.GetDisplay().GetValue(); d != "" {
				reason = d
			}
		}
	}
	if from == to {
		return r, nil
	}
	name := r.GetName()
	var out *referralv1.Referral
	var err error
	needReason := func() *problem {
		if reason == "" {
			return businessRule("Task.statusReason", "moving the Task to %s needs a reason in statusReason.text", taskStatusCode(to))
		}
		return nil
	}
	switch to {
	case c4.TaskStatusCode_REQUESTED:
		out, err = h.referrals.SubmitReferral(c.ctx, &referralv1.SubmitReferralRequest{Name: name, Etag: version})
	case c4.TaskStatusCode_ACCEPTED:
		prac, ok := strings.CutPrefix(refString(next.GetOwner()), "Practitioner/")
		if !ok {
			return nil, businessRule("Task.owner", "accepting names the link worker who takes it on: owner Practitioner/[id]")
		}
		out, err = h.referrals.AcceptReferral(c.ctx, &referralv1.AcceptReferralRequest{Name: name, Assignee: "practitioners/" + prac, Etag: version})
	case c4.TaskStatusCode_REJECTED:
		if p := needReason(); p != nil {
			return nil, p
		}
		out, err = h.referrals.RejectReferral(c.ctx, &referralv1.RejectReferralRequest{Name: name, Reason: reason, Etag: version})
	case c4.TaskStatusCode_IN_PROGRESS:
		if from == c4.TaskStatusCode_ON_HOLD {
			out, err = h.referrals.ResumeReferral(c.ctx, &referralv1.ResumeReferralRequest{Name: name, Etag: version})
		} else {
			out, err = h.referrals.StartReferral(c.ctx, &referralv1.StartReferralRequest{Name: name, Etag: version})
		}
	case c4.TaskStatusCode_ON_HOLD:
		if p := needReason(); p != nil {
			return nil, p
		}
		out, err = h.referrals.HoldReferral(c.ctx, &referralv1.HoldReferralRequest{Name: name, Reason: reason, Etag: version})
	case c4.TaskStatusCode_COMPLETED:
		out, err = h.referrals.CompleteReferral(c.ctx, &referralv1.CompleteReferralRequest{Name: name, Note: reason, Etag: version})
	case c4.TaskStatusCode_FAILED:
		if p := needReason(); p != nil {
			return nil, p
		}
		out, err = h.referrals.FailReferral(c.ctx, &referralv1.FailReferralRequest{Name: name, Reason: reason, Etag: version})
	case c4.TaskStatusCode_CANCELLED:
		if p := needReason(); p != nil {
			return nil, p
		}
		out, err = h.referrals.CancelReferral(c.ctx, &referralv1.CancelReferralRequest{Name: name, Reason: reason, Etag: version})
	case c4.TaskStatusCode_ENTERED_IN_ERROR:
		if p := needReason(); p != nil {
			return nil, p
		}
		out, err = h.referrals.MarkReferralEnteredInError(c.ctx, &referralv1.MarkReferralEnteredInErrorRequest{Name: name, Reason: reason, Etag: version})
	default:
		return nil, businessRule("Task.status", "a referral is never %s: its lifecycle has draft, requested, accepted, rejected, in-progress, on-hold, completed, failed, cancelled and entered-in-error", taskStatusCode(to))
	}
	if err != nil {
		return nil, fromRPC(err, "Task.status", version != "", func(f string) string {
			return map[string]string{"assignee": "Task.owner", "reason": "Task.statusReason.text", "note": "Task.statusReason.text", "etag": "If-Match"}[f]
		})
	}
	return out, nil
}
