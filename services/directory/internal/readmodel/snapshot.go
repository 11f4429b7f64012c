package readmodel

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"

	"github.com/socialrx/socialrx/services/directory/internal/store"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
)

// folded is the whole of the tables, as a snapshot stores them.
type folded struct {
	Organizations map[string]*store.Organization
	Services      map[string]*store.Service
	Locations     map[string]*store.Location
	TaxonomyTerms map[string]*store.TaxonomyTerm
	Practitioners map[string]*store.Practitioner
	Gone          [5]map[string]docstore.Meta
}

// snapshot encodes the tables and returns a feed position they reflect every entry up to. The
// position is read before the tables: entries applied in between are replayed again after a
// restart, which changes nothing (a table keeps the newer state).
func (ix *Index) snapshot() (int64, []byte, error) {
	pos := ix.follower.Position()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	f := folded{
		Organizations: ix.organizations.docs, Services: ix.services.docs, Locations: ix.locations.docs,
		TaxonomyTerms: ix.terms.docs, Practitioners: ix.practitioners.docs,
		Gone: [5]map[string]docstore.Meta{ix.organizations.gone, ix.services.gone, ix.locations.gone, ix.terms.gone, ix.practitioners.gone},
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(f); err != nil {
		return 0, nil, fmt.Errorf("encode index snapshot: %w", err)
	}
	return pos, buf.Bytes(), nil
}

// SaveSnapshot writes a snapshot of the index now.
func (ix *Index) SaveSnapshot(ctx context.Context) error {
	pos, data, err := ix.snapshot()
	if err != nil {
		return err
	}
	return ix.st.Snapshots.Save(ctx, pos, data)
}

// restore fills the tables from a snapshot.
func (ix *Index) restore(data []byte) error {
	var f folded
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&f); err != nil {
		return fmt.Errorf("decode index snapshot: %w", err)
	}
	fill(ix.organizations, f.Organizations, f.Gone[0])
	fill(ix.services, f.Services, f.Gone[1])
	fill(ix.locations, f.Locations, f.Gone[2])
	fill(ix.terms, f.TaxonomyTerms, f.Gone[3])
	fill(ix.practitioners, f.Practitioners, f.Gone[4])
	return nil
}

func fill[T any, P docstore.Doc[T]](t *table[T, P], docs map[string]P, gone map[string]docstore.Meta) {
	for k, v := range docs {
		t.docs[k] = v
	}
	for k, v := range gone {
		t.gone[k] = v
	}
	t.sorted = nil
}
