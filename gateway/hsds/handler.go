// Package hsds serves the read-only Open Referral HSDS 3.0 API of the directory over its gRPC
// client, beside the REST gateway. The mapping of directory resources to HSDS objects is
// gateway/hsds/document; errors are the gateway's AIP-193 bodies.
package hsds

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/socialrx/socialrx/gateway/hsds/document"
	"github.com/socialrx/socialrx/gateway/httperror"
	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/geo"
	"github.com/socialrx/socialrx/services/platform/language"
)

// What `GET /` says about the API.
const (
	// Version is the HSDS version served.
	Version = "3.0"
	// ProfileURL names the HSDS profile of the API: the base HSDS 3.0 specification.
	ProfileURL = "https://github.com/openreferral/specification/tree/3.0"
	// OpenAPIURL is the HSDS 3.0 OpenAPI document the API follows.
	OpenAPIURL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"
)

type handler struct {
	client directoryv1.DirectoryServiceClient
	logger *slog.Logger
}

// NewHandler serves the read-only HSDS 3.0 API from the directory. Its paths are relative to
// where it is mounted, e.g. with http.StripPrefix("/hsds", h): `/`, `/services`,
// `/services/{id}`, `/organizations`, `/organizations/{id}`, `/taxonomy_terms`,
// `/taxonomy_terms/{id}`, `/service_at_locations` and `/service_at_locations/{id}`.
//
// Lists take the HSDS parameters page, per_page, search, taxonomy_term_id, organization_id,
// modified_after and proximity (see ParseListParams), and answer with the HSDS page envelope.
// HSDS measures proximity from the centroid of a postcode, which the directory cannot
// geocode, so the centre is given with the extension parameters latitude and longitude. A
// service_at_location id is "{service id}:{location id}". Errors are AIP-193 JSON bodies with
// the HTTP status of their gRPC code.
func NewHandler(client directoryv1.DirectoryServiceClient, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	h := &handler{client: client, logger: logger}
	mux := http.NewServeMux()
	for pattern, serve := range h.routes() {
		mux.HandleFunc(pattern, serve)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, logger, apierror.New(codes.NotFound, apierror.ReasonNotFound,
			fmt.Sprintf("no HSDS endpoint at %s", r.URL.Path), map[string]string{"path": r.URL.Path}))
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			// The mux would answer 404 through the catch-all; say what is wrong instead.
			w.Header().Set("Allow", "GET, HEAD")
			httperror.WriteStatusCode(w, http.StatusMethodNotAllowed, status.Convert(apierror.New(codes.Unimplemented,
				"METHOD_NOT_ALLOWED", fmt.Sprintf("method %s not allowed: the HSDS API is read-only", r.Method), nil)))
			return
		}
		// An HSDS record holds one language: the reader's Accept-Language chooses it among the
		// directory's texts, the record's own language when it has none of them.
		w.Header().Add("Vary", "Accept-Language")
		if al := r.Header.Get("Accept-Language"); al != "" {
			r = r.WithContext(metadata.AppendToOutgoingContext(r.Context(), language.AcceptLanguage, al))
		}
		mux.ServeHTTP(w, r)
	})
}

// routes are the endpoints of the API, by ServeMux pattern.
func (h *handler) routes() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"GET /{$}":                       h.info,
		"GET /services":                  h.listServices,
		"GET /services/{id}":             h.getService,
		"GET /organizations":             h.listOrganizations,
		"GET /organizations/{id}":        h.getOrganization,
		"GET /taxonomy_terms":            h.listTaxonomyTerms,
		"GET /taxonomy_terms/{id}":       h.getTaxonomyTerm,
		"GET /service_at_locations":      h.listServiceAtLocations,
		"GET /service_at_locations/{id}": h.getServiceAtLocation,
	}
}

// Routes are the ServeMux patterns NewHandler serves, relative to where it is mounted, e.g.
// "GET /services/{id}"; the OpenAPI document is checked against them.
func Routes() []string {
	return slices.Sorted(maps.Keys((&handler{}).routes()))
}

func (h *handler) info(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, h.logger, http.StatusOK, document.APIInfo{Version: Version, Profile: ProfileURL, OpenAPIURL: OpenAPIURL})
}

// pathID returns the {id} of the path, or an INVALID_ARGUMENT error; the query may hold only params.
func pathID(r *http.Request, params ...string) (string, error) {
	if err := refuseUnknown(r.URL.Query(), params...); err != nil {
		return "", err
	}
	id := r.PathValue("id")
	if !document.ValidID(id) {
		return "", apierror.Field("id", "must be an id of letters, digits, '.', '_' or '-', at most 63 characters")
	}
	return id, nil
}

// searchRequest maps list parameters to a SearchServices request for one page.
func searchRequest(p ListParams) *directoryv1.SearchServicesRequest {
	req := &directoryv1.SearchServicesRequest{
		Query:    p.Search,
		Near:     p.Near,
		PageSize: int32(p.PerPage),
		Skip:     int32(p.Skip()),
		Filter:   updateTimeFilter(p.ModifiedAfter),
	}
	if p.TaxonomyTermID != "" {
		req.TaxonomyTerms = []string{taxonomyTermsPrefix + p.TaxonomyTermID}
	}
	if p.OrganizationID != "" {
		req.Organization = organizationsPrefix + p.OrganizationID
	}
	return req
}

// serviceParams reads the parameters of the service endpoints.
func serviceParams(r *http.Request) (ListParams, error) {
	p, err := ParseListParams(r.URL.Query())
	if err != nil {
		return p, err
	}
	if r.URL.Query().Get("taxonomy_id") != "" {
		// The directory matches services by term, not by whole taxonomy.
		return p, apierror.Field("taxonomy_id", "not supported for services; use taxonomy_term_id")
	}
	return p, nil
}

func (h *handler) listServices(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, err := serviceParams(r)
	if err != nil {
		writeError(w, r, h.logger, err)
		return
	}
	resp, err := h.client.SearchServices(ctx, searchRequest(p))
	if err != nil {
		writeError(w, r, h.logger, fmt.Errorf("search services: %w", err))
		return
	}
	services := make([]*directoryv1.Service, 0, len(resp.GetResults()))
	for _, m := range resp.GetResults() {
		services = append(services, m.GetService())
	}
	contents, err := h.exportServices(ctx, services)
	if err != nil {
		writeError(w, r, h.logger, err)
		return
	}
	writeJSON(w, h.logger, http.StatusOK, document.NewPage(contents, p.Page, p.PerPage, int(resp.GetTotalSize())))
}

// exportServices maps services to fully nested HSDS services.
func (h *handler) exportServices(ctx context.Context, services []*directoryv1.Service) ([]document.Service, error) {
	f := newFetcher(h.client, h.logger)
	if err := f.loadFor(ctx, services); err != nil {
		return nil, err
	}
	out := make([]document.Service, 0, len(services))
	for _, s := range services {
		out = append(out, document.ExportService(s, f.rel))
	}
	return out, nil
}

func (h *handler) getService(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, h.logger, err)
		return
	}
	s, err := h.client.GetService(ctx, &directoryv1.GetServiceRequest{Name: servicesPrefix + id})
	if err != nil {
		writeError(w, r, h.logger, fmt.Errorf("get service: %w", err))
		return
	}
	out, err := h.exportServices(ctx, []*directoryv1.Service{s})
	if err != nil {
		writeError(w, r, h.logger, err)
		return
	}
	writeJSON(w, h.logger, http.StatusOK, out[0])
}

func (h *handler) listOrganizations(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, err := ParseListParams(r.URL.Query())
	if err != nil {
		writeError(w, r, h.logger, err)
		return
	}
	filter := updateTimeFilter(p.ModifiedAfter)
	var orgs []*directoryv1.Organization
	var total int
	if p.Search == "" {
		resp, err := h.client.ListOrganizations(ctx, &directoryv1.ListOrganizationsRequest{
			PageSize: int32(p.PerPage), Skip: int32(p.Skip()), Filter: filter,
		})
		if err != nil {
			writeError(w, r, h.logger, fmt.Errorf("list organizations: %w", err))
			return
		}
		orgs, total = resp.GetOrganizations(), int(resp.GetTotalSize())
	} else {
		// ListOrganizations has no free-text search, so the matching is done here.
		all, err := scanOrganizations(ctx, h.client, filter)
		if err != nil {
			writeError(w, r, h.logger, err)
			return
		}
		all = slices.DeleteFunc(all, func(o *directoryv1.Organization) bool {
			return !matchesSearch(p.Search, o.GetDisplayName(), o.GetAlternateName(), o.GetDescription())
		})
		orgs, total = pageOf(all, p), len(all)
	}
	contents := make([]document.Organization, 0, len(orgs))
	for _, o := range orgs {
		contents = append(contents, document.ExportOrganization(o))
	}
	writeJSON(w, h.logger, http.StatusOK, document.NewPage(contents, p.Page, p.PerPage, total))
}

func (h *handler) getOrganization(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := pathID(r, "full_service")
	if err != nil {
		writeError(w, r, h.logger, err)
		return
	}
	fullService, err := parseBool("full_service", r.URL.Query().Get("full_service"))
	if err != nil {
		writeError(w, r, h.logger, err)
		return
	}
	name := organizationsPrefix + id
	o, err := h.client.GetOrganization(ctx, &directoryv1.GetOrganizationRequest{Name: name})
	if err != nil {
		writeError(w, r, h.logger, fmt.Errorf("get organization: %w", err))
		return
	}
	out := document.ExportOrganization(o)
	locs, err := scanLocations(ctx, h.client, fmt.Sprintf("organization = %q", name))
	if err != nil {
		writeError(w, r, h.logger, err)
		return
	}
	for _, l := range locs {
		out.Locations = append(out.Locations, document.ExportLocation(l))
	}
	services, err := scanServices(ctx, h.client, &directoryv1.SearchServicesRequest{Organization: name})
	if err != nil {
		writeError(w, r, h.logger, err)
		return
	}
	if fullService {
		if out.Services, err = h.exportServices(ctx, services); err != nil {
			writeError(w, r, h.logger, err)
			return
		}
	} else {
		// HSDS nests only the services' own fields unless full_service is asked for.
		for _, s := range services {
			out.Services = append(out.Services, document.ExportServiceBasic(s))
		}
	}
	writeJSON(w, h.logger, http.StatusOK, out)
}

// taxonomyTermFilter is the AIP-160 filter for the taxonomy term list parameters.
func taxonomyTermFilter(p ListParams) string {
	var parts []string
	if f := updateTimeFilter(p.ModifiedAfter); f != "" {
		parts = append(parts, f)
	}
	if p.TaxonomyID != "" {
		// The directory names a term's taxonomy rather than linking a taxonomy record.
		parts = append(parts, fmt.Sprintf("taxonomy = %q", p.TaxonomyID))
	}
	switch {
	case p.ParentID != "":
		parts = append(parts, fmt.Sprintf("parent = %q", taxonomyTermsPrefix+p.ParentID))
	case p.TopOnly:
		parts = append(parts, "NOT parent:*") // an unset parent does not equal ""
	}
	return strings.Join(parts, " AND ")
}

func (h *handler) listTaxonomyTerms(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, err := ParseListParams(r.URL.Query())
	if err != nil {
		writeError(w, r, h.logger, err)
		return
	}
	filter := taxonomyTermFilter(p)
	var terms []*directoryv1.TaxonomyTerm
	var total int
	if p.Search == "" {
		resp, err := h.client.ListTaxonomyTerms(ctx, &directoryv1.ListTaxonomyTermsRequest{
			PageSize: int32(p.PerPage), Skip: int32(p.Skip()), Filter: filter,
		})
		if err != nil {
			writeError(w, r, h.logger, fmt.Errorf("list taxonomy terms: %w", err))
			return
		}
		terms, total = resp.GetTaxonomyTerms(), int(resp.GetTotalSize())
	} else {
		// ListTaxonomyTerms has no free-text search, so the matching is done here.
		all, err := scanTaxonomyTerms(ctx, h.client, filter)
		if err != nil {
			writeError(w, r, h.logger, err)
			return
		}
		all = slices.DeleteFunc(all, func(t *directoryv1.TaxonomyTerm) bool {
			return !matchesSearch(p.Search, t.GetCode(), t.GetDisplayName(), t.GetDescription())
		})
		terms, total = pageOf(all, p), len(all)
	}
	contents := make([]document.TaxonomyTerm, 0, len(terms))
	for _, t := range terms {
		contents = append(contents, document.ExportTaxonomyTerm(t))
	}
	writeJSON(w, h.logger, http.StatusOK, document.NewPage(contents, p.Page, p.PerPage, total))
}

func (h *handler) getTaxonomyTerm(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, h.logger, err)
		return
	}
	t, err := h.client.GetTaxonomyTerm(r.Context(), &directoryv1.GetTaxonomyTermRequest{Name: taxonomyTermsPrefix + id})
	if err != nil {
		writeError(w, r, h.logger, fmt.Errorf("get taxonomy term: %w", err))
		return
	}
	writeJSON(w, h.logger, http.StatusOK, document.ExportTaxonomyTerm(t))
}

// serviceLocation is one service delivered at one of its locations.
type serviceLocation struct {
	service  *directoryv1.Service
	location string
	distance float64
}

func (h *handler) listServiceAtLocations(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, err := serviceParams(r)
	if err != nil {
		writeError(w, r, h.logger, err)
		return
	}
	// The directory pages services, not pairs, so all matching services are read to count pairs.
	services, err := scanServices(ctx, h.client, searchRequest(p))
	if err != nil {
		writeError(w, r, h.logger, err)
		return
	}
	f := newFetcher(h.client, h.logger)
	var pairs []serviceLocation
	if p.Near == nil {
		for _, s := range services {
			for _, l := range s.GetLocations() {
				pairs = append(pairs, serviceLocation{service: s, location: l})
			}
		}
	} else {
		// A service near the point may have other locations far away; keep only the near ones.
		var locs []string
		for _, s := range services {
			locs = append(locs, s.GetLocations()...)
		}
		if err := f.load(ctx, nil, locs, nil); err != nil {
			writeError(w, r, h.logger, err)
			return
		}
		for _, s := range services {
			for _, name := range s.GetLocations() {
				l := f.rel.Locations[name]
				if l == nil || l.Latitude == nil || l.Longitude == nil {
					continue
				}
				d := geo.Distance(p.Near.GetLatitude(), p.Near.GetLongitude(), l.GetLatitude(), l.GetLongitude())
				if d <= p.Near.GetRadiusMeters() {
					pairs = append(pairs, serviceLocation{service: s, location: name, distance: d})
				}
			}
		}
		slices.SortStableFunc(pairs, func(a, b serviceLocation) int {
			switch {
			case a.distance < b.distance:
				return -1
			case a.distance > b.distance:
				return 1
			}
			return 0
		})
	}
	page := pageOf(pairs, p)
	pageServices := make([]*directoryv1.Service, 0, len(page))
	for _, sl := range page {
		pageServices = append(pageServices, sl.service)
	}
	if err := f.loadFor(ctx, pageServices); err != nil {
		writeError(w, r, h.logger, err)
		return
	}
	contents := make([]document.ServiceAtLocation, 0, len(page))
	for _, sl := range page {
		contents = append(contents, document.ExportServiceAtLocation(sl.service, f.rel.Locations[sl.location], sl.location, f.rel))
	}
	writeJSON(w, h.logger, http.StatusOK, document.NewPage(contents, p.Page, p.PerPage, len(pairs)))
}

func (h *handler) getServiceAtLocation(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := refuseUnknown(r.URL.Query()); err != nil {
		writeError(w, r, h.logger, err)
		return
	}
	id := r.PathValue("id")
	serviceID, locationID, ok := splitServiceAtLocationID(id)
	if !ok {
		writeError(w, r, h.logger, apierror.Field("id", "must be {service id}:{location id}"))
		return
	}
	s, err := h.client.GetService(ctx, &directoryv1.GetServiceRequest{Name: servicesPrefix + serviceID})
	if err != nil {
		writeError(w, r, h.logger, fmt.Errorf("get service: %w", err))
		return
	}
	locName := locationsPrefix + locationID
	notFound := apierror.NotFound("service_at_locations/" + id)
	if !slices.Contains(s.GetLocations(), locName) {
		writeError(w, r, h.logger, notFound)
		return
	}
	f := newFetcher(h.client, h.logger)
	if err := f.loadFor(ctx, []*directoryv1.Service{s}); err != nil {
		writeError(w, r, h.logger, err)
		return
	}
	l := f.rel.Locations[locName]
	if l == nil {
		writeError(w, r, h.logger, notFound)
		return
	}
	writeJSON(w, h.logger, http.StatusOK, document.ExportServiceAtLocation(s, l, locName, f.rel))
}

// pageOf returns the page of all that p asks for.
func pageOf[T any](all []T, p ListParams) []T {
	start := min(p.Skip(), len(all))
	end := min(start+p.PerPage, len(all))
	return all[start:end]
}

// matchesSearch reports whether every word of query occurs in one of fields, ignoring case, as
// SearchServices matches its query.
func matchesSearch(query string, fields ...string) bool {
	text := strings.ToLower(strings.Join(fields, "\n"))
	for _, word := range strings.Fields(strings.ToLower(query)) {
		if !strings.Contains(text, word) {
			return false
		}
	}
	return true
}
