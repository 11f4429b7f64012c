package document

import (
	"errors"
	"fmt"
	"slices"

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

func appendUnique(list []string, v string) []string {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}
