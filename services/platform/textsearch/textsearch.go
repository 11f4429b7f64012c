// Package textsearch sets up bleve indexes, in scratch directories, built at a start or restored
// from a snapshot (see Dump), the way socialrx searches: text analysed in English and in French
// (stemming, accents folded, so "jardins communautaires" finds "Jardin communautaire" and "cafe"
// finds "Café"), exact keyword terms, and geo points. Read models keep
// such an index current from their change feed; a query costs time in proportion to its matches.
package textsearch

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/fr"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
)

// The analyzers of text fields; a text field "f" is indexed as "f_en" and "f_fr".
const (
	English = "socialrx_en"
	French  = "socialrx_fr"
)

var languages = []struct{ suffix, analyzer string }{{"_en", English}, {"_fr", French}}

// Mapping is the schema of one kind of document.
type Mapping struct {
	im *mapping.IndexMappingImpl
	dm *mapping.DocumentMapping
}

// NewMapping returns an empty schema with the English and French analyzers.
func NewMapping() (*Mapping, error) {
	im := bleve.NewIndexMapping()
	for _, a := range []struct {
		name    string
		filters []string
	}{
		{English, []string{lowercase.Name, en.PossessiveName, en.StopName, en.SnowballStemmerName}},
		{French, []string{fr.ElisionName, lowercase.Name, fr.StopName, fr.LightStemmerName}},
	} {
		if err := im.AddCustomAnalyzer(a.name, map[string]any{
			"type":          custom.Name,
			"char_filters":  []any{asciifolding.Name},
			"tokenizer":     unicode.Name,
			"token_filters": toAny(a.filters),
		}); err != nil {
			return nil, fmt.Errorf("search analyzer %s: %w", a.name, err)
		}
	}
	dm := bleve.NewDocumentStaticMapping()
	im.DefaultMapping = dm
	im.StoreDynamic, im.IndexDynamic, im.DocValuesDynamic = false, false, false
	return &Mapping{im: im, dm: dm}, nil
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// Text adds free-text fields, analysed in both languages.
func (m *Mapping) Text(fields ...string) {
	for _, f := range fields {
		var fms []*mapping.FieldMapping
		for _, l := range languages {
			fm := bleve.NewTextFieldMapping()
			fm.Name, fm.Analyzer, fm.Store, fm.IncludeTermVectors, fm.DocValues = f+l.suffix, l.analyzer, false, false, false
			fms = append(fms, fm)
		}
		m.dm.AddFieldMappingsAt(f, fms...)
	}
}

// Keyword adds exact-term fields; those sorted on keep doc values.
func (m *Mapping) Keyword(fields ...string) {
	for _, f := range fields {
		fm := bleve.NewKeywordFieldMapping()
		fm.Store, fm.IncludeInAll, fm.IncludeTermVectors = false, false, false
		m.dm.AddFieldMappingsAt(f, fm)
	}
}

// Numeric adds number fields (range queries and sorts).
func (m *Mapping) Numeric(fields ...string) {
	for _, f := range fields {
		fm := bleve.NewNumericFieldMapping()
		fm.Store, fm.IncludeInAll = false, false
		m.dm.AddFieldMappingsAt(f, fm)
	}
}

// Geo adds a geo point field: a value {"lat": ..., "lon": ...}.
func (m *Mapping) Geo(field string) {
	fm := bleve.NewGeoPointFieldMapping()
	fm.Store = false
	m.dm.AddFieldMappingsAt(field, fm)
}

// Index is a search index in a scratch directory of its own, built at a start or restored.
type Index struct {
	bleve.Index
	dir string
}

// NewIndex returns an empty index with the schema. It lives in a temporary directory rather than
// in memory only: scorch merges its segments only when it persists them, and an index that
// grows by small batches without merging searches ever more segments. Nothing needs it to be
// durable (unsafe_batch: no fsync), and Close removes it.
func (m *Mapping) NewIndex() (*Index, error) {
	dir, err := os.MkdirTemp("", "socialrx-search-")
	if err != nil {
		return nil, fmt.Errorf("new search index: %w", err)
	}
	ix, err := bleve.NewUsing(filepath.Join(dir, "index"), m.im, scorch.Name, scorch.Name, map[string]any{"unsafe_batch": true})
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("new search index: %w", err)
	}
	return &Index{Index: ix, dir: dir}, nil
}

// Close closes the index and removes its directory.
func (ix *Index) Close() error {
	err := ix.Index.Close()
	if rerr := os.RemoveAll(ix.dir); err == nil {
		err = rerr
	}
	return err
}

// Words splits a user's query into the words that restrict it: a stop word of either language
// ("the", "le") restricts nothing, as a document need not contain it.
func Words(ix interface{ Mapping() mapping.IndexMapping }, text string) []string {
	var out []string
	for _, w := range strings.Fields(text) {
		stop := false
		for _, l := range languages {
			if a := ix.Mapping().AnalyzerNamed(l.analyzer); a == nil || len(a.Analyze([]byte(w))) == 0 {
				stop = true
			}
		}
		if !stop {
			out = append(out, w)
		}
	}
	return out
}

// AllWords matches documents in which every word occurs, in either language, in one of the text
// fields; fields maps a text field to its boost (a match in a title counts more).
func AllWords(words []string, fields map[string]float64) query.Query {
	var all []query.Query
	for _, w := range words {
		var any []query.Query
		for f, boost := range fields {
			for _, l := range languages {
				q := query.NewMatchQuery(w)
				q.SetField(f + l.suffix)
				q.Analyzer = l.analyzer
				q.SetBoost(boost)
				any = append(any, q)
			}
		}
		all = append(all, query.NewDisjunctionQuery(any))
	}
	return query.NewConjunctionQuery(all)
}

// Term matches documents whose keyword field holds value exactly.
func Term(field, value string) query.Query {
	q := query.NewTermQuery(value)
	q.SetField(field)
	return q
}

// AnyTerm matches documents whose keyword field holds one of values.
func AnyTerm(field string, values []string) query.Query {
	var any []query.Query
	for _, v := range values {
		any = append(any, Term(field, v))
	}
	return query.NewDisjunctionQuery(any)
}

// LanguageTerms are the terms under which a BCP-47 tag is indexed, so that a search for "fr"
// finds "fr-CA" (as platform/language.Offered): the lower-cased tag and each of its prefixes.
func LanguageTerms(tags []string) []string {
	var out []string
	for _, t := range tags {
		t = strings.ToLower(t)
		for i, r := range t {
			if r == '-' {
				out = append(out, t[:i])
			}
		}
		out = append(out, t)
	}
	return out
}
