package document

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

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
