package store

import (
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
)

// Collection and feed names.
const (
	Organizations = "organizations"
	Services      = "services"
	Locations     = "locations"
	TaxonomyTerms = "taxonomy_terms"
	Practitioners = "practitioners"
	FeedPrefix    = "changes"
)

// Store holds the directory's collections.
type Store struct {
	Feed          *changefeed.Feed
	Organizations *docstore.Collection[Organization, *Organization]
	Services      *docstore.Collection[Service, *Service]
	Locations     *docstore.Collection[Location, *Location]
	TaxonomyTerms *docstore.Collection[TaxonomyTerm, *TaxonomyTerm]
	Practitioners *docstore.Collection[Practitioner, *Practitioner]
}

// Shards spreads each kind over this many collections. FerretDB finds a document by reading a
// collection's rows in order until it matches, so a lookup costs time in proportion to the
// collection's size; shards keep writes (which read the current version first) fast as the
// directory grows toward tens of thousands of services.
const Shards = 64

// New returns the store over db. Every invariant rests on _id keys alone and reads are served
// from the in-memory read model, so the directory needs no secondary indexes.
func New(db *mongo.Database) *Store {
	feed := changefeed.New(db, FeedPrefix)
	return &Store{
		Feed:          feed,
		Organizations: docstore.NewShardedCollection[Organization](db, Organizations, Shards, feed),
		Services:      docstore.NewShardedCollection[Service](db, Services, Shards, feed),
		Locations:     docstore.NewShardedCollection[Location](db, Locations, Shards, feed),
		TaxonomyTerms: docstore.NewShardedCollection[TaxonomyTerm](db, TaxonomyTerms, Shards, feed),
		Practitioners: docstore.NewShardedCollection[Practitioner](db, Practitioners, Shards, feed),
	}
}
