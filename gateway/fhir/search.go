package fhir

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	c4 "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	d4 "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	bcrpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/bundle_and_contained_resource_go_proto"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
)

// pageTokenParam carries the service's page token in the next link.
const pageTokenParam = "_page_token"

// searchParams are the parameters each type's search takes; any other is 400 (the facade
// searches strictly, so a misspelt parameter is never silently ignored).
var searchParams = map[string][]string{
	"Task":           {"owner", "status", "_lastUpdated", "_include", "_count", pageTokenParam},
	"ServiceRequest": {"subject", "status", "_lastUpdated", "_revinclude", "_count", pageTokenParam},
	"Patient":        {"family", "given", "birthdate", "_count", pageTokenParam},
}

// matched is one resource of a search result, with whether it matched or was included.
type matched struct {
	res      proto.Message
	included bool
}

// search serves GET [type]?params, answering a searchset Bundle.
func (h *Handler) search(w http.ResponseWriter, c *call) *problem {
	typ := c.r.PathValue("type")
	allowed, ok := searchParams[typ]
	if !ok {
		if d, ok := directorySearches[typ]; ok {
			return h.searchDirectory(w, c, typ, d)
		}
		if _, ok := readers[typ]; ok {
			return unsupported("", "%s offers read only, no search; see /metadata", typ)
		}
		return unsupported("", "%s is not a resource type this server offers; see /metadata", printable(typ))
	}
	if !scopeGrants(c.id, typ, permSearch) {
		return needScope(typ, permSearch)
	}
	q := c.r.URL.Query()
	for k, vs := range q {
		if !slices.Contains(allowed, k) {
			return unsupported(k, "%s is not a search parameter of %s; this server takes %s", printable(k), typ, strings.Join(allowed, ", "))
		}
		if len(vs) > 1 {
			return unsupported(k, "%s is given more than once; send one value (a comma-separated list where the parameter takes one)", k)
		}
	}
	size, p := count(q)
	if p != nil {
		return p
	}
	since, p := lastUpdated(q.Get("_lastUpdated"))
	if p != nil {
		return p
	}
	var refs []*referralv1.Referral
	var next string
	total := -1
	switch typ {
	case "Task", "ServiceRequest":
		filter, p := referralFilter(typ, q)
		if p != nil {
			return p
		}
		if subject := q.Get("subject"); subject != "" {
			rid, ok := strings.CutPrefix(subject, "Patient/")
			if !ok || !idPattern.MatchString(rid) {
				return invalid("subject", "subject must be Patient/[id]")
			}
			r, p := h.getReferral(c, rid)
			switch {
			case p != nil && p.status == http.StatusNotFound:
				total = 0
			case p != nil:
				return p
			case filterStatus(typ, q.Get("status"), r):
				refs, total = []*referralv1.Referral{r}, 1
			default:
				total = 0
			}
			break
		}
		resp, err := h.referrals.ListReferrals(c.ctx, &referralv1.ListReferralsRequest{
			Filter: filter, PageSize: size, PageToken: q.Get(pageTokenParam)})
		if err != nil {
			return fromRPC(err, "", false, func(f string) string {
				return map[string]string{"page_token": pageTokenParam, "page_size": "_count", "filter": typ}[f]
			})
		}
		refs, next, total = resp.GetReferrals(), resp.GetNextPageToken(), int(resp.GetTotalSize())
	case "Patient":
		family, given, born := q.Get("family"), q.Get("given"), q.Get("birthdate")
		if family == "" || given == "" || born == "" {
			return unsupported("Patient", "search Patient by family, given and birthdate together: a referral's person is found by all three")
		}
		if date(born) == nil {
			return invalid("birthdate", "birthdate must be YYYY-MM-DD")
		}
		resp, err := h.referrals.SearchReferrals(c.ctx, &referralv1.SearchReferralsRequest{
			Person:   &referralv1.PersonQuery{GivenName: given, FamilyName: family, DateOfBirth: born},
			PageSize: size, PageToken: q.Get(pageTokenParam)})
		if err != nil {
			return fromRPC(err, "", false, func(f string) string {
				return map[string]string{"page_token": pageTokenParam, "page_size": "_count", "person.given_name": "given",
					"person.family_name": "family", "person.date_of_birth": "birthdate"}[f]
			})
		}
		refs, next, total = resp.GetReferrals(), resp.GetNextPageToken(), int(resp.GetTotalSize())
	}
	if !since.IsZero() {
		op := q.Get("_lastUpdated")[:2]
		refs = slices.DeleteFunc(refs, func(r *referralv1.Referral) bool { return !timeMatches(op, r.GetUpdateTime().AsTime(), since) })
		// The page was filtered here, after the service counted it.
		total = -1
	}
	var out []matched
	for _, r := range refs {
		switch typ {
		case "Task":
			out = append(out, matched{res: taskOf(r)})
		case "ServiceRequest":
			out = append(out, matched{res: serviceRequestOf(r)})
		case "Patient":
			out = append(out, matched{res: patientOf(r)})
		}
	}
	switch inc := q.Get("_include"); inc {
	case "":
	case "Task:focus":
		for _, r := range refs {
			out = append(out, matched{res: serviceRequestOf(r), included: true})
		}
	default:
		return unsupported("_include", "_include=%s is not offered; Task takes _include=Task:focus", printable(inc))
	}
	switch inc := q.Get("_revinclude"); inc {
	case "":
	case "Task:focus":
		if !scopeGrants(c.id, "Task", permRead) {
			return needScope("Task", permRead)
		}
		for _, r := range refs {
			out = append(out, matched{res: taskOf(r), included: true})
		}
	default:
		return unsupported("_revinclude", "_revinclude=%s is not offered; ServiceRequest takes _revinclude=Task:focus", printable(inc))
	}
	b := h.searchset(c, typ, q, out, next, total)
	return h.write(w, c, http.StatusOK, b, "", time.Time{})
}

// searchset is the Bundle of a search: self and, when there is more, next, whose link carries
// the service's page token with the same parameters.
func (h *Handler) searchset(c *call, typ string, q url.Values, out []matched, next string, total int) *bcrpb.Bundle {
	b := &bcrpb.Bundle{Type: &bcrpb.Bundle_TypeCode{Value: c4.BundleTypeCode_SEARCHSET}}
	if total >= 0 {
		b.Total = &d4.UnsignedInt{Value: uint32(total)}
	}
	self := c.base + "/" + typ
	if len(q) > 0 {
		self += "?" + q.Encode()
	}
	b.Link = append(b.Link, &bcrpb.Bundle_Link{Relation: str("self"), Url: uri(self)})
	if next != "" {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set(pageTokenParam, next)
		b.Link = append(b.Link, &bcrpb.Bundle_Link{Relation: str("next"), Url: uri(c.base + "/" + typ + "?" + nq.Encode())})
	}
	for _, m := range out {
		mode := c4.SearchEntryModeCode_MATCH
		if m.included {
			mode = c4.SearchEntryModeCode_INCLUDE
		}
		b.Entry = append(b.Entry, &bcrpb.Bundle_Entry{
			FullUrl:  uri(c.base + "/" + resourceType(m.res) + "/" + resourceID(m.res)),
			Resource: wrap(m.res),
			Search:   &bcrpb.Bundle_Entry_Search{Mode: &bcrpb.Bundle_Entry_Search_ModeCode{Value: mode}},
		})
	}
	return b
}

// resourceID reads the id of any resource proto.
func resourceID(r proto.Message) string {
	m := r.ProtoReflect()
	f := m.Descriptor().Fields().ByName("id")
	if f == nil || !m.Has(f) {
		return ""
	}
	return m.Get(f).Message().Interface().(*d4.Id).GetValue()
}

// count reads _count: a page size the service clamps.
func count(q url.Values) (int32, *problem) {
	v := q.Get("_count")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil || n < 1 {
		return 0, invalid("_count", "_count must be a positive integer")
	}
	return int32(n), nil
}

// lastUpdated reads _lastUpdated=[gt|ge|lt|le]<dateTime>.
func lastUpdated(v string) (time.Time, *problem) {
	if v == "" {
		return time.Time{}, nil
	}
	if len(v) < 3 || !slices.Contains([]string{"gt", "ge", "lt", "le"}, v[:2]) {
		return time.Time{}, unsupported("_lastUpdated", "_lastUpdated takes a prefix gt, ge, lt or le and a dateTime")
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", time.DateOnly} {
		if t, err := time.Parse(layout, v[2:]); err == nil {
			return t, nil
		}
	}
	return time.Time{}, invalid("_lastUpdated", "%q is not a FHIR dateTime", printable(v[2:]))
}

func timeMatches(op string, t, at time.Time) bool {
	switch op {
	case "gt":
		return t.After(at)
	case "ge":
		return !t.Before(at)
	case "lt":
		return t.Before(at)
	}
	return !t.After(at)
}

// referralFilter turns the search parameters of Task or ServiceRequest into an AIP-160 filter
// of ListReferrals.
func referralFilter(typ string, q url.Values) (string, *problem) {
	var parts []string
	if owner := q.Get("owner"); owner != "" {
		org, ok := strings.CutPrefix(owner, "Organization/")
		if !ok || !idPattern.MatchString(org) {
			return "", invalid("owner", "owner must be Organization/[id]")
		}
		parts = append(parts, fmt.Sprintf("receiving_organization = %q", "organizations/"+org))
	}
	if s := q.Get("status"); s != "" {
		var or []string
		for c := range strings.SplitSeq(s, ",") {
			statuses, p := statusesOf(typ, c)
			if p != nil {
				return "", p
			}
			for _, st := range statuses {
				or = append(or, "status = "+strings.TrimPrefix(st.String(), "REFERRAL_STATUS_"))
			}
		}
		if len(or) == 0 {
			or = append(or, "status = DRAFT AND status = REQUESTED") // matches nothing
		}
		parts = append(parts, "("+strings.Join(or, " OR ")+")")
	}
	return strings.Join(parts, " AND "), nil
}

// statusesOf reads one status code of Task or ServiceRequest as the referral statuses it means.
func statusesOf(typ, c string) ([]referralv1.ReferralStatus, *problem) {
	name := strings.ToUpper(strings.ReplaceAll(c, "-", "_"))
	if typ == "Task" {
		v, ok := c4.TaskStatusCode_Value_value[name]
		if !ok || v == 0 {
			return nil, invalid("status", "%q is not a Task status", printable(c))
		}
		if rs, ok := referralStatusOf(c4.TaskStatusCode_Value(v)); ok {
			return []referralv1.ReferralStatus{rs}, nil
		}
		return nil, nil // received and ready: no referral is ever in them
	}
	v, ok := c4.RequestStatusCode_Value_value[name]
	if !ok || v == 0 {
		return nil, invalid("status", "%q is not a ServiceRequest status", printable(c))
	}
	return referralStatusesOfRequest(c4.RequestStatusCode_Value(v)), nil
}

// filterStatus reports whether r has one of the statuses of a status parameter ("" is any).
func filterStatus(typ, s string, r *referralv1.Referral) bool {
	if s == "" {
		return true
	}
	for c := range strings.SplitSeq(s, ",") {
		statuses, _ := statusesOf(typ, c)
		if slices.Contains(statuses, r.GetStatus()) {
			return true
		}
	}
	return false
}
