package directory_test

import (
	"fmt"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// Two directory instances share one database, as two replicas behind a load balancer would.
func TestTwoReplicasSameEtagExactlyOneWins(t *testing.T) {
	db := testenv.DatabaseName(t)
	a, b := directorytest.Start(t, directorytest.Options{Database: db}), directorytest.Start(t, directorytest.Options{Database: db})
	ctx := ctxT(t)
	org := mustOrg(t, a.Client, "rideau-vanier", "Rideau-Vanier CHC")

	for round := range 5 {
		current, err := b.Client.GetOrganization(ctx, &directoryv1.GetOrganizationRequest{Name: org.GetName()})
		if err != nil {
			t.Fatal(err)
		}
		const writers = 20
		var wg sync.WaitGroup
		var mu sync.Mutex
		var winners []string
		others := map[codes.Code]int{}
		for i := range writers {
			client := a.Client
			if i%2 == 1 {
				client = b.Client
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				desc := fmt.Sprintf("round %d writer %d", round, i)
				_, err := client.UpdateOrganization(ctx, &directoryv1.UpdateOrganizationRequest{
					Organization: &directoryv1.Organization{Name: org.GetName(), Description: desc, Etag: current.GetEtag()},
					UpdateMask:   &fieldmaskpb.FieldMask{Paths: []string{"description"}},
				})
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					winners = append(winners, desc)
					return
				}
				others[status.Code(err)]++
				if r := apierror.Reason(err); r != apierror.ReasonEtagMismatch && r != apierror.ReasonConcurrentUpdate {
					t.Errorf("loser reason = %q (%v)", r, err)
				}
			}()
		}
		wg.Wait()
		if len(winners) != 1 || others[codes.Aborted] != writers-1 {
			t.Fatalf("round %d: %d winners, losers by code %v; want exactly 1 winner and %d ABORTED", round, len(winners), others, writers-1)
		}
		// Both replicas read the winner's value.
		for _, c := range []directoryv1.DirectoryServiceClient{a.Client, b.Client} {
			got, err := c.GetOrganization(ctx, &directoryv1.GetOrganizationRequest{Name: org.GetName()})
			if err != nil || got.GetDescription() != winners[0] {
				t.Fatalf("round %d: stored description %q, %v; want %q", round, got.GetDescription(), err, winners[0])
			}
		}
	}
}

func TestReplicaListsSeeEachOthersWrites(t *testing.T) {
	db := testenv.DatabaseName(t)
	a, b := directorytest.Start(t, directorytest.Options{Database: db}), directorytest.Start(t, directorytest.Options{Database: db})
	ctx := ctxT(t)
	org := mustOrg(t, a.Client, "thunder-bay", "Port Arthur CHC")
	for i := range 10 {
		writer, reader := a.Client, b.Client
		if i%2 == 1 {
			writer, reader = b.Client, a.Client
		}
		s, err := writer.CreateService(ctx, &directoryv1.CreateServiceRequest{Service: &directoryv1.Service{
			Organization: org.GetName(), DisplayName: fmt.Sprintf("Programme %d", i)}})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := reader.SearchServices(ctx, &directoryv1.SearchServicesRequest{Query: fmt.Sprintf("programme %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetTotalSize() != 1 || resp.GetResults()[0].GetService().GetName() != s.GetName() {
			t.Fatalf("other replica's search right after create = %v; want %s", resp, s.GetName())
		}
		list, err := reader.ListServices(ctx, &directoryv1.ListServicesRequest{})
		if err != nil || int(list.GetTotalSize()) != i+1 {
			t.Fatalf("other replica lists %d services, want %d (%v)", list.GetTotalSize(), i+1, err)
		}
	}
	// A delete on one replica disappears from the other's listing.
	list, err := a.Client.ListServices(ctx, &directoryv1.ListServicesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	victim := list.GetServices()[0].GetName()
	if _, err := a.Client.DeleteService(ctx, &directoryv1.DeleteServiceRequest{Name: victim}); err != nil {
		t.Fatal(err)
	}
	after, err := b.Client.ListServices(ctx, &directoryv1.ListServicesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range after.GetServices() {
		if s.GetName() == victim {
			t.Fatalf("deleted %s still listed by the other replica", victim)
		}
	}
}
