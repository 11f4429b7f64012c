// Package demodata loads a fictional but plausible Ontario social prescribing directory
// (community health centres, community partners, their locations, programmes, taxonomy and
// practitioners) through the directory gRPC API, for demos and local development.
//
// The records live in package-level tables (see data.go). The exported names are the resource
// names that later demo loaders (events, referrals) refer to.
package demodata

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
)

// Summary counts the records of each kind that exist after loading.
type Summary struct {
	Organizations, Services, Locations, TaxonomyTerms, Practitioners int
}

// Directory loads the demo directory through the gRPC API. It is idempotent: every Create
// carries a fixed <kind>_id and request_id "demo:<kind>:<id>", and ALREADY_EXISTS counts as
// present, so running it twice stores nothing new.
func Directory(ctx context.Context, client directoryv1.DirectoryServiceClient) (Summary, error) {
	var s Summary
	for _, req := range taxonomyTermRequests() {
		if err := present(client.CreateTaxonomyTerm(ctx, req)); err != nil {
			return s, fmt.Errorf("create taxonomy term %q: %w", prefixTaxonomyTerm+req.GetTaxonomyTermId(), err)
		}
		s.TaxonomyTerms++
	}
	for _, req := range organizationRequests() {
		if err := present(client.CreateOrganization(ctx, req)); err != nil {
			return s, fmt.Errorf("create organization %q: %w", prefixOrganization+req.GetOrganizationId(), err)
		}
		s.Organizations++
	}
	for _, req := range locationRequests() {
		if err := present(client.CreateLocation(ctx, req)); err != nil {
			return s, fmt.Errorf("create location %q: %w", prefixLocation+req.GetLocationId(), err)
		}
		s.Locations++
	}
	for _, req := range serviceRequests() {
		if err := present(client.CreateService(ctx, req)); err != nil {
			return s, fmt.Errorf("create service %q: %w", prefixService+req.GetServiceId(), err)
		}
		s.Services++
	}
	for _, req := range practitionerRequests() {
		if err := present(client.CreatePractitioner(ctx, req)); err != nil {
			return s, fmt.Errorf("create practitioner %q: %w", prefixPractitioner+req.GetPractitionerId(), err)
		}
		s.Practitioners++
	}
	return s, nil
}

// present reports the error of a Create call, treating ALREADY_EXISTS as success.
func present[T any](_ T, err error) error {
	if status.Code(err) == codes.AlreadyExists {
		return nil
	}
	return err
}

// Resource name prefixes.
const (
	prefixTaxonomyTerm = "taxonomyTerms/"
	prefixOrganization = "organizations/"
	prefixLocation     = "locations/"
	prefixService      = "services/"
	prefixPractitioner = "practitioners/"
)

// requestID is the idempotency key of the Create call for one record.
func requestID(kind, id string) string {
	return "demo:" + kind + ":" + id
}

// taxonomyTermRequests builds the CreateTaxonomyTerm requests, in load order.
func taxonomyTermRequests() []*directoryv1.CreateTaxonomyTermRequest {
	reqs := make([]*directoryv1.CreateTaxonomyTermRequest, 0, len(taxonomyTerms))
	for _, t := range taxonomyTerms {
		id := strings.TrimPrefix(t.GetName(), prefixTaxonomyTerm)
		m := proto.CloneOf(t)
		m.Name = ""
		reqs = append(reqs, &directoryv1.CreateTaxonomyTermRequest{
			TaxonomyTerm:   m,
			TaxonomyTermId: id,
			RequestId:      requestID("taxonomy-term", id),
		})
	}
	return reqs
}

// organizationRequests builds the CreateOrganization requests, in load order.
func organizationRequests() []*directoryv1.CreateOrganizationRequest {
	reqs := make([]*directoryv1.CreateOrganizationRequest, 0, len(organizations))
	for _, o := range organizations {
		id := strings.TrimPrefix(o.GetName(), prefixOrganization)
		m := proto.CloneOf(o)
		m.Name = ""
		reqs = append(reqs, &directoryv1.CreateOrganizationRequest{
			Organization:   m,
			OrganizationId: id,
			RequestId:      requestID("organization", id),
		})
	}
	return reqs
}

// locationRequests builds the CreateLocation requests, in load order.
func locationRequests() []*directoryv1.CreateLocationRequest {
	reqs := make([]*directoryv1.CreateLocationRequest, 0, len(locations))
	for _, l := range locations {
		id := strings.TrimPrefix(l.GetName(), prefixLocation)
		m := proto.CloneOf(l)
		m.Name = ""
		reqs = append(reqs, &directoryv1.CreateLocationRequest{
			Location:   m,
			LocationId: id,
			RequestId:  requestID("location", id),
		})
	}
	return reqs
}

// serviceRequests builds the CreateService requests, in load order.
func serviceRequests() []*directoryv1.CreateServiceRequest {
	reqs := make([]*directoryv1.CreateServiceRequest, 0, len(services))
	for _, s := range services {
		id := strings.TrimPrefix(s.GetName(), prefixService)
		m := proto.CloneOf(s)
		m.Name = ""
		reqs = append(reqs, &directoryv1.CreateServiceRequest{
			Service:   m,
			ServiceId: id,
			RequestId: requestID("service", id),
		})
	}
	return reqs
}

// practitionerRequests builds the CreatePractitioner requests, in load order.
func practitionerRequests() []*directoryv1.CreatePractitionerRequest {
	reqs := make([]*directoryv1.CreatePractitionerRequest, 0, len(practitioners))
	for _, p := range practitioners {
		id := strings.TrimPrefix(p.GetName(), prefixPractitioner)
		m := proto.CloneOf(p)
		m.Name = ""
		reqs = append(reqs, &directoryv1.CreatePractitionerRequest{
			Practitioner:   m,
			PractitionerId: id,
			RequestId:      requestID("practitioner", id),
		})
	}
	return reqs
}
