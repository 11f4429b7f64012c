package hsds

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/socialrx/socialrx/gateway/hsds/document"
	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/platform/apierror"
)

// fetchParallelism bounds the Get calls in flight for one HTTP request.
const fetchParallelism = 8

// maxScan bounds how many records one HTTP request may read to answer a query that the
// directory cannot page for it (searching organizations, listing services at locations).
const maxScan = 20_000

// fetcher loads the resources that services refer to, each at most once per HTTP request.
type fetcher struct {
	client directoryv1.DirectoryServiceClient
	logger *slog.Logger
	mu     sync.Mutex
	rel    document.Related
}

func newFetcher(client directoryv1.DirectoryServiceClient, logger *slog.Logger) *fetcher {
	return &fetcher{client: client, logger: logger, rel: document.Related{
		Organizations: map[string]*directoryv1.Organization{},
		Locations:     map[string]*directoryv1.Location{},
		TaxonomyTerms: map[string]*directoryv1.TaxonomyTerm{},
	}}
}

// loadFor fetches the organizations, locations and taxonomy terms of services.
func (f *fetcher) loadFor(ctx context.Context, services []*directoryv1.Service) error {
	var orgs, locs, terms []string
	for _, s := range services {
		if s.GetOrganization() != "" {
			orgs = append(orgs, s.GetOrganization())
		}
		locs = append(locs, s.GetLocations()...)
		terms = append(terms, s.GetTaxonomyTerms()...)
	}
	return f.load(ctx, orgs, locs, terms)
}

// load fetches the named resources not yet held. A name that no longer exists (deleted since it
// was referenced) is held as nil, so the export leaves it out instead of failing the request.
func (f *fetcher) load(ctx context.Context, orgs, locs, terms []string) error {
	var tasks []func(context.Context) error
	tasks = appendTasks(tasks, f, f.rel.Organizations, orgs, func(ctx context.Context, name string) (*directoryv1.Organization, error) {
		return f.client.GetOrganization(ctx, &directoryv1.GetOrganizationRequest{Name: name})
	})
	tasks = appendTasks(tasks, f, f.rel.Locations, locs, func(ctx context.Context, name string) (*directoryv1.Location, error) {
		return f.client.GetLocation(ctx, &directoryv1.GetLocationRequest{Name: name})
	})
	tasks = appendTasks(tasks, f, f.rel.TaxonomyTerms, terms, func(ctx context.Context, name string) (*directoryv1.TaxonomyTerm, error) {
		return f.client.GetTaxonomyTerm(ctx, &directoryv1.GetTaxonomyTermRequest{Name: name})
	})
	return runTasks(ctx, tasks)
}

func appendTasks[T proto.Message](tasks []func(context.Context) error, f *fetcher, held map[string]T, names []string,
	get func(context.Context, string) (T, error)) []func(context.Context) error {
	seen := map[string]bool{}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, name := range names {
		if _, ok := held[name]; ok || seen[name] {
			continue
		}
		seen[name] = true
		tasks = append(tasks, func(ctx context.Context) error {
			v, err := get(ctx, name)
			if status.Code(err) == codes.NotFound {
				f.logger.WarnContext(ctx, "hsds: referenced resource not found", "name", name)
				var zero T
				v, err = zero, nil
			}
			if err != nil {
				return fmt.Errorf("get %s: %w", name, err)
			}
			f.mu.Lock()
			held[name] = v
			f.mu.Unlock()
			return nil
		})
	}
	return tasks
}

// runTasks runs tasks at most fetchParallelism at a time and returns the first error; the
// others are cancelled.
func runTasks(ctx context.Context, tasks []func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, fetchParallelism)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for _, task := range tasks {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := task(ctx); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// errTooManyResults is returned when a query needs more than maxScan records.
func errTooManyResults() error {
	return apierror.FailedPrecondition("RESULT_TOO_LARGE",
		fmt.Sprintf("the query matches more than %d records; narrow it with search, organization_id or taxonomy_term_id", maxScan), nil)
}

// scanServices reads every service that req matches, page by page.
func scanServices(ctx context.Context, client directoryv1.DirectoryServiceClient, req *directoryv1.SearchServicesRequest) ([]*directoryv1.Service, error) {
	req = proto.CloneOf(req)
	req.PageSize, req.Skip, req.PageToken = MaxPerPage, 0, ""
	var out []*directoryv1.Service
	for {
		resp, err := client.SearchServices(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("search services: %w", err)
		}
		for _, m := range resp.GetResults() {
			out = append(out, m.GetService())
		}
		if resp.GetNextPageToken() == "" {
			return out, nil
		}
		if len(out) >= maxScan {
			return nil, errTooManyResults()
		}
		req.PageToken = resp.GetNextPageToken()
	}
}

// scanOrganizations reads every organization that filter matches, page by page.
func scanOrganizations(ctx context.Context, client directoryv1.DirectoryServiceClient, filter string) ([]*directoryv1.Organization, error) {
	req := &directoryv1.ListOrganizationsRequest{PageSize: MaxPerPage, Filter: filter}
	var out []*directoryv1.Organization
	for {
		resp, err := client.ListOrganizations(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("list organizations: %w", err)
		}
		out = append(out, resp.GetOrganizations()...)
		if resp.GetNextPageToken() == "" {
			return out, nil
		}
		if len(out) >= maxScan {
			return nil, errTooManyResults()
		}
		req.PageToken = resp.GetNextPageToken()
	}
}

// scanTaxonomyTerms reads every taxonomy term that filter matches, page by page.
func scanTaxonomyTerms(ctx context.Context, client directoryv1.DirectoryServiceClient, filter string) ([]*directoryv1.TaxonomyTerm, error) {
	req := &directoryv1.ListTaxonomyTermsRequest{PageSize: MaxPerPage, Filter: filter}
	var out []*directoryv1.TaxonomyTerm
	for {
		resp, err := client.ListTaxonomyTerms(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("list taxonomy terms: %w", err)
		}
		out = append(out, resp.GetTaxonomyTerms()...)
		if resp.GetNextPageToken() == "" {
			return out, nil
		}
		if len(out) >= maxScan {
			return nil, errTooManyResults()
		}
		req.PageToken = resp.GetNextPageToken()
	}
}

// scanLocations reads every location that filter matches, page by page.
func scanLocations(ctx context.Context, client directoryv1.DirectoryServiceClient, filter string) ([]*directoryv1.Location, error) {
	req := &directoryv1.ListLocationsRequest{PageSize: MaxPerPage, Filter: filter}
	var out []*directoryv1.Location
	for {
		resp, err := client.ListLocations(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("list locations: %w", err)
		}
		out = append(out, resp.GetLocations()...)
		if resp.GetNextPageToken() == "" {
			return out, nil
		}
		if len(out) >= maxScan {
			return nil, errTooManyResults()
		}
		req.PageToken = resp.GetNextPageToken()
	}
}
