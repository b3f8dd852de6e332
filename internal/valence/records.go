package valence

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/valence-rsd/valence/internal/memo"
)

// schemaVersion is the layout version of the records this release writes.
const schemaVersion = 1

// table maps one typed record kind onto the generic Store.
type table[T any] struct {
	store Store
	kind  Kind
	// noun names the kind in messages to the caller ("Flavor"); the store's
	// own messages, which name its buckets, go to the log only (see fromStore).
	noun string
	// index returns a value's id, unique values and filterable fields.
	index func(T) (id string, unique, fields map[string]string)
	// marshal and unmarshal, when set, replace plain JSON for the stored
	// body (pod managers seal their password with Options.Secrets).
	marshal   func(T) ([]byte, error)
	unmarshal func(Record) (T, error)
	// memo, when set, keeps the values the lists decoded, by id, so that an
	// unchanged record is not decoded on every list (most of a node list's
	// CPU). T must then hold no maps, slices or pointers: values are shared.
	memo *memo.Cache[T]
}

// decodedBudget bounds a table's memo: about 25,000 node records of ~0.4 KiB.
const decodedBudget = 16 << 20

// get returns the value and its revision; a missing one is NotFound in the
// caller's words.
func (t table[T]) get(ctx context.Context, id string) (T, int64, error) {
	var v T
	rec, err := t.store.Get(ctx, t.kind, id)
	if err != nil {
		return v, 0, t.fromStore(err, id)
	}
	v, err = t.decode(rec)
	return v, rec.Revision, err
}

func (t table[T]) decode(rec Record) (T, error) {
	var v T
	var err error
	if t.unmarshal != nil {
		v, err = t.unmarshal(rec)
	} else {
		err = json.Unmarshal(rec.Data, &v)
	}
	if err != nil {
		return v, Wrap(err, Internal, "stored %s %s is unreadable", t.noun, rec.ID)
	}
	return v, nil
}

// list returns a page of values matching opts.
func (t table[T]) list(ctx context.Context, opts ListOptions) ([]T, bool, error) {
	recs, more, err := t.store.List(ctx, t.kind, opts)
	if err != nil {
		return nil, false, t.fromStore(err, "")
	}
	out, err := t.decodeAll(recs)
	if err != nil {
		return nil, false, err
	}
	return out, more, nil
}

// decodeAll decodes recs in order, through memo when the table has one.
func (t table[T]) decodeAll(recs []Record) ([]T, error) {
	out := make([]T, 0, len(recs))
	for _, rec := range recs {
		v, err := t.decodeKept(rec)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// decodeKept decodes rec, through memo when the table has one.
func (t table[T]) decodeKept(rec Record) (T, error) {
	if v, ok := t.memo.Get(rec.ID, rec.Data); ok {
		return v, nil
	}
	v, err := t.decode(rec)
	if err == nil {
		t.memo.Put(rec.ID, rec.Data, v)
	}
	return v, err
}

// all returns every value matching filters, page by page.
func (t table[T]) all(ctx context.Context, filters map[string]string) ([]T, error) {
	var out []T
	err := t.eachValue(ctx, filters, func(v T) error {
		out = append(out, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachValue calls fn with every stored value matching filters, decoded a
// page at a time (through memo), and stops at the first error: a caller
// that keeps only a little of each value holds no list of them all.
func (t table[T]) eachValue(ctx context.Context, filters map[string]string, fn func(T) error) error {
	return t.each(ctx, filters, func(rec Record) error {
		v, err := t.decodeKept(rec)
		if err != nil {
			return err
		}
		return fn(v)
	})
}

// each calls fn with every stored record matching filters, page by page,
// and stops at the first error.
func (t table[T]) each(ctx context.Context, filters map[string]string, fn func(Record) error) error {
	opts := ListOptions{Filters: filters, Limit: 500}
	for {
		page, more, err := t.store.List(ctx, t.kind, opts)
		if err != nil {
			return err
		}
		for _, rec := range page {
			if err := fn(rec); err != nil {
				return err
			}
		}
		if !more || len(page) == 0 {
			return nil
		}
		opts.Marker = page[len(page)-1].ID
	}
}

func (t table[T]) record(v T, rev int64) (Record, error) {
	var data []byte
	var err error
	if t.marshal != nil {
		data, err = t.marshal(v)
	} else {
		data, err = json.Marshal(v)
	}
	if err != nil {
		return Record{}, Wrap(err, Internal, "cannot encode %s", t.noun)
	}
	id, unique, fields := t.index(v)
	return Record{Kind: t.kind, ID: id, Revision: rev, SchemaVersion: schemaVersion, Unique: unique, Fields: fields, Data: data}, nil
}

func (t table[T]) create(ctx context.Context, v T) error {
	rec, err := t.record(v, 0)
	if err != nil {
		return err
	}
	_, err = t.store.Create(ctx, rec)
	return t.fromStore(err, rec.ID)
}

// createDeleting creates v and deletes the record id of kind del in one
// store write (Store.CreateDeleting).
func (t table[T]) createDeleting(ctx context.Context, v T, del Kind, id string) error {
	rec, err := t.record(v, 0)
	if err != nil {
		return err
	}
	_, err = t.store.CreateDeleting(ctx, rec, del, id)
	return t.fromStore(err, rec.ID)
}

func (t table[T]) update(ctx context.Context, v T, rev int64) error {
	rec, err := t.record(v, rev)
	if err != nil {
		return err
	}
	_, err = t.store.Update(ctx, rec)
	return t.fromStore(err, rec.ID)
}

// modify applies change to the newest stored value and writes it back,
// starting again when another writer got there first.
func (t table[T]) modify(ctx context.Context, id string, change func(*T) error) (T, error) {
	for attempt := 0; ; attempt++ {
		v, rev, err := t.get(ctx, id)
		if err != nil {
			return v, err
		}
		if err := change(&v); err != nil {
			return v, err
		}
		err = t.update(ctx, v, rev)
		if err == nil || !IsCode(err, Conflict) || attempt == 4 {
			return v, err
		}
		if _, rev2, gerr := t.get(ctx, id); gerr == nil && rev2 == rev {
			return v, err // a uniqueness clash, not a lost race
		}
	}
}

func (t table[T]) delete(ctx context.Context, id string) error {
	defer t.memo.Forget(id)
	return t.fromStore(t.store.Delete(ctx, t.kind, id, 0), id)
}

// fromStore puts a store's failure in the caller's words: the store's
// message names its bucket ("pod_managers with name ... already exists") and
// stays in Err, for the log. The code is kept, so the core's own checks (a
// Conflict retried by modify, say) work as before.
func (t table[T]) fromStore(err error, id string) error {
	var e *Error
	if err == nil || !errors.As(err, &e) {
		return err
	}
	noun := t.noun
	if id != "" {
		noun += " " + id
	}
	var taken *Taken
	switch {
	case e.Code == NotFound:
		return Wrap(err, NotFound, "%s not found.", noun)
	case e.Code == Conflict && errors.As(err, &taken) && taken.Index == "name":
		return Wrap(err, Conflict, "A %s named %q exists already.", strings.ToLower(t.noun), taken.Value)
	case e.Code == Conflict && errors.As(err, &taken):
		return Wrap(err, Conflict, "A %s with %s %q exists already.", strings.ToLower(t.noun), taken.Index, taken.Value)
	case e.Code == Conflict:
		return Wrap(err, Conflict, "%s was changed meanwhile; try again.", noun)
	case e.Code == Invalid:
		// The core writes well-formed records, so what the store refuses is
		// their size: a caller's text too long to keep.
		return Wrap(err, Invalid, "%s is too large to be stored; shorten its longest fields.", noun)
	case e.Code == Internal:
		return Wrap(err, Internal, "A stored %s is unreadable.", strings.ToLower(t.noun))
	}
	return err // Unavailable and Timeout name no bucket
}

// pageOf builds the store's list options from a caller's page request.
func pageOf(p Page, filters map[string]string) ListOptions {
	return ListOptions{Filters: filters, Marker: p.Marker, Limit: p.Limit}
}

// Page asks for one page of a list.
type Page struct {
	// Marker is the id of the last item of the previous page.
	Marker string
	// Limit caps the page; 0 means all.
	Limit int
}

// checkFilters refuses filter keys that a list does not offer.
func checkFilters(filters map[string]string, allowed ...string) error {
	for k := range filters {
		ok := false
		for _, a := range allowed {
			ok = ok || k == a
		}
		if !ok {
			return Errorf(Invalid, "unknown filter %q; filters are %v", k, allowed)
		}
	}
	return nil
}
