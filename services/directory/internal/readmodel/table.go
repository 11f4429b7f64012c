package readmodel

import (
	"sort"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
)

// table is the in-memory copy of one collection, with its ids kept sorted for keyset paging.
type table[T any, P docstore.Doc[T]] struct {
	docs map[string]P
	// gone remembers the last deleted state of an id so a late, older change cannot revive it.
	gone   map[string]docstore.Meta
	sorted []string // nil when stale
}

func newTable[T any, P docstore.Doc[T]]() *table[T, P] {
	return &table[T, P]{docs: map[string]P{}, gone: map[string]docstore.Meta{}}
}

// put stores doc unless the table already holds the same or a later state of it; it reports
// whether it stored it.
func (t *table[T, P]) put(doc P) bool {
	m := doc.DocMeta()
	if cur, ok := t.docs[m.ID]; ok && !m.Newer(cur.DocMeta()) {
		return false
	}
	if g, ok := t.gone[m.ID]; ok && !m.Newer(&g) {
		return false
	}
	if _, ok := t.docs[m.ID]; !ok {
		t.sorted = nil
	}
	delete(t.gone, m.ID)
	t.docs[m.ID] = doc
	return true
}

func (t *table[T, P]) remove(m docstore.Meta) {
	if cur, ok := t.docs[m.ID]; ok {
		if !m.Newer(cur.DocMeta()) {
			return
		}
		delete(t.docs, m.ID)
		t.sorted = nil
	}
	if g, ok := t.gone[m.ID]; !ok || m.Newer(&g) {
		t.gone[m.ID] = m
	}
}

// apply replays one feed entry.
func (t *table[T, P]) apply(e changefeed.Entry) error {
	var doc T
	if err := bson.Unmarshal(e.Data, &doc); err != nil {
		return err
	}
	p := P(&doc)
	if e.Op == docstore.OpDelete {
		t.remove(*p.DocMeta())
		return nil
	}
	t.put(p)
	return nil
}

// ids returns all ids in ascending order.
func (t *table[T, P]) ids() []string {
	if t.sorted == nil {
		t.sorted = make([]string, 0, len(t.docs))
		for id := range t.docs {
			t.sorted = append(t.sorted, id)
		}
		sort.Strings(t.sorted)
	}
	return t.sorted
}
