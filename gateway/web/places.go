package web

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
)

// centre is a member centre that a search can be "near": its organisation and the coordinates of
// its main physical location.
type centre struct {
	Organization string
	Name         string
	Lang         string // of Name, when not the page's language (see localCentres)
	Latitude     float64
	Longitude    float64
}

// directoryFacts are the slowly changing parts of the directory that every listing shows: member
// centres, organisation names and taxonomy terms.
type directoryFacts struct {
	centres []centre
	orgs    map[string]string // names, in each organisation's own language
	// orgDocs are the organisations with their names in every language they have.
	orgDocs map[string]*directoryv1.Organization
	terms   []*directoryv1.TaxonomyTerm
}

// placeCache keeps directoryFacts for a short while, so a listing costs no directory calls.
type placeCache struct {
	dir directoryv1.DirectoryServiceClient
	ttl time.Duration

	mu    sync.Mutex
	at    time.Time
	facts *directoryFacts
}

func newPlaceCache(dir directoryv1.DirectoryServiceClient, ttl time.Duration) *placeCache {
	return &placeCache{dir: dir, ttl: ttl}
}

func (c *placeCache) get(ctx context.Context) (*directoryFacts, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.facts != nil && time.Since(c.at) < c.ttl {
		return c.facts, nil
	}
	f, err := c.load(ctx)
	if err != nil {
		return nil, err
	}
	c.facts, c.at = f, time.Now()
	return f, nil
}

func (c *placeCache) load(ctx context.Context) (*directoryFacts, error) {
	f := &directoryFacts{orgs: map[string]string{}, orgDocs: map[string]*directoryv1.Organization{}}
	member := map[string]bool{}
	for tok := ""; ; {
		resp, err := c.dir.ListOrganizations(ctx, &directoryv1.ListOrganizationsRequest{PageSize: 1000, PageToken: tok})
		if err != nil {
			return nil, fmt.Errorf("list organizations: %w", err)
		}
		for _, o := range resp.GetOrganizations() {
			f.orgs[o.GetName()] = o.GetDisplayName()
			f.orgDocs[o.GetName()] = o
			member[o.GetName()] = o.GetMemberCentre()
		}
		if tok = resp.GetNextPageToken(); tok == "" {
			break
		}
	}
	seen := map[string]bool{}
	for tok := ""; ; {
		resp, err := c.dir.ListLocations(ctx, &directoryv1.ListLocationsRequest{PageSize: 1000, PageToken: tok})
		if err != nil {
			return nil, fmt.Errorf("list locations: %w", err)
		}
		for _, l := range resp.GetLocations() {
			org := l.GetOrganization()
			if !member[org] || seen[org] || l.Latitude == nil || l.Longitude == nil ||
				l.GetLocationType() == directoryv1.LocationType_LOCATION_TYPE_VIRTUAL {
				continue
			}
			seen[org] = true
			f.centres = append(f.centres, centre{Organization: org, Name: f.orgs[org], Latitude: l.GetLatitude(), Longitude: l.GetLongitude()})
		}
		if tok = resp.GetNextPageToken(); tok == "" {
			break
		}
	}
	sort.Slice(f.centres, func(i, j int) bool { return f.centres[i].Name < f.centres[j].Name })
	for tok := ""; ; {
		resp, err := c.dir.ListTaxonomyTerms(ctx, &directoryv1.ListTaxonomyTermsRequest{PageSize: 1000, PageToken: tok})
		if err != nil {
			return nil, fmt.Errorf("list taxonomy terms: %w", err)
		}
		f.terms = append(f.terms, resp.GetTaxonomyTerms()...)
		if tok = resp.GetNextPageToken(); tok == "" {
			break
		}
	}
	sort.Slice(f.terms, func(i, j int) bool { return f.terms[i].GetDisplayName() < f.terms[j].GetDisplayName() })
	return f, nil
}

func (f *directoryFacts) centre(org string) (centre, bool) {
	for _, c := range f.centres {
		if c.Organization == org {
			return c, true
		}
	}
	return centre{}, false
}

func (f *directoryFacts) termName(name string) string {
	for _, t := range f.terms {
		if t.GetName() == name {
			return t.GetDisplayName()
		}
	}
	return ""
}

// names returns the directory's names of places and organisations for a page; when they cannot
// be had it answers the request with the error and returns false.
func (h *Handler) names(ctx context.Context, w http.ResponseWriter, r *http.Request) (*directoryFacts, bool) {
	facts, err := h.places.get(ctx)
	if err != nil {
		h.failCall(w, r, err)
		return nil, false
	}
	return facts, true
}

// people is names for the directory's practitioners.
func (h *Handler) people(ctx context.Context, w http.ResponseWriter, r *http.Request) (people, bool) {
	who, err := h.practitioners(ctx)
	if err != nil {
		h.failCall(w, r, err)
		return nil, false
	}
	return who, true
}

// namesAndPeople is names and people, for the pages that show both.
func (h *Handler) namesAndPeople(ctx context.Context, w http.ResponseWriter, r *http.Request) (*directoryFacts, people, bool) {
	facts, ok := h.names(ctx, w, r)
	if !ok {
		return nil, nil, false
	}
	who, ok := h.people(ctx, w, r)
	return facts, who, ok
}
