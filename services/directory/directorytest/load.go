package directorytest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/directory/internal/store"
)

// LoadServices creates n services from 16 clients, spread over 50 organisations with 4
// locations each across southern Ontario, and returns their names. Every tenth service is a
// nature walk, classified under walkTerm when it is set; the rest are friendly calls. ctx acts
// as a directory administrator.
func LoadServices(ctx context.Context, tb testing.TB, c directoryv1.DirectoryServiceClient, n int, walkTerm string) []string {
	tb.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	type site struct{ name, org string }
	var locs []site
	for o := range 50 {
		org, err := c.CreateOrganization(ctx, &directoryv1.CreateOrganizationRequest{Organization: &directoryv1.Organization{
			DisplayName: fmt.Sprintf("Centre %d", o)}})
		if err != nil {
			tb.Fatal(err)
		}
		for l := range 4 {
			lat, lng := 43.0+rng.Float64()*2, -81.0+rng.Float64()*3
			loc, err := c.CreateLocation(ctx, &directoryv1.CreateLocationRequest{Location: &directoryv1.Location{
				Organization: org.GetName(), DisplayName: fmt.Sprintf("Site %d", l), Latitude: &lat, Longitude: &lng}})
			if err != nil {
				tb.Fatal(err)
			}
			locs = append(locs, site{loc.GetName(), org.GetName()})
		}
	}
	names := make([]string, n)
	var wg sync.WaitGroup
	errc := make(chan error, 16)
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 16 {
				loc := locs[Spread(i, len(locs))]
				kind, terms := "Friendly calls", []string(nil)
				if i%10 == 0 {
					kind = "Nature walk"
					if walkTerm != "" {
						terms = []string{walkTerm}
					}
				}
				s, err := c.CreateService(ctx, &directoryv1.CreateServiceRequest{Service: &directoryv1.Service{
					Organization: loc.org, DisplayName: fmt.Sprintf("%s %d", kind, i),
					Description: "A programme for people who would like company; this one is a " + kind + ".",
					Languages:   []string{"en"}, Locations: []string{loc.name}, TaxonomyTerms: terms,
				}})
				if err != nil {
					errc <- err
					return
				}
				names[i] = s.GetName()
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errc:
		tb.Fatal(err)
	default:
	}
	return names
}

// Spread maps call i of a benchmark to an item all over [0, n), not only the first ones
// inserted, which a database reading rows in order would find fastest.
func Spread(i, n int) int { return (i * 7919) % n }

// ServicesCollection is the database collection the directory keeps its services in, for a
// benchmark that asks the database directly.
const ServicesCollection = store.Services
