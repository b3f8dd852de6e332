// Package records holds what the bolt and etcd stores share: the JSON
// envelope a record is kept in, validation, filtering, paging and the
// wording of the errors, so that both stores behave and speak alike.
package records

import (
	"bytes"
	"encoding/json"

	"github.com/valence-rsd/valence/internal/memo"
	"github.com/valence-rsd/valence/internal/valence"
)

// envelope is the stored form of a record. The kind and id live in the key,
// not here, so a record cannot disagree with where it is stored. Revision is
// kept only by stores without a native per-key revision (bolt); etcd uses
// the key's ModRevision and leaves it zero.
type envelope struct {
	SchemaVersion int               `json:"schema_version"`
	Revision      int64             `json:"revision,omitempty"`
	Unique        map[string]string `json:"unique,omitempty"`
	Fields        map[string]string `json:"fields,omitempty"`
	Data          json.RawMessage   `json:"data,omitempty"`
}

// MaxSize caps a record's stored form. etcd refuses requests over 1.5 MiB
// by default; one limit for both stores keeps them interchangeable.
const MaxSize = 1 << 20

// Encode returns the stored form of rec, keeping rec.Revision only when
// withRevision is set. Data that is not JSON, or a record over MaxSize, is
// Invalid.
func Encode(rec valence.Record, withRevision bool) ([]byte, error) {
	env := envelope{
		SchemaVersion: rec.SchemaVersion,
		Unique:        rec.Unique,
		Fields:        rec.Fields,
		Data:          rec.Data,
	}
	if withRevision {
		env.Revision = rec.Revision
	}
	b, err := json.Marshal(env)
	if err != nil {
		return nil, valence.Wrap(err, valence.Invalid, "%s %q: data is not valid JSON", rec.Kind, rec.ID)
	}
	if len(b) > MaxSize {
		return nil, valence.Errorf(valence.Invalid, "%s %q: %d bytes exceed the record size limit of %d", rec.Kind, rec.ID, len(b), MaxSize)
	}
	return b, nil
}

// Decode rebuilds the record of kind and id from its stored form. A stored
// value that does not decode is Internal: only a bug or damage can cause it.
func Decode(kind valence.Kind, id string, b []byte) (valence.Record, error) {
	var env envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return valence.Record{}, valence.Wrap(err, valence.Internal, "stored %s %q is damaged", kind, id)
	}
	return valence.Record{
		Kind:          kind,
		ID:            id,
		Revision:      env.Revision,
		SchemaVersion: env.SchemaVersion,
		Unique:        env.Unique,
		Fields:        env.Fields,
		Data:          env.Data,
	}, nil
}

// decodedBudget bounds a Cache: 16 MiB of stored forms, about 20,000 node
// records, each also holding what it decodes to (about as much again).
const decodedBudget = 16 << 20

// Cache keeps records decoded from their stored form, so that a list of
// unchanged records does not decode their envelopes again (half of a node
// list's CPU). The Records it returns share their maps and Data with one
// another, which the Store contract allows.
type Cache struct {
	m *memo.Cache[valence.Record]
}

// NewCache returns an empty Cache.
func NewCache() Cache { return Cache{m: memo.New[valence.Record](decodedBudget)} }

// Decode is the package's Decode through the cache. b is copied before it
// is kept, so it may be a view that ends with a transaction (bolt's). The
// record kept shares its Data with that copy rather than hold a second one.
func (c Cache) Decode(kind valence.Kind, id string, b []byte) (valence.Record, error) {
	key := string(kind) + "/" + id
	if rec, ok := c.m.Get(key, b); ok {
		return rec, nil
	}
	kept := bytes.Clone(b)
	rec, err := Decode(kind, id, kept)
	if err != nil {
		return rec, err
	}
	rec.Data = dataIn(kept, rec.Data)
	c.m.Put(key, kept, rec)
	return rec, nil
}

// dataIn returns the view of stored that holds data, if stored ends with it
// and the envelope's closing brace (Encode writes Data last, compact, as
// json.Unmarshal gives it back), and data itself otherwise. The view's
// capacity ends with it, so that an append copies.
func dataIn(stored []byte, data json.RawMessage) json.RawMessage {
	end := len(stored) - 1
	start := end - len(data)
	if len(data) == 0 || start < 0 || stored[end] != '}' || !bytes.Equal(stored[start:end], data) {
		return data
	}
	return stored[start:end:end]
}
