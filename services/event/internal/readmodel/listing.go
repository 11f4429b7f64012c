// Package readmodel holds the event service's public listing index: one bleve document per
// session with its event's text (English and French analysis), category, host, languages,
// accessibility and tags as exact terms, its start time, and its venue as a geo point. The
// ledger keeps it current as it folds entries, so a listing search costs time in proportion to
// its matches.
package readmodel

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/socialrx/socialrx/services/event/internal/domain"
	"github.com/socialrx/socialrx/services/platform/geo"
	"github.com/socialrx/socialrx/services/platform/textsearch"
)

// Listing is the index.
type Listing struct {
	bi *textsearch.Index

	mu sync.Mutex
	// sessions lists each event's indexed sessions, to re-index or remove with the event.
	sessions map[string][]string

	building bool          // set by StartBuild
	ready    chan struct{} // closed once the build indexed every session
	err      error
}

// NewListing returns an empty listing index; Build fills it.
func NewListing() (*Listing, error) {
	m, err := textsearch.NewMapping()
	if err != nil {
		return nil, err
	}
	m.Text("title", "text")
	m.Keyword("key", "event_state", "session_state", "category", "host", "languages", "accessibility", "tags")
	m.Numeric("start")
	m.Geo("point")
	bi, err := m.NewIndex()
	if err != nil {
		return nil, err
	}
	return &Listing{bi: bi, sessions: map[string][]string{}, ready: make(chan struct{})}, nil
}

// Changed re-indexes what the entry just folded into st changed. Call it with the ledger's
// write lock held, as st must not change meanwhile.
func (li *Listing) Changed(st *domain.State, op string, p *domain.Payload) error {
	var keys []string
	switch op {
	case domain.OpEventCreate, domain.OpEventUpdate:
		keys = li.eventSessions(p.Event.ID)
	case domain.OpEventTransition, domain.OpEventDelete:
		keys = li.eventSessions(p.Target)
	case domain.OpSessionCreate, domain.OpSessionUpdate:
		keys = []string{p.Session.Key()}
	case domain.OpSessionCancel:
		keys = []string{p.Target}
	default:
		return nil // registrations change seats, which searches check on the state
	}
	return li.index(st, keys)
}

func (li *Listing) eventSessions(id string) []string {
	li.mu.Lock()
	defer li.mu.Unlock()
	return append([]string(nil), li.sessions[id]...)
}

func lower(list []string) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = strings.ToLower(v)
	}
	return out
}

// index brings the documents of the sessions keys up to date with st.
func (li *Listing) index(st *domain.State, keys []string) error {
	li.mu.Lock()
	defer li.mu.Unlock()
	b := li.bi.NewBatch()
	for _, k := range keys {
		ss := st.Sessions[k]
		var ev *domain.Event
		if ss != nil {
			ev = st.Events[ss.EventID]
		}
		if ev == nil {
			b.Delete(k)
			if ss != nil {
				li.sessions[ss.EventID] = remove(li.sessions[ss.EventID], k)
			}
			continue
		}
		doc := map[string]any{
			"key": k, "title": eventTitles(ev), "text": eventText(ev),
			"event_state": ev.State, "session_state": ss.State, "category": ev.Category,
			"host": ev.HostOrganization, "languages": textsearch.LanguageTerms(ev.Languages),
			"accessibility": lower(ev.Accessibility), "tags": lower(ev.Tags),
			"start": float64(ss.Start.UnixMilli()),
		}
		if v := ev.Venue; v != nil && (v.Latitude != 0 || v.Longitude != 0) {
			doc["point"] = map[string]any{"lat": v.Latitude, "lon": v.Longitude}
		}
		if err := b.Index(k, doc); err != nil {
			return fmt.Errorf("index session %s: %w", k, err)
		}
		if !slices.Contains(li.sessions[ss.EventID], k) {
			li.sessions[ss.EventID] = append(li.sessions[ss.EventID], k)
		}
	}
	if err := li.bi.Batch(b); err != nil {
		return fmt.Errorf("index sessions: %w", err)
	}
	return nil
}

func remove(list []string, v string) []string {
	out := list[:0]
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

// Close releases the index, once a build started is done with it.
func (li *Listing) Close() error {
	if li.building {
		<-li.ready
	}
	return li.bi.Close()
}

// buildBatch is how many sessions Build indexes under one hold of the ledger's lock.
const buildBatch = 500

// StartBuild indexes every session of the state in the background, a batch at a time under
// read, which runs its function with the ledger's lock held; entries folded meanwhile are
// indexed by Changed. Searches wait for it.
func (li *Listing) StartBuild(read func(func(*domain.State))) {
	li.building = true
	go li.build(read)
}

func (li *Listing) build(read func(func(*domain.State))) {
	var keys []string
	read(func(st *domain.State) {
		for k := range st.Sessions {
			keys = append(keys, k)
		}
	})
	for len(keys) > 0 && li.err == nil {
		n := min(buildBatch, len(keys))
		batch := keys[:n]
		keys = keys[n:]
		read(func(st *domain.State) { li.err = li.index(st, batch) })
	}
	close(li.ready)
}

// WaitTimeout bounds how long a search waits for Build after start-up.
const WaitTimeout = time.Minute

// Circle is a search area.
type Circle struct {
	Latitude, Longitude, RadiusMeters float64
}

// Query selects sessions for the listing; zero fields do not restrict.
type Query struct {
	Words          string
	After, Before  time.Time // start at or after After, and before Before
	Categories     []string
	Host, Language string
	Accessibility  []string // all required
	Tag            string
	Near           *Circle
	ByDistance     bool
	// WithCancelled keeps cancelled sessions and cancelled or completed events (for calendars);
	// otherwise only scheduled sessions of published events match.
	WithCancelled bool
}

// Hit is one matching session.
type Hit struct {
	Key      string
	Distance float64 // metres, with Near
}

// Search returns every matching session in listing order: by start time, or by distance with
// ByDistance, then by key.
func (li *Listing) Search(q Query) ([]Hit, error) {
	select {
	case <-li.ready:
		if li.err != nil {
			return nil, li.err
		}
	case <-time.After(WaitTimeout):
		return nil, fmt.Errorf("listing index not built after %v", WaitTimeout)
	}
	var must []query.Query
	if q.WithCancelled {
		must = append(must, textsearch.AnyTerm("event_state", []string{domain.EventPublished, domain.EventCancelled, domain.EventCompleted}))
	} else {
		must = append(must, textsearch.Term("event_state", domain.EventPublished), textsearch.Term("session_state", domain.SessionScheduled))
	}
	after, inclusive, exclusive := float64(q.After.UnixMilli()), true, false
	start := query.NewNumericRangeInclusiveQuery(&after, nil, &inclusive, nil)
	if !q.Before.IsZero() {
		before := float64(q.Before.UnixMilli())
		start = query.NewNumericRangeInclusiveQuery(&after, &before, &inclusive, &exclusive)
	}
	start.SetField("start")
	must = append(must, start)
	if words := textsearch.Words(li.bi, q.Words); len(words) > 0 {
		must = append(must, textsearch.AllWords(words, map[string]float64{"title": 3, "text": 1}))
	}
	if len(q.Categories) > 0 {
		must = append(must, textsearch.AnyTerm("category", q.Categories))
	}
	if q.Host != "" {
		must = append(must, textsearch.Term("host", q.Host))
	}
	if q.Language != "" {
		must = append(must, textsearch.Term("languages", strings.ToLower(q.Language)))
	}
	for _, a := range q.Accessibility {
		must = append(must, textsearch.Term("accessibility", strings.ToLower(a)))
	}
	if q.Tag != "" {
		must = append(must, textsearch.Term("tags", strings.ToLower(q.Tag)))
	}
	var order search.SortOrder
	if q.Near != nil {
		gq := query.NewGeoDistanceQuery(q.Near.Longitude, q.Near.Latitude, fmt.Sprintf("%fm", q.Near.RadiusMeters))
		gq.SetField("point")
		must = append(must, gq)
		if q.ByDistance {
			d, err := search.NewSortGeoDistance("point", "m", q.Near.Longitude, q.Near.Latitude, false)
			if err != nil {
				return nil, err
			}
			order = append(order, d)
		}
	}
	order = append(order, &search.SortField{Field: "start", Type: search.SortFieldAsNumber}, &search.SortField{Field: "key"})
	n, err := li.bi.DocCount()
	if err != nil {
		return nil, fmt.Errorf("search listing: %w", err)
	}
	req := bleve.NewSearchRequestOptions(query.NewConjunctionQuery(must), max(1, int(n)), 0, false)
	req.SortByCustom(order)
	if !q.ByDistance {
		req.Score = "none" // ordered by start, relevance is not needed
	}
	res, err := li.bi.Search(req)
	if err != nil {
		return nil, fmt.Errorf("search listing: %w", err)
	}
	hits := make([]Hit, 0, len(res.Hits))
	for _, h := range res.Hits {
		hits = append(hits, Hit{Key: h.ID})
	}
	return hits, nil
}

// Distance is the distance from the centre of c to a venue, in metres.
func (c *Circle) Distance(lat, lng float64) float64 {
	return geo.Distance(c.Latitude, c.Longitude, lat, lng)
}

// eventTitles and eventText are what a search's words are matched against: the event's words in
// each of its languages.
func eventTitles(ev *domain.Event) string {
	titles := []string{ev.Title}
	for _, t := range ev.Translations {
		titles = append(titles, t.Title)
	}
	return strings.Join(titles, "\n")
}

func eventText(ev *domain.Event) string {
	parts := []string{ev.Title, ev.Description}
	for _, t := range ev.Translations {
		parts = append(parts, t.Title, t.Description)
	}
	return strings.Join(parts, "\n")
}
