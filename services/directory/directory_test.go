package directory_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// ctxT is the context of a test, acting as a directory administrator.
func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return as(ctx, adminID)
}

func mustOrg(t *testing.T, c directoryv1.DirectoryServiceClient, id, name string) *directoryv1.Organization {
	t.Helper()
	org, err := c.CreateOrganization(ctxT(t), &directoryv1.CreateOrganizationRequest{
		OrganizationId: id,
		Organization:   &directoryv1.Organization{DisplayName: name, MemberCentre: true},
	})
	if err != nil {
		t.Fatalf("create organization %s: %v", id, err)
	}
	return org
}

func TestOrganizationLifecycle(t *testing.T) {
	dir := directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t)})
	c, ctx := dir.Client, ctxT(t)

	created, err := c.CreateOrganization(ctx, &directoryv1.CreateOrganizationRequest{
		Organization: &directoryv1.Organization{
			DisplayName: "Riverdale Community Health Centre",
			Email:       "info@riverdale-chc.example.org",
			Phones:      []*directoryv1.Phone{{Number: "416-555-0142", Type: "voice"}},
		},
	})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if !strings.HasPrefix(created.GetName(), "organizations/") || created.GetEtag() == "" || created.GetCreateTime() == nil {
		t.Fatalf("created organization lacks name, etag or create_time: %v", created)
	}

	got, err := c.GetOrganization(ctx, &directoryv1.GetOrganizationRequest{Name: created.GetName()})
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if !proto.Equal(got, created) {
		t.Fatalf("get = %v, want %v", got, created)
	}

	// A partial update changes only the masked field, and moves the etag on.
	updated, err := c.UpdateOrganization(ctx, &directoryv1.UpdateOrganizationRequest{
		Organization: &directoryv1.Organization{Name: created.GetName(), Description: "Primary care and social prescribing.", Etag: created.GetEtag()},
		UpdateMask:   &fieldmaskpb.FieldMask{Paths: []string{"description"}},
	})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if updated.GetDescription() != "Primary care and social prescribing." || updated.GetDisplayName() != created.GetDisplayName() {
		t.Fatalf("update did not apply the mask only: %v", updated)
	}
	if updated.GetEtag() == created.GetEtag() {
		t.Fatal("etag did not change on update")
	}

	// The old etag is now stale.
	_, err = c.UpdateOrganization(ctx, &directoryv1.UpdateOrganizationRequest{
		Organization: &directoryv1.Organization{Name: created.GetName(), DisplayName: "Stale", Etag: created.GetEtag()},
		UpdateMask:   &fieldmaskpb.FieldMask{Paths: []string{"display_name"}},
	})
	testenv.WantCode(t, err, codes.Aborted, apierror.ReasonEtagMismatch)
	again, err := c.GetOrganization(ctx, &directoryv1.GetOrganizationRequest{Name: created.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if again.GetDisplayName() != created.GetDisplayName() {
		t.Fatalf("stale update changed the stored name to %q", again.GetDisplayName())
	}

	// Output-only fields cannot be named in a mask; unknown fields neither.
	for _, path := range []string{"create_time", "colour"} {
		_, err = c.UpdateOrganization(ctx, &directoryv1.UpdateOrganizationRequest{
			Organization: &directoryv1.Organization{Name: created.GetName()},
			UpdateMask:   &fieldmaskpb.FieldMask{Paths: []string{path}},
		})
		testenv.WantCode(t, err, codes.InvalidArgument, apierror.ReasonInvalidArgument)
		if f := apierror.ErrorInfo(err).GetMetadata()["field"]; f != "update_mask" {
			t.Fatalf("mask %q: field = %q, want update_mask", path, f)
		}
	}

	list, err := c.ListOrganizations(ctx, &directoryv1.ListOrganizationsRequest{})
	if err != nil || list.GetTotalSize() != 1 || list.GetOrganizations()[0].GetName() != created.GetName() {
		t.Fatalf("list = %v, %v; want the one organization", list, err)
	}

	_, err = c.DeleteOrganization(ctx, &directoryv1.DeleteOrganizationRequest{Name: created.GetName(), Etag: created.GetEtag()})
	testenv.WantCode(t, err, codes.Aborted, apierror.ReasonEtagMismatch)
	if _, err = c.DeleteOrganization(ctx, &directoryv1.DeleteOrganizationRequest{Name: created.GetName(), Etag: updated.GetEtag()}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = c.GetOrganization(ctx, &directoryv1.GetOrganizationRequest{Name: created.GetName()})
	testenv.WantCode(t, err, codes.NotFound, apierror.ReasonNotFound)
	list, err = c.ListOrganizations(ctx, &directoryv1.ListOrganizationsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if list.GetTotalSize() != 0 {
		t.Fatalf("deleted organization still listed: %v", list)
	}
}

func TestDeleteRefusedWhileReferenced(t *testing.T) {
	dir := directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t)})
	c, ctx := dir.Client, ctxT(t)
	org := mustOrg(t, c, "albion", "Albion Heights CHC")
	if _, err := c.CreateService(ctx, &directoryv1.CreateServiceRequest{Service: &directoryv1.Service{
		Organization: org.GetName(), DisplayName: "Friendly calls",
	}}); err != nil {
		t.Fatal(err)
	}
	_, err := c.DeleteOrganization(ctx, &directoryv1.DeleteOrganizationRequest{Name: org.GetName()})
	testenv.WantCode(t, err, codes.FailedPrecondition, apierror.ReasonStillReferenced)
	if _, err := c.GetOrganization(ctx, &directoryv1.GetOrganizationRequest{Name: org.GetName()}); err != nil {
		t.Fatalf("refused delete removed the organization: %v", err)
	}
}

func TestCreateWithRequestIDConcurrently(t *testing.T) {
	dir := directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t)})
	c, ctx := dir.Client, ctxT(t)
	org := mustOrg(t, c, "riverdale", "Riverdale CHC")

	const n = 50
	results := make([]*directoryv1.Service, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = c.CreateService(ctx, &directoryv1.CreateServiceRequest{
				RequestId: "3b9e6d8a-0f4e-4a55-9b8e-friendly-calls",
				Service:   &directoryv1.Service{Organization: org.GetName(), DisplayName: "Friendly calls"},
			})
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("call %d: %v", i, errs[i])
		}
		if !proto.Equal(results[i], results[0]) {
			t.Fatalf("call %d answered %v, call 0 answered %v", i, results[i], results[0])
		}
	}
	list, err := c.ListServices(ctx, &directoryv1.ListServicesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if list.GetTotalSize() != 1 {
		t.Fatalf("%d services stored for one request_id, want 1", list.GetTotalSize())
	}

	// A later repeat still returns the first result; a new request_id makes a new service.
	again, err := c.CreateService(ctx, &directoryv1.CreateServiceRequest{
		RequestId: "3b9e6d8a-0f4e-4a55-9b8e-friendly-calls",
		Service:   &directoryv1.Service{Organization: org.GetName(), DisplayName: "Friendly calls"},
	})
	if err != nil || !proto.Equal(again, results[0]) {
		t.Fatalf("repeat = %v, %v; want the first result", again, err)
	}
	// An explicit id that is taken is ALREADY_EXISTS.
	_, err = c.CreateOrganization(ctx, &directoryv1.CreateOrganizationRequest{
		OrganizationId: "riverdale", Organization: &directoryv1.Organization{DisplayName: "Another"},
	})
	testenv.WantCode(t, err, codes.AlreadyExists, apierror.ReasonAlreadyExists)
}

func TestPagingVisitsEveryServiceOnce(t *testing.T) {
	dir := directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t)})
	c, ctx := dir.Client, ctxT(t)
	org := mustOrg(t, c, "crown-point", "Crown Point CHC")

	const total = 1000
	created := createServices(t, c, org.GetName(), total, 8)

	seen := map[string]int{}
	token, pages := "", 0
	for {
		resp, err := c.ListServices(ctx, &directoryv1.ListServicesRequest{PageSize: 7, PageToken: token})
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		if resp.GetTotalSize() != total {
			t.Fatalf("total_size = %d, want %d", resp.GetTotalSize(), total)
		}
		if len(resp.GetServices()) > 7 {
			t.Fatalf("page of %d, want at most 7", len(resp.GetServices()))
		}
		for _, s := range resp.GetServices() {
			seen[s.GetName()]++
		}
		pages++
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	if pages != (total+6)/7 {
		t.Fatalf("%d pages, want %d", pages, (total+6)/7)
	}
	for name := range created {
		if seen[name] != 1 {
			t.Fatalf("%s seen %d times", name, seen[name])
		}
	}
	if len(seen) != total {
		t.Fatalf("saw %d distinct services, want %d", len(seen), total)
	}
}

// createServices creates n services of org with `workers` concurrent clients.
func createServices(t *testing.T, c directoryv1.DirectoryServiceClient, org string, n, workers int) map[string]bool {
	t.Helper()
	ctx := ctxT(t)
	var mu sync.Mutex
	names := map[string]bool{}
	jobs := make(chan int)
	errc := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				s, err := c.CreateService(ctx, &directoryv1.CreateServiceRequest{Service: &directoryv1.Service{
					Organization: org, DisplayName: fmt.Sprintf("Programme %04d", i),
				}})
				if err != nil {
					errc <- err
					return
				}
				mu.Lock()
				names[s.GetName()] = true
				mu.Unlock()
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errc:
		t.Fatalf("create service: %v", err)
	default:
	}
	return names
}

func TestPageTokenBoundToRequest(t *testing.T) {
	dir := directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t)})
	c, ctx := dir.Client, ctxT(t)
	org := mustOrg(t, c, "port-arthur", "Port Arthur CHC")
	createServices(t, c, org.GetName(), 5, 2)

	first, err := c.ListServices(ctx, &directoryv1.ListServicesRequest{PageSize: 2, Filter: `status = ACTIVE`})
	if err != nil || first.GetNextPageToken() == "" {
		t.Fatalf("first page: %v, %v", first, err)
	}
	_, err = c.ListServices(ctx, &directoryv1.ListServicesRequest{PageSize: 2, PageToken: first.GetNextPageToken(), Filter: `status = INACTIVE`})
	testenv.WantCode(t, err, codes.InvalidArgument, apierror.ReasonInvalidPageToken)
	// The same filter with another page size is the same listing.
	if _, err := c.ListServices(ctx, &directoryv1.ListServicesRequest{PageSize: 3, PageToken: first.GetNextPageToken(), Filter: `status = ACTIVE`}); err != nil {
		t.Fatalf("same filter, other page size: %v", err)
	}
	// A search token is not a list token.
	search, err := c.SearchServices(ctx, &directoryv1.SearchServicesRequest{PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListServices(ctx, &directoryv1.ListServicesRequest{PageSize: 2, PageToken: search.GetNextPageToken()})
	testenv.WantCode(t, err, codes.InvalidArgument, apierror.ReasonInvalidPageToken)
}
