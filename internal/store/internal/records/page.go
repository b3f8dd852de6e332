package records

import (
	"maps"
	"slices"
	"sync"

	"github.com/valence-rsd/valence/internal/valence"
)

// Fields are a record's filterable fields as key, value pairs in key
// order, the keys shared with every other record's (a kind has a handful
// of field names): less than half the memory of a map of them.
type Fields []string

// maxFieldNames bounds the field names shared; past it a name is kept by
// each record that holds it. The core names fewer than twenty.
const maxFieldNames = 256

var fieldNames = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

// fieldName returns the shared copy of the field name k.
func fieldName(k string) string {
	fieldNames.Lock()
	defer fieldNames.Unlock()
	if name, ok := fieldNames.m[k]; ok {
		return name
	}
	if len(fieldNames.m) < maxFieldNames {
		fieldNames.m[k] = k
	}
	return k
}

// fieldsOf returns m as Fields.
func fieldsOf(m map[string]string) Fields {
	if len(m) == 0 {
		return nil
	}
	keys := slices.Sorted(maps.Keys(m))
	f := make(Fields, 0, 2*len(keys))
	for _, k := range keys {
		f = append(f, fieldName(k), m[k])
	}
	return f
}

// Matches reports whether f holds every filter value exactly.
func (f Fields) Matches(filters map[string]string) bool {
	for k, v := range filters {
		if got, ok := f.get(k); !ok || got != v {
			return false
		}
	}
	return true
}

func (f Fields) get(k string) (string, bool) {
	for i := 0; i+1 < len(f); i += 2 {
		if f[i] == k {
			return f[i+1], true
		}
	}
	return "", false
}

// Page collects one List page from records fed in ID order. It keeps
// matching records up to the limit and stops at the first match beyond it,
// which is how it knows whether more remain without reading everything.
type Page struct {
	opts    valence.ListOptions
	records []valence.Record
	more    bool
}

// maxPreallocated bounds the records a page makes room for before any
// matches: a page of the core's (500) is not grown one doubling at a time.
const maxPreallocated = 500

// NewPage starts a page for opts.
func NewPage(opts valence.ListOptions) *Page {
	return &Page{opts: opts, records: make([]valence.Record, 0, min(opts.Limit, maxPreallocated))}
}

// Add offers the next record in ID order, with its fields, and reports
// whether the page is complete, after which the caller stops feeding it.
func (p *Page) Add(rec valence.Record, fields Fields) (done bool) {
	if !fields.Matches(p.opts.Filters) {
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
