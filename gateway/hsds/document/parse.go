package document

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"golang.org/x/text/language"
	"google.golang.org/protobuf/proto"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
)

// Kind names a kind of directory record in an import.
type Kind string

// Kinds of records, in the order an import creates them.
const (
	KindTaxonomyTerm Kind = "taxonomy_term"
	KindOrganization Kind = "organization"
	KindLocation     Kind = "location"
	KindService      Kind = "service"
	// KindDocument is the input as a whole, when it is not HSDS JSON at all.
	KindDocument Kind = "document"
)

// Batch is the directory records found in an HSDS document, keyed by their HSDS ids (the last
// segment of each resource name). Each list is in an order in which a parent comes before its
// children.
type Batch struct {
	TaxonomyTerms []*directoryv1.TaxonomyTerm
	Organizations []*directoryv1.Organization
	Locations     []*directoryv1.Location
	Services      []*directoryv1.Service
}

// Rejection is a record that cannot be imported, and why. The reason starts with the HSDS
// field at fault, e.g. "latitude: must be from -90 to 90".
type Rejection struct {
	Kind   Kind
	ID     string
	Name   string
	Reason string
}

// fieldError is a problem with one HSDS field.
type fieldError struct {
	field string
	msg   string
}

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

func fieldErr(field, format string, args ...any) error {
	return &fieldError{field: field, msg: fmt.Sprintf(format, args...)}
}

// within prefixes the field of a fieldError with the path of the object that holds it.
func within(path string, err error) error {
	var fe *fieldError
	if errors.As(err, &fe) {
		return &fieldError{field: path + "." + fe.field, msg: fe.msg}
	}
	return fmt.Errorf("%s: %w", path, err)
}

// RecordKey names a record of a document by its kind and HSDS id.
type RecordKey struct {
	Kind Kind
	ID   string
}

type record struct {
	key  RecordKey
	name string
	msg  proto.Message
}

// parser collects the records of one document. A record met twice (an organization nested in
// several services, say) is taken from its first occurrence.
type parser struct {
	accepted   []*record
	seen       map[RecordKey]bool
	rejected   map[RecordKey]string
	rejections []Rejection
}

// Parse maps an HSDS document to directory records. It accepts one organization (which may
// hold services and locations), one service (which may hold its organization, its locations
// in service_at_locations and its taxonomy terms in attributes), one service_at_location or
// taxonomy term, a JSON array of these, or an HSDS page envelope whose contents are these.
// Records that cannot be mapped are rejected with a reason naming the HSDS field, and so is
// every record that depends on a rejected one (a service on its organization, say).
func Parse(data []byte) (Batch, []Rejection) {
	p := &parser{seen: map[RecordKey]bool{}, rejected: map[RecordKey]string{}}
	items, err := documentItems(data)
	if err != nil {
		return Batch{}, []Rejection{{Kind: KindDocument, Reason: err.Error()}}
	}
	for i, raw := range items {
		p.item(i, raw)
	}
	p.propagate()
	return p.batch(), p.rejections
}

// documentItems splits a document into its HSDS objects.
func documentItems(data []byte) ([]json.RawMessage, error) {
	var doc json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	doc = bytes.TrimSpace(doc)
	switch {
	case len(doc) > 0 && doc[0] == '[':
		var items []json.RawMessage
		if err := json.Unmarshal(doc, &items); err != nil {
			return nil, fmt.Errorf("malformed JSON: %w", err)
		}
		return items, nil
	case len(doc) > 0 && doc[0] == '{':
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(doc, &obj); err != nil {
			return nil, fmt.Errorf("malformed JSON: %w", err)
		}
		if contents, ok := obj["contents"]; ok {
			var items []json.RawMessage
			if err := json.Unmarshal(contents, &items); err != nil {
				return nil, errors.New("contents: want an array of HSDS objects")
			}
			return items, nil
		}
		return []json.RawMessage{doc}, nil
	}
	return nil, errors.New("not HSDS JSON: want an object, an array of objects or a page with contents")
}

// Keys that only one kind of HSDS object has, to tell top-level objects apart.
var (
	serviceKeys = []string{"status", "organization_id", "organization", "service_at_locations", "program_id",
		"program", "eligibility_description", "application_process", "fees_description", "fees", "cost_options",
		"url", "service_areas", "minimum_age", "maximum_age", "interpretation_services", "required_documents",
		"wait_time", "accreditations", "licenses", "assured_date", "alert"}
	organizationKeys = []string{"services", "locations", "website", "legal_status", "parent_organization_id",
		"tax_status", "tax_id", "year_incorporated", "logo", "uri", "organization_identifiers", "programs"}
	serviceAtLocationKeys = []string{"service", "location", "service_id", "location_id"}
	taxonomyTermKeys      = []string{"code", "parent_id", "taxonomy", "taxonomy_detail", "taxonomy_id", "term_uri"}
)

func hasAny(obj map[string]json.RawMessage, keys []string) bool {
	for _, k := range keys {
		if _, ok := obj[k]; ok {
			return true
		}
	}
	return false
}

// item parses one top-level object.
func (p *parser) item(i int, raw json.RawMessage) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		p.reject(KindDocument, "", "", fmt.Sprintf("item %d: want an HSDS object", i))
		return
	}
	isService, isOrg := hasAny(obj, serviceKeys), hasAny(obj, organizationKeys)
	var kind Kind
	switch {
	case isService && isOrg:
		p.reject(KindDocument, idOf(obj), nameOf(obj), fmt.Sprintf("item %d: has fields of both an organization and a service", i))
		return
	case isService:
		kind = KindService
	case isOrg:
		kind = KindOrganization
	case hasAny(obj, serviceAtLocationKeys):
		kind = "service_at_location"
	case hasAny(obj, taxonomyTermKeys):
		kind = KindTaxonomyTerm
	default:
		// HSDS requires a service's status, so an object without service fields is an organization.
		kind = KindOrganization
	}
	var err error
	switch kind {
	case KindService:
		var s Service
		if err = decodeStrict(raw, &s); err == nil {
			_, err = p.service(&s, "")
		}
	case KindOrganization:
		var o Organization
		if err = decodeStrict(raw, &o); err == nil {
			_, err = p.organization(&o)
		}
	case KindTaxonomyTerm:
		var t TaxonomyTerm
		if err = decodeStrict(raw, &t); err == nil {
			_, err = p.taxonomyTerm(&t)
		}
	default:
		var sal ServiceAtLocation
		if err = decodeStrict(raw, &sal); err == nil {
			err = p.serviceAtLocation(&sal)
		}
		kind = KindService
	}
	if err != nil {
		// The object could not be read or has no usable id; nothing else can refer to it.
		p.reject(kind, idOf(obj), nameOf(obj), err.Error())
	}
}

// decodeStrict decodes an HSDS object, naming the field of a type mismatch.
func decodeStrict(raw json.RawMessage, v any) error {
	err := json.Unmarshal(raw, v)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		want := te.Type.Kind().String()
		switch want {
		case "float64", "int", "int32":
			want = "number"
		case "ptr":
			want = te.Type.Elem().Kind().String()
			if want == "float64" {
				want = "number"
			}
		case "slice":
			want = "array"
		case "struct":
			want = "object"
		}
		return fieldErr(te.Field, "want a JSON %s, got %s", want, te.Value)
	}
	if err != nil {
		return fmt.Errorf("malformed JSON: %w", err)
	}
	return nil
}

func idOf(obj map[string]json.RawMessage) string {
	var s string
	_ = json.Unmarshal(obj["id"], &s)
	return s
}

func nameOf(obj map[string]json.RawMessage) string {
	var s string
	_ = json.Unmarshal(obj["name"], &s)
	return s
}

func (p *parser) reject(kind Kind, id, name, reason string) {
	key := RecordKey{kind, id}
	if id != "" {
		p.seen[key] = true
		p.rejected[key] = reason
	}
	p.rejections = append(p.rejections, Rejection{Kind: kind, ID: id, Name: name, Reason: reason})
}

func (p *parser) accept(kind Kind, id, name string, msg proto.Message) {
	key := RecordKey{kind, id}
	p.seen[key] = true
	p.accepted = append(p.accepted, &record{key: key, name: name, msg: msg})
}

// checkID validates the id of an HSDS object; a usable id is needed to refer to the record.
func checkID(id string) error {
	if id == "" {
		return fieldErr("id", "required")
	}
	if !ValidID(id) {
		return fieldErr("id", "%q cannot be a directory id: want letters, digits, '.', '_' or '-', at most 63 characters", id)
	}
	return nil
}

// organization adds an organization and the locations and services it holds; it returns the
// organization's id, or an error when it has no usable id.
func (p *parser) organization(o *Organization) (string, error) {
	if err := checkID(o.ID); err != nil {
		return "", err
	}
	if p.seen[RecordKey{KindOrganization, o.ID}] {
		return o.ID, nil
	}
	msg, err := organizationProto(o)
	if err != nil {
		p.reject(KindOrganization, o.ID, o.Name, err.Error())
	} else {
		p.accept(KindOrganization, o.ID, msg.GetDisplayName(), msg)
	}
	for i := range o.Locations {
		if _, err := p.location(&o.Locations[i], o.ID); err != nil {
			p.reject(KindLocation, o.Locations[i].ID, o.Locations[i].Name, within(fmt.Sprintf("locations[%d]", i), err).Error())
		}
	}
	for i := range o.Services {
		if _, err := p.service(&o.Services[i], o.ID); err != nil {
			p.reject(KindService, o.Services[i].ID, o.Services[i].Name, within(fmt.Sprintf("services[%d]", i), err).Error())
		}
	}
	return o.ID, nil
}

// serviceAtLocation adds the service of a service_at_location, with the location added to it.
func (p *parser) serviceAtLocation(sal *ServiceAtLocation) error {
	if sal.Service == nil {
		return fieldErr("service", "required: the service delivered at the location")
	}
	s := *sal.Service
	s.ServiceAtLocations = append(slices.Clone(s.ServiceAtLocations), ServiceAtLocation{
		ID: sal.ID, LocationID: sal.LocationID, Location: sal.Location,
	})
	_, err := p.service(&s, "")
	if err != nil {
		return within("service", err)
	}
	return nil
}

// service adds a service and the organization, locations and taxonomy terms it holds. parentOrg
// is the id of the organization it is nested in, if any. It returns the service's id, or an
// error when it has no usable id or cannot name its parts.
func (p *parser) service(s *Service, parentOrg string) (string, error) {
	if err := checkID(s.ID); err != nil {
		return "", err
	}
	if p.seen[RecordKey{KindService, s.ID}] {
		return s.ID, nil
	}
	orgID, err := p.serviceOrganization(s, parentOrg)
	if err != nil {
		p.reject(KindService, s.ID, s.Name, err.Error())
		return s.ID, nil
	}
	var locations, terms []string
	for i := range s.ServiceAtLocations {
		sal := &s.ServiceAtLocations[i]
		path := fmt.Sprintf("service_at_locations[%d]", i)
		var id string
		switch {
		case sal.Location != nil:
			id, err = p.location(sal.Location, orgID)
			if err != nil {
				err = within(path+".location", err)
			} else if sal.LocationID != "" && sal.LocationID != id {
				err = fieldErr(path+".location_id", "does not match location.id")
			}
		case sal.LocationID != "":
			id, err = sal.LocationID, checkID(sal.LocationID)
			if err != nil {
				err = within(path+".location_id", err)
			}
		default:
			err = fieldErr(path+".location", "required: the location or its location_id")
		}
		if err != nil {
			p.reject(KindService, s.ID, s.Name, err.Error())
			return s.ID, nil
		}
		locations = appendUnique(locations, LocationsPrefix+id)
	}
	for i := range s.Attributes {
		a := &s.Attributes[i]
		path := fmt.Sprintf("attributes[%d]", i)
		var id string
		switch {
		case a.TaxonomyTerm != nil:
			id, err = p.taxonomyTerm(a.TaxonomyTerm)
			if err != nil {
				err = within(path+".taxonomy_term", err)
			}
		case a.TaxonomyTermID != "":
			id, err = a.TaxonomyTermID, checkID(a.TaxonomyTermID)
			if err != nil {
				err = within(path+".taxonomy_term_id", err)
			}
		default:
			continue // an attribute without a term carries nothing the directory keeps
		}
		if err != nil {
			p.reject(KindService, s.ID, s.Name, err.Error())
			return s.ID, nil
		}
		terms = appendUnique(terms, TaxonomyTermsPrefix+id)
	}
	msg, err := serviceProto(s)
	if err != nil {
		p.reject(KindService, s.ID, s.Name, err.Error())
		return s.ID, nil
	}
	msg.Organization = OrganizationsPrefix + orgID
	msg.Locations, msg.TaxonomyTerms = locations, terms
	p.accept(KindService, s.ID, msg.GetDisplayName(), msg)
	return s.ID, nil
}

// serviceOrganization finds the organization of a service, adding it when nested.
func (p *parser) serviceOrganization(s *Service, parentOrg string) (string, error) {
	id := s.OrganizationID
	if s.Organization != nil {
		nested, err := p.organization(s.Organization)
		if err != nil {
			return "", within("organization", err)
		}
		if id != "" && id != nested {
			return "", fieldErr("organization_id", "does not match organization.id")
		}
		id = nested
	}
	switch {
	case id == "" && parentOrg == "":
		return "", fieldErr("organization_id", "required: a service must belong to an organization")
	case id == "":
		return parentOrg, nil
	case parentOrg != "" && id != parentOrg:
		return "", fieldErr("organization_id", "does not match the organization the service is listed in")
	}
	if err := checkID(id); err != nil {
		return "", within("organization", err)
	}
	return id, nil
}

// location adds a location; orgID is the organization it belongs to unless it names its own.
func (p *parser) location(l *Location, orgID string) (string, error) {
	if err := checkID(l.ID); err != nil {
		return "", err
	}
	if p.seen[RecordKey{KindLocation, l.ID}] {
		return l.ID, nil
	}
	msg, err := locationProto(l, orgID)
	if err != nil {
		p.reject(KindLocation, l.ID, l.Name, err.Error())
		return l.ID, nil
	}
	p.accept(KindLocation, l.ID, msg.GetDisplayName(), msg)
	return l.ID, nil
}

// taxonomyTerm adds a taxonomy term.
func (p *parser) taxonomyTerm(t *TaxonomyTerm) (string, error) {
	if err := checkID(t.ID); err != nil {
		return "", err
	}
	if p.seen[RecordKey{KindTaxonomyTerm, t.ID}] {
		return t.ID, nil
	}
	msg, err := taxonomyTermProto(t)
	if err != nil {
		p.reject(KindTaxonomyTerm, t.ID, t.Name, err.Error())
		return t.ID, nil
	}
	p.accept(KindTaxonomyTerm, t.ID, msg.GetDisplayName(), msg)
	return t.ID, nil
}

// dependencies lists the records a directory record refers to.
func dependencies(msg proto.Message) []RecordKey {
	var deps []RecordKey
	add := func(kind Kind, name string) {
		if name != "" {
			deps = append(deps, RecordKey{kind, ResourceID(name)})
		}
	}
	switch m := msg.(type) {
	case *directoryv1.Organization:
		add(KindOrganization, m.GetParentOrganization())
	case *directoryv1.Location:
		add(KindOrganization, m.GetOrganization())
	case *directoryv1.TaxonomyTerm:
		add(KindTaxonomyTerm, m.GetParent())
	case *directoryv1.Service:
		add(KindOrganization, m.GetOrganization())
		for _, l := range m.GetLocations() {
			add(KindLocation, l)
		}
		for _, t := range m.GetTaxonomyTerms() {
			add(KindTaxonomyTerm, t)
		}
	}
	return deps
}

// DependencyFailure returns why a record cannot be imported because of a record it refers to,
// or "".
func DependencyFailure(msg proto.Message, failed map[RecordKey]string) string {
	for _, dep := range dependencies(msg) {
		if reason, ok := failed[dep]; ok {
			return fmt.Sprintf("%s %s was rejected: %s", dep.Kind, dep.ID, reason)
		}
	}
	return ""
}

// propagate rejects records that depend on rejected ones, until nothing changes.
func (p *parser) propagate() {
	for changed := true; changed; {
		changed = false
		kept := p.accepted[:0]
		for _, r := range p.accepted {
			if reason := DependencyFailure(r.msg, p.rejected); reason != "" {
				p.reject(r.key.Kind, r.key.ID, r.name, reason)
				changed = true
				continue
			}
			kept = append(kept, r)
		}
		p.accepted = kept
	}
}

// batch returns the accepted records by kind, parents before children. Records in a parent
// cycle are rejected, since none of them could be created first.
func (p *parser) batch() Batch {
	var b Batch
	var orgs, terms []*record
	for _, r := range p.accepted {
		switch m := r.msg.(type) {
		case *directoryv1.Organization:
			orgs = append(orgs, r)
		case *directoryv1.TaxonomyTerm:
			terms = append(terms, r)
		case *directoryv1.Location:
			b.Locations = append(b.Locations, m)
		case *directoryv1.Service:
			b.Services = append(b.Services, m)
		}
	}
	for _, r := range p.parentsFirst(orgs, "parent_organization_id") {
		b.Organizations = append(b.Organizations, r.msg.(*directoryv1.Organization))
	}
	for _, r := range p.parentsFirst(terms, "parent_id") {
		b.TaxonomyTerms = append(b.TaxonomyTerms, r.msg.(*directoryv1.TaxonomyTerm))
	}
	// A child whose parent was in a rejected cycle is still listed; drop it and its dependants.
	for p.dropDependants(&b) {
	}
	return b
}

// parentsFirst orders records of one kind so that a parent in the list comes before its
// children; records in a cycle are rejected.
func (p *parser) parentsFirst(records []*record, parentField string) []*record {
	byID := map[string]*record{}
	for _, r := range records {
		byID[r.key.ID] = r
	}
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var out []*record
	var visit func(r *record) bool
	visit = func(r *record) bool {
		switch state[r.key.ID] {
		case visiting:
			return false
		case done:
			return true
		}
		state[r.key.ID] = visiting
		for _, dep := range dependencies(r.msg) {
			if parent, ok := byID[dep.ID]; ok && dep.Kind == r.key.Kind && !visit(parent) {
				return false
			}
		}
		state[r.key.ID] = done
		out = append(out, r)
		return true
	}
	for _, r := range records {
		if state[r.key.ID] == unvisited && !visit(r) {
			// Everything still being visited is on the cycle or hangs below it.
			for _, c := range records {
				if state[c.key.ID] == visiting {
					p.reject(c.key.Kind, c.key.ID, c.name, fieldErr(parentField, "parents form a cycle").Error())
					state[c.key.ID] = done
				}
			}
		}
	}
	return out
}

// dropDependants removes records whose dependencies were rejected, and reports whether it
// removed any.
func (p *parser) dropDependants(b *Batch) bool {
	dropped := false
	drop := func(kind Kind, msg proto.Message, name, display string) bool {
		if reason := DependencyFailure(msg, p.rejected); reason != "" {
			p.reject(kind, ResourceID(name), display, reason)
			dropped = true
			return true
		}
		return false
	}
	b.Organizations = slices.DeleteFunc(b.Organizations, func(m *directoryv1.Organization) bool {
		return drop(KindOrganization, m, m.GetName(), m.GetDisplayName())
	})
	b.TaxonomyTerms = slices.DeleteFunc(b.TaxonomyTerms, func(m *directoryv1.TaxonomyTerm) bool {
		return drop(KindTaxonomyTerm, m, m.GetName(), m.GetDisplayName())
	})
	b.Locations = slices.DeleteFunc(b.Locations, func(m *directoryv1.Location) bool {
		return drop(KindLocation, m, m.GetName(), m.GetDisplayName())
	})
	b.Services = slices.DeleteFunc(b.Services, func(m *directoryv1.Service) bool {
		return drop(KindService, m, m.GetName(), m.GetDisplayName())
	})
	return dropped
}

func appendUnique(list []string, v string) []string {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

// organizationProto maps the fields of an HSDS organization.
func organizationProto(o *Organization) (*directoryv1.Organization, error) {
	name := strings.TrimSpace(o.Name)
	if name == "" {
		return nil, fieldErr("name", "required")
	}
	out := &directoryv1.Organization{
		Name:          OrganizationsPrefix + o.ID,
		DisplayName:   name,
		AlternateName: strings.TrimSpace(o.AlternateName),
		Description:   strings.TrimSpace(o.Description),
		Email:         strings.TrimSpace(o.Email),
		Website:       strings.TrimSpace(o.Website),
		LegalStatus:   strings.TrimSpace(o.LegalStatus),
	}
	if out.Website == "" {
		out.Website = strings.TrimSpace(o.URI)
	}
	if pid := o.ParentOrganizationID; pid != "" {
		if err := checkID(pid); err != nil {
			return nil, within("parent_organization_id", err)
		}
		if pid == o.ID {
			return nil, fieldErr("parent_organization_id", "an organization cannot be its own parent")
		}
		out.ParentOrganization = OrganizationsPrefix + pid
	}
	var err error
	if out.Phones, err = phonesProto(o.Phones); err != nil {
		return nil, err
	}
	return out, nil
}

// HSDS status strings, lower case.
var serviceStatuses = map[string]directoryv1.ServiceStatus{
	"active":             directoryv1.ServiceStatus_SERVICE_STATUS_ACTIVE,
	"inactive":           directoryv1.ServiceStatus_SERVICE_STATUS_INACTIVE,
	"defunct":            directoryv1.ServiceStatus_SERVICE_STATUS_DEFUNCT,
	"temporarily closed": directoryv1.ServiceStatus_SERVICE_STATUS_TEMPORARILY_CLOSED,
}

// serviceProto maps the fields of an HSDS service, without its organization, locations and
// taxonomy terms.
func serviceProto(s *Service) (*directoryv1.Service, error) {
	name := strings.TrimSpace(s.Name)
	if name == "" {
		return nil, fieldErr("name", "required")
	}
	out := &directoryv1.Service{
		Name:                   ServicesPrefix + s.ID,
		DisplayName:            name,
		AlternateName:          strings.TrimSpace(s.AlternateName),
		Description:            strings.TrimSpace(s.Description),
		Url:                    strings.TrimSpace(s.URL),
		Email:                  strings.TrimSpace(s.Email),
		EligibilityDescription: strings.TrimSpace(s.EligibilityDescription),
		ApplicationProcess:     strings.TrimSpace(s.ApplicationProcess),
	}
	if st := strings.ToLower(strings.TrimSpace(s.Status)); st != "" {
		status, ok := serviceStatuses[st]
		if !ok {
			return nil, fieldErr("status", "%q is not an HSDS status: want active, inactive, defunct or temporarily closed", s.Status)
		}
		out.Status = status
	}
	var err error
	if out.MinimumAge, err = ageProto("minimum_age", s.MinimumAge); err != nil {
		return nil, err
	}
	if out.MaximumAge, err = ageProto("maximum_age", s.MaximumAge); err != nil {
		return nil, err
	}
	if out.MaximumAge != 0 && out.MaximumAge < out.MinimumAge {
		return nil, fieldErr("maximum_age", "must not be below minimum_age")
	}
	if out.Languages, err = languagesProto(s.Languages); err != nil {
		return nil, err
	}
	if out.Phones, err = phonesProto(s.Phones); err != nil {
		return nil, err
	}
	out.ScheduleDescription = scheduleDescription(s.Schedules)
	for _, a := range s.ServiceAreas {
		area := strings.TrimSpace(a.Name)
		if area == "" {
			area = strings.TrimSpace(a.Description)
		}
		if area != "" {
			out.ServiceAreas = append(out.ServiceAreas, area)
		}
	}
	if out.Cost, err = costProto(s.FeesDescription, s.CostOptions); err != nil {
		return nil, err
	}
	return out, nil
}

func ageProto(field string, age *float64) (int32, error) {
	if age == nil {
		return 0, nil
	}
	if *age < 0 || *age > 130 || *age != math.Trunc(*age) {
		return 0, fieldErr(field, "must be a whole number of years from 0 to 130")
	}
	return int32(*age), nil
}

// scheduleDescription puts schedules into words: their descriptions, or for a schedule without
// one its days and hours.
func scheduleDescription(schedules []Schedule) string {
	var parts []string
	for _, s := range schedules {
		d := strings.TrimSpace(s.Description)
		if d == "" {
			var words []string
			if s.ByDay != "" {
				words = append(words, s.ByDay)
			}
			if s.OpensAt != "" || s.ClosesAt != "" {
				words = append(words, s.OpensAt+"-"+s.ClosesAt)
			}
			d = strings.Join(words, " ")
		}
		if d != "" {
			parts = append(parts, d)
		}
	}
	return strings.Join(parts, "; ")
}

// costProto maps HSDS fees to the directory's single cost: the first cost option with an
// amount gives the price (an amount of zero means free), and "Free" in fees_description means
// free.
func costProto(fees string, options []CostOption) (*directoryv1.CostOption, error) {
	fees = strings.TrimSpace(fees)
	var out directoryv1.CostOption
	var words []string
	for i, o := range options {
		if o.Amount == nil {
			continue
		}
		amount := *o.Amount
		if amount < 0 {
			return nil, fieldErr(fmt.Sprintf("cost_options[%d].amount", i), "must not be negative")
		}
		currency := strings.ToUpper(strings.TrimSpace(o.Currency))
		if currency != "" && !isLetters(currency, 3) {
			return nil, fieldErr(fmt.Sprintf("cost_options[%d].currency", i), "%q is not an ISO 4217 currency code", o.Currency)
		}
		minor := math.Round(amount * math.Pow10(minorUnitDigits(currency)))
		if minor > 100_000_000 {
			return nil, fieldErr(fmt.Sprintf("cost_options[%d].amount", i), "too large")
		}
		out.AmountMinor, out.Currency, out.Free = int64(minor), currency, minor == 0
		for _, w := range []string{o.Option, o.AmountDescription} {
			if w = strings.TrimSpace(w); w != "" {
				words = append(words, w)
			}
		}
		break
	}
	if strings.EqualFold(fees, "free") {
		out.Free, out.AmountMinor = true, 0
	} else if fees != "" {
		words = append(words, fees)
	}
	out.Description = strings.Join(words, "; ")
	if !out.Free && out.AmountMinor == 0 && out.Description == "" {
		return nil, nil
	}
	return &out, nil
}

func isLetters(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// phonesProto maps HSDS phones. Quotes around a number, a leftover of CSV exports, are dropped,
// and an extension is written after the number as " x123".
func phonesProto(phones []Phone) ([]*directoryv1.Phone, error) {
	var out []*directoryv1.Phone
	for i, p := range phones {
		number := strings.Trim(strings.TrimSpace(p.Number), `"'`)
		number = strings.TrimSpace(number)
		if number == "" {
			return nil, fieldErr(fmt.Sprintf("phones[%d].number", i), "required")
		}
		if p.Extension != nil {
			number += fmt.Sprintf(" x%g", *p.Extension)
		}
		out = append(out, &directoryv1.Phone{
			Number:      number,
			Type:        strings.TrimSpace(p.Type),
			Description: strings.TrimSpace(p.Description),
		})
	}
	return out, nil
}

// languagesProto maps HSDS languages to BCP-47 tags, from their ISO 639 codes.
func languagesProto(langs []Language) ([]string, error) {
	var out []string
	for i, l := range langs {
		field := fmt.Sprintf("languages[%d].code", i)
		code := strings.TrimSpace(l.Code)
		if code == "" {
			return nil, fieldErr(field, "required: an ISO 639 language code")
		}
		tag, err := language.Parse(code)
		if err != nil {
			return nil, fieldErr(field, "%q is not an ISO 639 language code", l.Code)
		}
		out = appendUnique(out, tag.String())
	}
	return out, nil
}

// HSDS location_type strings.
var locationTypes = map[string]directoryv1.LocationType{
	"physical": directoryv1.LocationType_LOCATION_TYPE_PHYSICAL,
	"postal":   directoryv1.LocationType_LOCATION_TYPE_POSTAL,
	"virtual":  directoryv1.LocationType_LOCATION_TYPE_VIRTUAL,
}

// locationProto maps an HSDS location; orgID is used when it names no organization of its own.
func locationProto(l *Location, orgID string) (*directoryv1.Location, error) {
	out := &directoryv1.Location{
		Name:           LocationsPrefix + l.ID,
		Description:    strings.TrimSpace(l.Description),
		Transportation: strings.TrimSpace(l.Transportation),
	}
	// HSDS does not require a location's name but the directory does: fall back to what
	// people would call it.
	for _, n := range []string{l.Name, l.AlternateName} {
		if out.DisplayName = strings.TrimSpace(n); out.DisplayName != "" {
			break
		}
	}
	if out.DisplayName == "" && len(l.Addresses) > 0 {
		out.DisplayName = strings.TrimSpace(l.Addresses[0].Address1)
	}
	if out.DisplayName == "" {
		return nil, fieldErr("name", "required")
	}
	org := l.OrganizationID
	if org == "" {
		org = orgID
	}
	if org == "" {
		return nil, fieldErr("organization_id", "required: a location must belong to an organization")
	}
	if err := checkID(org); err != nil {
		return nil, within("organization_id", err)
	}
	out.Organization = OrganizationsPrefix + org
	if t := strings.ToLower(strings.TrimSpace(l.LocationType)); t != "" {
		lt, ok := locationTypes[t]
		if !ok {
			return nil, fieldErr("location_type", "%q is not an HSDS location type: want physical, postal or virtual", l.LocationType)
		}
		out.LocationType = lt
	}
	switch {
	case l.Latitude == nil && l.Longitude == nil:
	case l.Latitude == nil:
		return nil, fieldErr("latitude", "required with longitude")
	case l.Longitude == nil:
		return nil, fieldErr("longitude", "required with latitude")
	case *l.Latitude < -90 || *l.Latitude > 90:
		return nil, fieldErr("latitude", "must be from -90 to 90 degrees, got %g", *l.Latitude)
	case *l.Longitude < -180 || *l.Longitude > 180:
		return nil, fieldErr("longitude", "must be from -180 to 180 degrees, got %g", *l.Longitude)
	default:
		out.Latitude, out.Longitude = proto.Float64(*l.Latitude), proto.Float64(*l.Longitude)
	}
	if i := pickAddress(l.Addresses, l.LocationType); i >= 0 {
		a := l.Addresses[i]
		country := strings.ToUpper(strings.TrimSpace(a.Country))
		if country != "" && !isLetters(country, 2) {
			return nil, fieldErr(fmt.Sprintf("addresses[%d].country", i), "%q is not an ISO 3166-1 alpha-2 country code", a.Country)
		}
		region := strings.TrimSpace(a.StateProvince)
		if region == "" {
			region = strings.TrimSpace(a.Region)
		}
		out.Address = &directoryv1.Address{
			Address_1:  strings.TrimSpace(a.Address1),
			Address_2:  strings.TrimSpace(a.Address2),
			City:       strings.TrimSpace(a.City),
			Region:     region,
			PostalCode: strings.TrimSpace(a.PostalCode),
			Country:    country,
		}
	}
	for _, a := range l.Accessibility {
		text := strings.TrimSpace(a.Description)
		if text == "" {
			text = strings.TrimSpace(a.Details)
		}
		if text != "" {
			out.Accessibility = append(out.Accessibility, text)
		}
	}
	var err error
	if out.Languages, err = languagesProto(l.Languages); err != nil {
		return nil, err
	}
	return out, nil
}

// pickAddress chooses the one address the directory keeps: the first of the location's own
// type, else the first; -1 when there is none.
func pickAddress(addresses []Address, locationType string) int {
	for i, a := range addresses {
		if strings.EqualFold(a.AddressType, locationType) {
			return i
		}
	}
	if len(addresses) > 0 {
		return 0
	}
	return -1
}

// defaultTaxonomy names the taxonomy of a term that names none; the directory needs one.
const defaultTaxonomy = "uncategorised"

// taxonomyTermProto maps an HSDS taxonomy term.
func taxonomyTermProto(t *TaxonomyTerm) (*directoryv1.TaxonomyTerm, error) {
	name := strings.TrimSpace(t.Name)
	if name == "" {
		return nil, fieldErr("name", "required")
	}
	out := &directoryv1.TaxonomyTerm{
		Name:        TaxonomyTermsPrefix + t.ID,
		Code:        strings.TrimSpace(t.Code),
		DisplayName: name,
		Description: strings.TrimSpace(t.Description),
		Taxonomy:    strings.TrimSpace(t.Taxonomy),
	}
	if out.Code == "" {
		out.Code = t.ID // HSDS does not require a code but the directory does; the id is unique
	}
	if out.Taxonomy == "" && t.TaxonomyDetail != nil {
		out.Taxonomy = strings.TrimSpace(t.TaxonomyDetail.Name)
	}
	if out.Taxonomy == "" {
		out.Taxonomy = defaultTaxonomy
	}
	if lang := strings.TrimSpace(t.Language); lang != "" {
		tag, err := language.Parse(lang)
		if err != nil {
			return nil, fieldErr("language", "%q is not a language code", t.Language)
		}
		out.Language = tag.String()
	}
	if pid := t.ParentID; pid != "" {
		if err := checkID(pid); err != nil {
			return nil, within("parent_id", err)
		}
		if pid == t.ID {
			return nil, fieldErr("parent_id", "a term cannot be its own parent")
		}
		out.Parent = TaxonomyTermsPrefix + pid
	}
	return out, nil
}
