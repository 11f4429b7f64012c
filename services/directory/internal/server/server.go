// Package server implements the directory's gRPC API over its store (writes, reads by name) and
// its in-memory index (lists and search).
package server

import (
	"context"
	"log/slog"
	"strconv"

	"google.golang.org/protobuf/types/known/emptypb"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/directory/internal/readmodel"
	"github.com/socialrx/socialrx/services/directory/internal/store"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/language"

	"github.com/socialrx/socialrx/services/platform/validation"
)

// Server implements directoryv1.DirectoryServiceServer.
type Server struct {
	directoryv1.UnimplementedDirectoryServiceServer

	logger *slog.Logger
	index  *readmodel.Index

	organizations *resource[store.Organization, *store.Organization, *directoryv1.Organization]
	services      *resource[store.Service, *store.Service, *directoryv1.Service]
	locations     *resource[store.Location, *store.Location, *directoryv1.Location]
	terms         *resource[store.TaxonomyTerm, *store.TaxonomyTerm, *directoryv1.TaxonomyTerm]
	practitioners *resource[store.Practitioner, *store.Practitioner, *directoryv1.Practitioner]
}

var _ directoryv1.DirectoryServiceServer = (*Server)(nil)

// New returns the server.
func New(st *store.Store, ix *readmodel.Index, v *validation.Validator, logger *slog.Logger) *Server {
	s := &Server{logger: logger, index: ix}
	s.organizations = &resource[store.Organization, *store.Organization, *directoryv1.Organization]{
		coll: st.Organizations, toProto: organizationToProto, fromProto: organizationFromProto,
		prefix: store.OrganizationsPrefix, field: "organization", validator: v, texts: organizationTexts,
	}
	s.services = &resource[store.Service, *store.Service, *directoryv1.Service]{
		coll: st.Services, toProto: serviceToProto, fromProto: serviceFromProto,
		prefix: store.ServicesPrefix, field: "service", validator: v, texts: serviceTexts,
	}
	s.locations = &resource[store.Location, *store.Location, *directoryv1.Location]{
		coll: st.Locations, toProto: locationToProto, fromProto: locationFromProto,
		prefix: store.LocationsPrefix, field: "location", validator: v,
	}
	s.terms = &resource[store.TaxonomyTerm, *store.TaxonomyTerm, *directoryv1.TaxonomyTerm]{
		coll: st.TaxonomyTerms, toProto: taxonomyTermToProto, fromProto: taxonomyTermFromProto,
		prefix: store.TaxonomyTermsPrefix, field: "taxonomy_term", validator: v,
	}
	s.practitioners = &resource[store.Practitioner, *store.Practitioner, *directoryv1.Practitioner]{
		coll: st.Practitioners, toProto: practitionerToProto, fromProto: practitionerFromProto,
		prefix: store.PractitionersPrefix, field: "practitioner", validator: v,
	}
	s.organizations.lookup, s.organizations.sync = ix.Organization, s.sync
	s.services.lookup, s.services.sync = ix.Service, s.sync
	s.locations.lookup, s.locations.sync = ix.Location, s.sync
	s.terms.lookup, s.terms.sync = ix.TaxonomyTerm, s.sync
	s.practitioners.lookup, s.practitioners.sync = ix.Practitioner, s.sync
	s.organizations.references = func(ctx context.Context, m *directoryv1.Organization) error {
		if p := m.GetParentOrganization(); p != "" {
			if p == m.GetName() {
				return apierror.Field("organization.parent_organization", "must not be the organization itself")
			}
			return s.organizations.exists(ctx, p, "organization.parent_organization")
		}
		return nil
	}
	s.services.references = func(ctx context.Context, m *directoryv1.Service) error {
		if err := s.organizations.exists(ctx, m.GetOrganization(), "service.organization"); err != nil {
			return err
		}
		for i, t := range m.GetTaxonomyTerms() {
			if err := s.terms.exists(ctx, t, indexed("service.taxonomy_terms", i)); err != nil {
				return err
			}
		}
		for i, l := range m.GetLocations() {
			if err := s.locations.exists(ctx, l, indexed("service.locations", i)); err != nil {
				return err
			}
		}
		return nil
	}
	s.locations.references = func(ctx context.Context, m *directoryv1.Location) error {
		return s.organizations.exists(ctx, m.GetOrganization(), "location.organization")
	}
	s.terms.references = func(ctx context.Context, m *directoryv1.TaxonomyTerm) error {
		if p := m.GetParent(); p != "" {
			if p == m.GetName() {
				return apierror.Field("taxonomy_term.parent", "must not be the term itself")
			}
			return s.terms.exists(ctx, p, "taxonomy_term.parent")
		}
		return nil
	}
	s.practitioners.references = func(ctx context.Context, m *directoryv1.Practitioner) error {
		return s.organizations.exists(ctx, m.GetOrganization(), "practitioner.organization")
	}
	return s
}

// storeError maps store and driver errors to API errors.
func storeError(ctx context.Context, err error, name string) error {
	return apierror.FromStore(ctx, slog.Default(), err, name)
}

func indexed(field string, i int) string {
	return field + "[" + strconv.Itoa(i) + "]"
}

// Organizations.

func (s *Server) GetOrganization(ctx context.Context, req *directoryv1.GetOrganizationRequest) (*directoryv1.Organization, error) {
	return s.organizations.get(ctx, req.GetName(), language.Wanted(ctx, req.GetLanguageCode()))
}

func (s *Server) CreateOrganization(ctx context.Context, req *directoryv1.CreateOrganizationRequest) (*directoryv1.Organization, error) {
	return s.organizations.create(ctx, req.GetOrganization(), req.GetOrganizationId(), req.GetRequestId())
}

func (s *Server) UpdateOrganization(ctx context.Context, req *directoryv1.UpdateOrganizationRequest) (*directoryv1.Organization, error) {
	return s.organizations.update(ctx, req.GetOrganization(), req.GetUpdateMask(),
		(*directoryv1.Organization).GetName, (*directoryv1.Organization).GetEtag)
}

func (s *Server) DeleteOrganization(ctx context.Context, req *directoryv1.DeleteOrganizationRequest) (*emptypb.Empty, error) {
	if err := s.sync(ctx); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, s.organizations.delete(ctx, req.GetName(), req.GetEtag(), s.index.References)
}

func (s *Server) ListOrganizations(ctx context.Context, req *directoryv1.ListOrganizationsRequest) (*directoryv1.ListOrganizationsResponse, error) {
	q, err := s.listQuery(ctx, req, req.GetPageSize(), req.GetPageToken(), req.GetFilter(), req.GetSkip(), readmodel.OrganizationFilter)
	if err != nil {
		return nil, err
	}
	want := language.Wanted(ctx, req.GetLanguageCode())
	page := s.index.Organizations(q.filter, q.cursor.After, q.skip, q.size)
	resp := &directoryv1.ListOrganizationsResponse{TotalSize: int32(page.Total)}
	for _, d := range page.Items {
		resp.Organizations = append(resp.Organizations, s.organizations.localize(organizationToProto(d), want))
	}
	if page.More {
		resp.NextPageToken = q.next(page.Items[len(page.Items)-1].ID)
	}
	return resp, nil
}

// Services.

func (s *Server) GetService(ctx context.Context, req *directoryv1.GetServiceRequest) (*directoryv1.Service, error) {
	return s.services.get(ctx, req.GetName(), language.Wanted(ctx, req.GetLanguageCode()))
}

func (s *Server) CreateService(ctx context.Context, req *directoryv1.CreateServiceRequest) (*directoryv1.Service, error) {
	return s.services.create(ctx, req.GetService(), req.GetServiceId(), req.GetRequestId())
}

func (s *Server) UpdateService(ctx context.Context, req *directoryv1.UpdateServiceRequest) (*directoryv1.Service, error) {
	return s.services.update(ctx, req.GetService(), req.GetUpdateMask(),
		(*directoryv1.Service).GetName, (*directoryv1.Service).GetEtag)
}

func (s *Server) DeleteService(ctx context.Context, req *directoryv1.DeleteServiceRequest) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, s.services.delete(ctx, req.GetName(), req.GetEtag(), nil)
}

func (s *Server) ListServices(ctx context.Context, req *directoryv1.ListServicesRequest) (*directoryv1.ListServicesResponse, error) {
	q, err := s.listQuery(ctx, req, req.GetPageSize(), req.GetPageToken(), req.GetFilter(), req.GetSkip(), readmodel.ServiceFilter)
	if err != nil {
		return nil, err
	}
	want := language.Wanted(ctx, req.GetLanguageCode())
	page := s.index.Services(q.filter, q.cursor.After, q.skip, q.size)
	resp := &directoryv1.ListServicesResponse{TotalSize: int32(page.Total)}
	for _, d := range page.Items {
		resp.Services = append(resp.Services, s.services.localize(serviceToProto(d), want))
	}
	if page.More {
		resp.NextPageToken = q.next(page.Items[len(page.Items)-1].ID)
	}
	return resp, nil
}

// Locations.

func (s *Server) GetLocation(ctx context.Context, req *directoryv1.GetLocationRequest) (*directoryv1.Location, error) {
	return s.locations.get(ctx, req.GetName(), nil)
}

func (s *Server) CreateLocation(ctx context.Context, req *directoryv1.CreateLocationRequest) (*directoryv1.Location, error) {
	return s.locations.create(ctx, req.GetLocation(), req.GetLocationId(), req.GetRequestId())
}

func (s *Server) UpdateLocation(ctx context.Context, req *directoryv1.UpdateLocationRequest) (*directoryv1.Location, error) {
	return s.locations.update(ctx, req.GetLocation(), req.GetUpdateMask(),
		(*directoryv1.Location).GetName, (*directoryv1.Location).GetEtag)
}

func (s *Server) DeleteLocation(ctx context.Context, req *directoryv1.DeleteLocationRequest) (*emptypb.Empty, error) {
	if err := s.sync(ctx); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, s.locations.delete(ctx, req.GetName(), req.GetEtag(), s.index.LocationReferences)
}

func (s *Server) ListLocations(ctx context.Context, req *directoryv1.ListLocationsRequest) (*directoryv1.ListLocationsResponse, error) {
	q, err := s.listQuery(ctx, req, req.GetPageSize(), req.GetPageToken(), req.GetFilter(), req.GetSkip(), readmodel.LocationFilter)
	if err != nil {
		return nil, err
	}
	page := s.index.Locations(q.filter, q.cursor.After, q.skip, q.size)
	resp := &directoryv1.ListLocationsResponse{TotalSize: int32(page.Total)}
	for _, d := range page.Items {
		resp.Locations = append(resp.Locations, locationToProto(d))
	}
	if page.More {
		resp.NextPageToken = q.next(page.Items[len(page.Items)-1].ID)
	}
	return resp, nil
}

// Taxonomy terms.

func (s *Server) GetTaxonomyTerm(ctx context.Context, req *directoryv1.GetTaxonomyTermRequest) (*directoryv1.TaxonomyTerm, error) {
	return s.terms.get(ctx, req.GetName(), nil)
}

func (s *Server) CreateTaxonomyTerm(ctx context.Context, req *directoryv1.CreateTaxonomyTermRequest) (*directoryv1.TaxonomyTerm, error) {
	return s.terms.create(ctx, req.GetTaxonomyTerm(), req.GetTaxonomyTermId(), req.GetRequestId())
}

func (s *Server) UpdateTaxonomyTerm(ctx context.Context, req *directoryv1.UpdateTaxonomyTermRequest) (*directoryv1.TaxonomyTerm, error) {
	return s.terms.update(ctx, req.GetTaxonomyTerm(), req.GetUpdateMask(),
		(*directoryv1.TaxonomyTerm).GetName, (*directoryv1.TaxonomyTerm).GetEtag)
}

func (s *Server) DeleteTaxonomyTerm(ctx context.Context, req *directoryv1.DeleteTaxonomyTermRequest) (*emptypb.Empty, error) {
	if err := s.sync(ctx); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, s.terms.delete(ctx, req.GetName(), req.GetEtag(), s.index.TermReferences)
}

func (s *Server) ListTaxonomyTerms(ctx context.Context, req *directoryv1.ListTaxonomyTermsRequest) (*directoryv1.ListTaxonomyTermsResponse, error) {
	q, err := s.listQuery(ctx, req, req.GetPageSize(), req.GetPageToken(), req.GetFilter(), req.GetSkip(), readmodel.TaxonomyTermFilter)
	if err != nil {
		return nil, err
	}
	page := s.index.TaxonomyTerms(q.filter, q.cursor.After, q.skip, q.size)
	resp := &directoryv1.ListTaxonomyTermsResponse{TotalSize: int32(page.Total)}
	for _, d := range page.Items {
		resp.TaxonomyTerms = append(resp.TaxonomyTerms, taxonomyTermToProto(d))
	}
	if page.More {
		resp.NextPageToken = q.next(page.Items[len(page.Items)-1].ID)
	}
	return resp, nil
}

// Practitioners.

func (s *Server) GetPractitioner(ctx context.Context, req *directoryv1.GetPractitionerRequest) (*directoryv1.Practitioner, error) {
	return s.practitioners.get(ctx, req.GetName(), nil)
}

func (s *Server) CreatePractitioner(ctx context.Context, req *directoryv1.CreatePractitionerRequest) (*directoryv1.Practitioner, error) {
	return s.practitioners.create(ctx, req.GetPractitioner(), req.GetPractitionerId(), req.GetRequestId())
}

func (s *Server) UpdatePractitioner(ctx context.Context, req *directoryv1.UpdatePractitionerRequest) (*directoryv1.Practitioner, error) {
	return s.practitioners.update(ctx, req.GetPractitioner(), req.GetUpdateMask(),
		(*directoryv1.Practitioner).GetName, (*directoryv1.Practitioner).GetEtag)
}

func (s *Server) DeletePractitioner(ctx context.Context, req *directoryv1.DeletePractitionerRequest) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, s.practitioners.delete(ctx, req.GetName(), req.GetEtag(), nil)
}

func (s *Server) ListPractitioners(ctx context.Context, req *directoryv1.ListPractitionersRequest) (*directoryv1.ListPractitionersResponse, error) {
	q, err := s.listQuery(ctx, req, req.GetPageSize(), req.GetPageToken(), req.GetFilter(), req.GetSkip(), readmodel.PractitionerFilter)
	if err != nil {
		return nil, err
	}
	page := s.index.Practitioners(q.filter, q.cursor.After, q.skip, q.size)
	resp := &directoryv1.ListPractitionersResponse{TotalSize: int32(page.Total)}
	for _, d := range page.Items {
		resp.Practitioners = append(resp.Practitioners, practitionerToProto(d))
	}
	if page.More {
		resp.NextPageToken = q.next(page.Items[len(page.Items)-1].ID)
	}
	return resp, nil
}
