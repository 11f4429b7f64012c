package readmodel

import (
	"fmt"
	"math"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/socialrx/socialrx/services/directory/internal/store"
	"github.com/socialrx/socialrx/services/platform/geo"
	"github.com/socialrx/socialrx/services/platform/textsearch"
)

// Kinds of search documents: one per service, and one per service and location with
// coordinates (a "site"), which carries the point that distance queries and sorts use.
const (
	kindService = "service"
	kindSite    = "site"
)

// siteSep joins a service id and a location id into a site document's id.
const siteSep = "\x00"

// searchIndex is the bleve index of the services, kept in step with the tables by Index.
type searchIndex struct {
	bi *textsearch.Index
	// sites lists the location ids each service has a site document for; atLocation the
	// services delivered at each location, to re-index when a location moves.
	sites      map[string][]string
	atLocation map[string]map[string]bool
}

func newSearchIndex() (*searchIndex, error) {
	m, err := textsearch.NewMapping()
	if err != nil {
		return nil, err
	}
	m.Text("name", "text")
	m.Keyword("kind", "service", "name_sort", "organization", "status", "taxonomy", "languages")
	m.Geo("point")
	bi, err := m.NewIndex()
	if err != nil {
		return nil, err
	}
	return &searchIndex{bi: bi, sites: map[string][]string{}, atLocation: map[string]map[string]bool{}}, nil
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
		for _, loc := range si.sites[id] {
			b.Delete(id + siteSep + loc)
			delete(si.atLocation[loc], id)
		}
		delete(si.sites, id)
		s, ok := ix.services.docs[id]
		if !ok {
			b.Delete(id)
			continue
		}
		doc := map[string]any{
			"kind": kindService, "service": id, "name": s.DisplayName, "name_sort": s.DisplayName,
			"text":         s.DisplayName + "\n" + s.AlternateName + "\n" + s.Description,
			"organization": s.Organization, "status": s.Status, "taxonomy": s.TaxonomyTerms,
			"languages": textsearch.LanguageTerms(s.Languages),
		}
		if err := b.Index(id, doc); err != nil {
			return nil, fmt.Errorf("index service %s: %w", id, err)
		}
		for _, ln := range s.Locations {
			loc := strings.TrimPrefix(ln, store.LocationsPrefix)
			if si.atLocation[loc] == nil {
				si.atLocation[loc] = map[string]bool{}
			}
			si.atLocation[loc][id] = true
			l, ok := ix.locations.docs[loc]
			if !ok || l.Latitude == nil || l.Longitude == nil {
				continue
			}
			site := make(map[string]any, len(doc)+1)
			for k, v := range doc {
				site[k] = v
			}
			site["kind"] = kindSite
			site["point"] = map[string]any{"lat": *l.Latitude, "lon": *l.Longitude}
			if err := b.Index(id+siteSep+loc, site); err != nil {
				return nil, fmt.Errorf("index service %s at %s: %w", id, loc, err)
			}
			si.sites[id] = append(si.sites[id], loc)
		}
	}
	return b, nil
}

// query is the bleve query of q, over service documents or, with Near, site documents.
func (si *searchIndex) query(q SearchQuery) query.Query {
	kind := kindService
	if q.Near != nil {
		kind = kindSite
	}
	must := []query.Query{textsearch.Term("kind", kind)}
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

// order is the result order: by distance with Near, by relevance with words, then by name and
// id, so that pages of one search never overlap.
func (si *searchIndex) order(q SearchQuery) (search.SortOrder, error) {
	var order search.SortOrder
	if q.Near != nil {
		d, err := search.NewSortGeoDistance("point", "m", q.Near.Longitude, q.Near.Latitude, false)
		if err != nil {
			return nil, err
		}
		order = append(order, d)
	}
	if len(q.Words) > 0 {
		order = append(order, &search.SortScore{Desc: true})
	}
	order = append(order, &search.SortField{Field: "name_sort"}, &search.SortField{Field: "service"}, &search.SortDocID{})
	return order, nil
}

// Search returns the page of matching services from offset, at most limit, in result order, and
// how many match in all. Without Near or a filter the index pages by itself; otherwise every
// match is fetched (one per service, at its nearest location) and paged here.
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
	order, err := si.order(q)
	if err != nil {
		return nil, 0, err
	}
	all := q.Near != nil || q.Filter != nil
	req := bleve.NewSearchRequestOptions(si.query(q), limit, offset, false)
	if all {
		n, err := si.bi.DocCount()
		if err != nil {
			return nil, 0, fmt.Errorf("search services: %w", err)
		}
		req.From, req.Size = 0, max(1, int(n))
	}
	req.SortByCustom(order)
	res, err := si.bi.Search(req)
	if err != nil {
		return nil, 0, fmt.Errorf("search services: %w", err)
	}
	var out []Match
	seen := map[string]bool{}
	for _, h := range res.Hits {
		id, loc, _ := strings.Cut(h.ID, siteSep)
		s, ok := ix.services.docs[id]
		if !ok || seen[id] {
			continue
		}
		m := Match{Service: s}
		if q.Near != nil {
			l, ok := ix.locations.docs[loc]
			if !ok || l.Latitude == nil || l.Longitude == nil {
				continue
			}
			m.Distance = geo.Distance(q.Near.Latitude, q.Near.Longitude, *l.Latitude, *l.Longitude)
			if m.Distance > q.Near.RadiusMeters || math.IsNaN(m.Distance) {
				continue
			}
			m.NearestLocation = store.LocationsPrefix + loc
		}
		if q.Filter != nil && !q.Filter.Match(serviceRecord(s)) {
			continue
		}
		seen[id] = true
		out = append(out, m)
	}
	if !all {
		return out, int(res.Total), nil
	}
	total := len(out)
	start := min(offset, total)
	return out[start:min(start+limit, total)], total, nil
}
