package document

import (
	"fmt"
	"slices"

	"google.golang.org/protobuf/proto"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
)

// dependencies lists the records a directory record refers to.
func dependencies(msg proto.Message) []RecordKey {
	var deps []RecordKey
	add := func(kind Kind, name string) {
		if name != "" {
			deps = append(deps, RecordKey{kind, ResourceID(name)})
		}
	}
	switch m := msg.(type) {
	case *directoryv1.Organization:
		add(KindOrganization, m.GetParentOrganization())
	case *directoryv1.Location:
		add(KindOrganization, m.GetOrganization())
	case *directoryv1.TaxonomyTerm:
		add(KindTaxonomyTerm, m.GetParent())
	case *directoryv1.Service:
		add(KindOrganization, m.GetOrganization())
		for _, l := range m.GetLocations() {
			add(KindLocation, l)
		}
		for _, t := range m.GetTaxonomyTerms() {
			add(KindTaxonomyTerm, t)
		}
	}
	return deps
}

// DependencyFailure returns why a record cannot be imported because of a record it refers to,
// or "".
func DependencyFailure(msg proto.Message, failed map[RecordKey]string) string {
	for _, dep := range dependencies(msg) {
		if reason, ok := failed[dep]; ok {
			return fmt.Sprintf("%s %s was rejected: %s", dep.Kind, dep.ID, reason)
		}
	}
	return ""
}

// propagate rejects records that depend on rejected ones, until nothing changes.
func (p *parser) propagate() {
	for changed := true; changed; {
		changed = false
		kept := p.accepted[:0]
		for _, r := range p.accepted {
			if reason := DependencyFailure(r.msg, p.rejected); reason != "" {
				p.reject(r.key.Kind, r.key.ID, r.name, reason)
				changed = true
				continue
			}
			kept = append(kept, r)
		}
		p.accepted = kept
	}
}

// batch returns the accepted records by kind, parents before children. Records in a parent
// cycle are rejected, since none of them could be created first.
func (p *parser) batch() Batch {
	var b Batch
	var orgs, terms []*record
	for _, r := range p.accepted {
		switch m := r.msg.(type) {
		case *directoryv1.Organization:
			orgs = append(orgs, r)
		case *directoryv1.TaxonomyTerm:
			terms = append(terms, r)
		case *directoryv1.Location:
			b.Locations = append(b.Locations, m)
		case *directoryv1.Service:
			b.Services = append(b.Services, m)
		}
	}
	for _, r := range p.parentsFirst(orgs, "parent_organization_id") {
		b.Organizations = append(b.Organizations, r.msg.(*directoryv1.Organization))
	}
	for _, r := range p.parentsFirst(terms, "parent_id") {
		b.TaxonomyTerms = append(b.TaxonomyTerms, r.msg.(*directoryv1.TaxonomyTerm))
	}
	// A child whose parent was in a rejected cycle is still listed; drop it and its dependants.
	for p.dropDependants(&b) {
	}
	return b
}

// parentsFirst orders records of one kind so that a parent in the list comes before its
// children; records in a cycle are rejected.
func (p *parser) parentsFirst(records []*record, parentField string) []*record {
	byID := map[string]*record{}
	for _, r := range records {
		byID[r.key.ID] = r
	}
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var out []*record
	var visit func(r *record) bool
	visit = func(r *record) bool {
		switch state[r.key.ID] {
		case visiting:
			return false
		case done:
			return true
		}
		state[r.key.ID] = visiting
		for _, dep := range dependencies(r.msg) {
			if parent, ok := byID[dep.ID]; ok && dep.Kind == r.key.Kind && !visit(parent) {
				return false
			}
		}
		state[r.key.ID] = done
		out = append(out, r)
		return true
	}
	for _, r := range records {
		if state[r.key.ID] == unvisited && !visit(r) {
			// Everything still being visited is on the cycle or hangs below it.
			for _, c := range records {
				if state[c.key.ID] == visiting {
					p.reject(c.key.Kind, c.key.ID, c.name, fieldErr(parentField, "parents form a cycle").Error())
					state[c.key.ID] = done
				}
			}
		}
	}
	return out
}

// dropDependants removes records whose dependencies were rejected, and reports whether it
// removed any.
func (p *parser) dropDependants(b *Batch) bool {
	dropped := false
	drop := func(kind Kind, msg proto.Message, name, display string) bool {
		if reason := DependencyFailure(msg, p.rejected); reason != "" {
			p.reject(kind, ResourceID(name), display, reason)
			dropped = true
			return true
		}
		return false
	}
	b.Organizations = slices.DeleteFunc(b.Organizations, func(m *directoryv1.Organization) bool {
		return drop(KindOrganization, m, m.GetName(), m.GetDisplayName())
	})
	b.TaxonomyTerms = slices.DeleteFunc(b.TaxonomyTerms, func(m *directoryv1.TaxonomyTerm) bool {
		return drop(KindTaxonomyTerm, m, m.GetName(), m.GetDisplayName())
	})
	b.Locations = slices.DeleteFunc(b.Locations, func(m *directoryv1.Location) bool {
		return drop(KindLocation, m, m.GetName(), m.GetDisplayName())
	})
	b.Services = slices.DeleteFunc(b.Services, func(m *directoryv1.Service) bool {
		return drop(KindService, m, m.GetName(), m.GetDisplayName())
	})
	return dropped
}
