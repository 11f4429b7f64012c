package readmodel

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"

	"github.com/socialrx/socialrx/services/directory/internal/store"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/platform/textsearch"
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

// withSearch starts a snapshot that holds the search index after the tables: the magic, the
// length of the encoded tables, the tables, then the index's archive (see textsearch.Dump). A
// snapshot without it (written before the index was stored) is the encoded tables alone.
const withSearch = "socialrx directory snapshot 2\n"

// snapshot encodes the tables and the search index and returns a feed position they reflect
// every entry up to. The position is read first: entries applied after it are replayed again
// after a restart, which changes nothing in a table (it keeps the newer state), and re-indexes
// from the tables every service they touch. So the search index may be newer than the tables
// it is stored with, but it is never older than the position: the changes noted up to it are
// indexed before the index is copied.
func (ix *Index) snapshot() (int64, []byte, error) {
	pos := ix.follower.Position()
	var search bytes.Buffer
	if ix.waitSearch() == nil {
		if err := ix.catchUp(); err != nil {
			return 0, nil, err
		}
		ix.searchMu.RLock()
		err := ix.searcher.bi.Dump(&search)
		ix.searchMu.RUnlock()
		if err != nil {
			return 0, nil, err
		}
	}
	tables, err := ix.encodeTables()
	if err != nil {
		return 0, nil, err
	}
	out := make([]byte, 0, len(withSearch)+binary.MaxVarintLen64+len(tables)+search.Len())
	out = append(out, withSearch...)
	out = binary.AppendUvarint(out, uint64(len(tables)))
	out = append(out, tables...)
	return pos, append(out, search.Bytes()...), nil
}

// encodeTables encodes the tables as they are now.
func (ix *Index) encodeTables() ([]byte, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	f := folded{
		Organizations: ix.organizations.docs, Services: ix.services.docs, Locations: ix.locations.docs,
		TaxonomyTerms: ix.terms.docs, Practitioners: ix.practitioners.docs,
		Gone: [5]map[string]docstore.Meta{ix.organizations.gone, ix.services.gone, ix.locations.gone, ix.terms.gone, ix.practitioners.gone},
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(f); err != nil {
		return nil, fmt.Errorf("encode index snapshot: %w", err)
	}
	return buf.Bytes(), nil
}

// SaveSnapshot writes a snapshot of the index now.
func (ix *Index) SaveSnapshot(ctx context.Context) error {
	pos, data, err := ix.snapshot()
	if err != nil {
		return err
	}
	return ix.st.Snapshots.Save(ctx, pos, data)
}

// restore fills the tables from a snapshot, and returns the search index stored with them, nil
// when the snapshot holds none. It changes nothing unless it decoded the whole snapshot.
func (ix *Index) restore(data []byte) (*textsearch.Index, error) {
	tables, search := data, []byte(nil)
	if rest, ok := bytes.CutPrefix(data, []byte(withSearch)); ok {
		n, k := binary.Uvarint(rest)
		if k <= 0 || n > uint64(len(rest)-k) {
			return nil, errors.New("decode index snapshot: bad length")
		}
		tables, search = rest[k:k+int(n)], rest[k+int(n):]
	}
	var f folded
	if err := gob.NewDecoder(bytes.NewReader(tables)).Decode(&f); err != nil {
		return nil, fmt.Errorf("decode index snapshot: %w", err)
	}
	var bi *textsearch.Index
	if len(search) > 0 {
		var err error
		if bi, err = textsearch.Restore(bytes.NewReader(search)); err != nil {
			return nil, err
		}
	}
	fill(ix.organizations, f.Organizations, f.Gone[0])
	fill(ix.services, f.Services, f.Gone[1])
	fill(ix.locations, f.Locations, f.Gone[2])
	fill(ix.terms, f.TaxonomyTerms, f.Gone[3])
	fill(ix.practitioners, f.Practitioners, f.Gone[4])
	return bi, nil
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
