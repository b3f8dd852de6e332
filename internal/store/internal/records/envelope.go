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
// records, each also holding what List needs of it (a third as much again).
const decodedBudget = 16 << 20

// Cache keeps what List needs of each record decoded from its stored form,
// so that a list of unchanged records does not decode their envelopes again
// (half of a node list's CPU): the stored form once, the Record List
// answers with (its Data a view of the stored form) and the fields to
// filter on. Get decodes afresh (Decode), so only it gives Unique and
// Fields; List gives neither (the Store contract), which spares two maps a
// record (a third of a server's heap at 10,000 node records).
type Cache struct {
	m *memo.Cache[listed]
}

// listed is what a Cache keeps of one record besides its stored form.
type listed struct {
	id            string
	revision      int64
	schemaVersion int
	data          json.RawMessage
	fields        Fields
}

// listedEnvelope is the part of an envelope that List needs: json skips
// the unique values without allocating them.
type listedEnvelope struct {
	SchemaVersion int               `json:"schema_version"`
	Revision      int64             `json:"revision,omitempty"`
	Fields        map[string]string `json:"fields,omitempty"`
	Data          json.RawMessage   `json:"data,omitempty"`
}

// NewCache returns an empty Cache.
func NewCache() Cache { return Cache{m: memo.New[listed](decodedBudget)} }

// Listed returns the record of kind and id that List answers with, without
// Unique and Fields, and its fields to filter on, through the cache; a
// record found unchanged costs no allocation. id and b are copied before
// they are kept, so they may be views that end with a transaction
// (bolt's). A stored value that does not decode is Internal.
func (c Cache) Listed(kind valence.Kind, id, b []byte) (valence.Record, Fields, error) {
	var buf [maxKey]byte
	key := append(append(append(buf[:0], kind...), '/'), id...)
	l, ok := c.m.GetKey(key, b)
	if !ok {
		kept := bytes.Clone(b)
		var env listedEnvelope
		if err := json.Unmarshal(kept, &env); err != nil {
			return valence.Record{}, nil, valence.Wrap(err, valence.Internal, "stored %s %q is damaged", kind, id)
		}
		l = listed{id: string(id), revision: env.Revision, schemaVersion: env.SchemaVersion,
			data: dataIn(kept, env.Data), fields: fieldsOf(env.Fields)}
		c.m.Put(string(key), kept, l)
	}
	return valence.Record{Kind: kind, ID: l.id, Revision: l.revision, SchemaVersion: l.schemaVersion, Data: l.data}, l.fields, nil
}

// maxKey is the length of a cache key built without allocating: a kind and
// a uuid fit; a longer one is built on the heap.
const maxKey = 96

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
