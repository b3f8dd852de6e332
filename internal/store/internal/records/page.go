package records

import "github.com/valence-rsd/valence/internal/valence"

// Matches reports whether rec holds every filter value exactly.
func Matches(rec valence.Record, filters map[string]string) bool {
	for k, v := range filters {
		if got, ok := rec.Fields[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// Page collects one List page from records fed in ID order. It keeps
// matching records up to the limit and stops at the first match beyond it,
// which is how it knows whether more remain without reading everything.
type Page struct {
	opts    valence.ListOptions
	records []valence.Record
	more    bool
}

// NewPage starts a page for opts.
func NewPage(opts valence.ListOptions) *Page {
	return &Page{opts: opts, records: []valence.Record{}}
}

// Add offers the next record in ID order and reports whether the page is
// complete, after which the caller stops feeding it.
func (p *Page) Add(rec valence.Record) (done bool) {
	if !Matches(rec, p.opts.Filters) {
		return false
	}
	if p.opts.Limit > 0 && len(p.records) == p.opts.Limit {
		p.more = true
		return true
	}
	p.records = append(p.records, rec)
	return false
}

// Result returns the page's records (never nil) and whether more remain.
func (p *Page) Result() ([]valence.Record, bool) {
	return p.records, p.more
}
