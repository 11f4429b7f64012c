package readmodel

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/socialrx/socialrx/services/directory/internal/store"
	"github.com/socialrx/socialrx/services/platform/geo"
	"github.com/socialrx/socialrx/services/platform/textsearch"
)

// searchIndex is the bleve index of the services, one document each with a geo point per
// location, kept in step with the tables by Index.
type searchIndex struct {
	bi *textsearch.Index
	// locations lists the location ids of each indexed service; atLocation the services
	// delivered at each location, to re-index when a location moves.
	locations  map[string][]string
	atLocation map[string]map[string]bool
}

func newSearchIndex() (*searchIndex, error) {
	m, err := textsearch.NewMapping()
	if err != nil {
		return nil, err
	}
	m.Text("name", "text")
	m.Keyword("name_sort", "organization", "status", "taxonomy", "languages")
	m.Geo("point")
	bi, err := m.NewIndex()
	if err != nil {
		return nil, err
	}
	return &searchIndex{bi: bi, locations: map[string][]string{}, atLocation: map[string]map[string]bool{}}, nil
}

// restoredSearchIndex wraps an index restored from a snapshot whose tables ix now holds, and
// lists again which locations each service is at (ix.mu held).
func restoredSearchIndex(ix *Index, bi *textsearch.Index) *searchIndex {
	si := &searchIndex{bi: bi, locations: map[string][]string{}, atLocation: map[string]map[string]bool{}}
	for id, s := range ix.services.docs {
		for _, ln := range s.Locations {
			loc := strings.TrimPrefix(ln, store.LocationsPrefix)
			if si.atLocation[loc] == nil {
				si.atLocation[loc] = map[string]bool{}
			}
			si.atLocation[loc][id] = true
			si.locations[id] = append(si.locations[id], loc)
		}
	}
	return si
}

// reindex brings the search documents of the services ids, and of the services at the
// locations locs, up to date with the tables, in one batch; ix.searchMu must be held for writing.
func (ix *Index) reindex(ids, locs map[string]bool) error {
	ix.mu.RLock()
	b, err := ix.searcher.prepare(ix, ids, locs)
	ix.mu.RUnlock()
	if err != nil {
		return err
	}
	if err := ix.searcher.bi.Batch(b); err != nil {
		return fmt.Errorf("index services: %w", err)
	}
	return nil
}

// catchUp indexes the changes noted since the last search.
func (ix *Index) catchUp() error {
	ix.searchMu.Lock()
	defer ix.searchMu.Unlock()
	ix.pendMu.Lock()
	c := ix.pending
	ix.pending = changes{}
	ix.pendMu.Unlock()
	if len(c.services) == 0 && len(c.locations) == 0 {
		return nil
	}
	return ix.reindex(c.services, c.locations)
}

// prepare returns the batch that brings the documents of the services ids, and of those at the
// locations locs, up to date with the tables (ix.mu held for reading).
func (si *searchIndex) prepare(ix *Index, ids, locs map[string]bool) (*bleve.Batch, error) {
	if len(locs) > 0 {
		all := map[string]bool{}
		for id := range ids {
			all[id] = true
		}
		for loc := range locs {
			for id := range si.atLocation[loc] {
				all[id] = true
			}
		}
		ids = all
	}
	b := si.bi.NewBatch()
	for id := range ids {
		for _, loc := range si.locations[id] {
			delete(si.atLocation[loc], id)
		}
		delete(si.locations, id)
		s, ok := ix.services.docs[id]
		if !ok {
			b.Delete(id)
			continue
		}
		var points []any
		for _, ln := range s.Locations {
			loc := strings.TrimPrefix(ln, store.LocationsPrefix)
			if si.atLocation[loc] == nil {
				si.atLocation[loc] = map[string]bool{}
			}
			si.atLocation[loc][id] = true
			si.locations[id] = append(si.locations[id], loc)
			if l, ok := ix.locations.docs[loc]; ok && l.Latitude != nil && l.Longitude != nil {
				points = append(points, map[string]any{"lat": *l.Latitude, "lon": *l.Longitude})
			}
		}
		doc := map[string]any{
			"name": serviceNames(s), "name_sort": s.DisplayName,
			"text":         serviceText(s),
			"organization": s.Organization, "status": s.Status, "taxonomy": s.TaxonomyTerms,
			"languages": textsearch.LanguageTerms(s.Languages),
		}
		if len(points) > 0 {
			doc["point"] = points
		}
		if err := b.Index(id, doc); err != nil {
			return nil, fmt.Errorf("index service %s: %w", id, err)
		}
	}
	return b, nil
}

// query is the bleve query of q.
func (si *searchIndex) query(q SearchQuery) query.Query {
	must := []query.Query{query.NewMatchAllQuery()}
	if words := textsearch.Words(si.bi, strings.Join(q.Words, " ")); len(words) > 0 {
		must = append(must, textsearch.AllWords(words, map[string]float64{"name": 3, "text": 1}))
	}
	for _, t := range q.TaxonomyTerms {
		must = append(must, textsearch.Term("taxonomy", t))
	}
	if q.Language != "" {
		must = append(must, textsearch.Term("languages", strings.ToLower(q.Language)))
	}
	if q.Organization != "" {
		must = append(must, textsearch.Term("organization", q.Organization))
	}
	if len(q.Statuses) > 0 {
		must = append(must, textsearch.AnyTerm("status", q.Statuses))
	}
	if q.Near != nil {
		gq := query.NewGeoDistanceQuery(q.Near.Longitude, q.Near.Latitude, fmt.Sprintf("%fm", q.Near.RadiusMeters))
		gq.SetField("point")
		must = append(must, gq)
	}
	return query.NewConjunctionQuery(must)
}

// order is the result order: by relevance with words, then by name and id, so that pages of
// one search never overlap. With Near, distance comes first (see Search).
func (si *searchIndex) order(q SearchQuery) search.SortOrder {
	var order search.SortOrder
	if len(q.Words) > 0 {
		order = append(order, &search.SortScore{Desc: true})
	}
	return append(order, &search.SortField{Field: "name_sort"}, &search.SortDocID{})
}

// Search returns the page of matching services from offset, at most limit, in result order, and
// how many match in all. Without Near or a filter the index pages by itself; otherwise every
// match is fetched, ordered by its nearest location, and paged here.
func (ix *Index) Search(q SearchQuery, offset, limit int) ([]Match, int, error) {
	if err := ix.waitSearch(); err != nil {
		return nil, 0, err
	}
	if err := ix.catchUp(); err != nil {
		return nil, 0, err
	}
	ix.searchMu.RLock()
	defer ix.searchMu.RUnlock()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	si := ix.searcher
	all := q.Near != nil || q.Filter != nil
	req := bleve.NewSearchRequestOptions(si.query(q), limit, offset, false)
	if all {
		n, err := si.bi.DocCount()
		if err != nil {
			return nil, 0, fmt.Errorf("search services: %w", err)
		}
		req.From, req.Size = 0, max(1, int(n))
	}
	req.SortByCustom(si.order(q))
	res, err := si.bi.Search(req)
	if err != nil {
		return nil, 0, fmt.Errorf("search services: %w", err)
	}
	out := make([]Match, 0, len(res.Hits))
	for _, h := range res.Hits {
		s, ok := ix.services.docs[h.ID]
		if !ok || (q.Filter != nil && !q.Filter.Match(serviceRecord(s))) {
			continue
		}
		m := Match{Service: s}
		if q.Near != nil {
			m.Distance = math.Inf(1)
			for _, ln := range s.Locations {
				l, ok := ix.locations.docs[strings.TrimPrefix(ln, store.LocationsPrefix)]
				if !ok || l.Latitude == nil || l.Longitude == nil {
					continue
				}
				if d := geo.Distance(q.Near.Latitude, q.Near.Longitude, *l.Latitude, *l.Longitude); d < m.Distance {
					m.Distance, m.NearestLocation = d, ln
				}
			}
			if m.Distance > q.Near.RadiusMeters {
				continue
			}
		}
		out = append(out, m)
	}
	if !all {
		return out, int(res.Total), nil
	}
	if q.Near != nil {
		// Hits are in relevance-then-name order; a stable sort by distance keeps it for ties.
		sort.SliceStable(out, func(i, j int) bool { return out[i].Distance < out[j].Distance })
	}
	total := len(out)
	start := min(offset, total)
	return out[start:min(start+limit, total)], total, nil
}

// serviceText is what a search's words are matched against: the service's words in each of its
// languages.
func serviceText(s *store.Service) string {
	parts := []string{s.DisplayName, s.AlternateName, s.Description}
	for _, t := range s.Translations {
		parts = append(parts, t.DisplayName, t.AlternateName, t.Description)
	}
	return strings.Join(parts, "\n")
}

func serviceNames(s *store.Service) string {
	names := []string{s.DisplayName}
	for _, t := range s.Translations {
		names = append(names, t.DisplayName)
	}
	return strings.Join(names, "\n")
}
