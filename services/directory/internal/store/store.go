package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/platform/storage/snapshot"
)

// Collection and feed names.
const (
	Organizations = "organizations"
	Services      = "services"
	Locations     = "locations"
	TaxonomyTerms = "taxonomy_terms"
	Practitioners = "practitioners"
	FeedName      = "changes"
)

// Resource name prefixes.
const (
	OrganizationsPrefix = "organizations/"
	ServicesPrefix      = "services/"
	LocationsPrefix     = "locations/"
	TaxonomyTermsPrefix = "taxonomyTerms/"
	PractitionersPrefix = "practitioners/"
)

// Store holds the directory's collections.
type Store struct {
	Feed *changefeed.Feed
	// Snapshots holds snapshots of the read model, so a replica starts from one.
	Snapshots     *snapshot.Store
	Organizations *docstore.Collection[Organization, *Organization]
	Services      *docstore.Collection[Service, *Service]
	Locations     *docstore.Collection[Location, *Location]
	TaxonomyTerms *docstore.Collection[TaxonomyTerm, *TaxonomyTerm]
	Practitioners *docstore.Collection[Practitioner, *Practitioner]
}

// New returns the store over db. Every invariant rests on _id keys alone and reads are served
// from the in-memory read model, so the directory needs no secondary indexes.
func New(db *mongo.Database) *Store {
	feed := changefeed.New(db, FeedName)
	return &Store{
		Feed:          feed,
		Snapshots:     snapshot.New(db, "directory"),
		Organizations: docstore.NewCollection[Organization](db, Organizations, feed),
		Services:      docstore.NewCollection[Service](db, Services, feed),
		Locations:     docstore.NewCollection[Location](db, Locations, feed),
		TaxonomyTerms: docstore.NewCollection[TaxonomyTerm](db, TaxonomyTerms, feed),
		Practitioners: docstore.NewCollection[Practitioner](db, Practitioners, feed),
	}
}

// Prune deletes revisions that recovery no longer needs (see docstore.Retain).
func (s *Store) Prune(ctx context.Context) error {
	return inOrder(ctx, s.Organizations.Prune, s.Services.Prune, s.Locations.Prune, s.TaxonomyTerms.Prune, s.Practitioners.Prune)
}

// Recover brings every document up to its latest claim: a process that stopped mid-write can
// leave one behind (see docstore.Recover). Run it at start-up, before loading the read model.
func (s *Store) Recover(ctx context.Context) error {
	return inOrder(ctx, s.Organizations.Recover, s.Services.Recover, s.Locations.Recover, s.TaxonomyTerms.Recover, s.Practitioners.Recover)
}

// inOrder runs every step in order and stops at the first error.
func inOrder(ctx context.Context, steps ...func(context.Context) error) error {
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}
