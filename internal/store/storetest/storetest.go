// Package storetest is the one contract suite every valence.Store must
// pass, so that the embedded store and etcd cannot drift apart in behaviour.
package storetest

import (
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"strings"
	"testing"

	"github.com/valence-rsd/valence/internal/valence"
)

// Run runs the contract suite as parallel subtests of t. open must return a
// new, empty store for the subtest it is given; Run closes it when the
// subtest ends.
func Run(t *testing.T, open func(t *testing.T) valence.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s valence.Store)
	}{
		{"CreateGet", testCreateGet},
		{"Update", testUpdate},
		{"Delete", testDelete},
		{"NotFound", testNotFound},
		{"Invalid", testInvalid},
		{"DuplicateID", testDuplicateID},
		{"StaleRevision", testStaleRevision},
		{"RevisionsIncrease", testRevisionsIncrease},
		{"SchemaVersion", testSchemaVersion},
		{"DataRoundTrip", testDataRoundTrip},
		{"Ping", testPing},
		{"Owner", testOwner},
		{"Canceled", testCanceled},
		{"UniqueCreate", testUniqueCreate},
		{"UniqueUpdate", testUniqueUpdate},
		{"UniqueFreedOnDelete", testUniqueFreedOnDelete},
		{"ConcurrentCreates", testConcurrentCreates},
		{"ConcurrentUpdates", testConcurrentUpdates},
		{"ListFilters", testListFilters},
		{"Paging", testPaging},
		{"ListMany", testListMany},
		{"CreateDeleting", testCreateDeleting},
		{"ConcurrentCreateDeleting", testConcurrentCreateDeleting},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}

// node returns a node record with a unique name, the suite's usual shape.
func node(id, name string) valence.Record {
	return valence.Record{
		Kind:          valence.KindNode,
		ID:            id,
		SchemaVersion: 1,
		Unique:        map[string]string{"name": name},
		Fields:        map[string]string{"state": "allocated"},
		Data:          json.RawMessage(`{"name":"` + name + `"}`),
	}
}

// mustCreate creates rec or fails the test.
func mustCreate(t *testing.T, s valence.Store, rec valence.Record) valence.Record {
	t.Helper()
	got, err := s.Create(t.Context(), rec)
	if err != nil {
		t.Fatalf("Create %s %q: %v", rec.Kind, rec.ID, err)
	}
	return got
}

// mustGet reads a record or fails the test.
func mustGet(t *testing.T, s valence.Store, kind valence.Kind, id string) valence.Record {
	t.Helper()
	got, err := s.Get(t.Context(), kind, id)
	if err != nil {
		t.Fatalf("Get %s %q: %v", kind, id, err)
	}
	return got
}

// wantCode fails the test unless err carries code.
func wantCode(t *testing.T, what string, err error, code valence.Code) {
	t.Helper()
	if got := valence.ErrorCode(err); got != code {
		t.Errorf("%s: got error %v (code %q), want code %q", what, err, got, code)
	}
}

// wantMessage fails the test unless err's caller-safe message holds every part.
func wantMessage(t *testing.T, what string, err error, parts ...string) {
	t.Helper()
	var verr *valence.Error
	if !errors.As(err, &verr) {
		t.Errorf("%s: %v is not a *valence.Error", what, err)
		return
	}
	for _, p := range parts {
		if !strings.Contains(verr.Message, p) {
			t.Errorf("%s: message %q does not name %q", what, verr.Message, p)
		}
	}
}

// wantSame fails the test unless got is want as stored: equal key, revision,
// schema version, unique values and fields (nil and empty alike), and Data
// equal as JSON.
func wantSame(t *testing.T, got, want valence.Record) {
	t.Helper()
	if got.Kind != want.Kind || got.ID != want.ID || got.Revision != want.Revision || got.SchemaVersion != want.SchemaVersion {
		t.Errorf("got %s %q rev %d schema %d, want %s %q rev %d schema %d",
			got.Kind, got.ID, got.Revision, got.SchemaVersion, want.Kind, want.ID, want.Revision, want.SchemaVersion)
	}
	if !maps.Equal(got.Unique, want.Unique) {
		t.Errorf("%q: unique %v, want %v", got.ID, got.Unique, want.Unique)
	}
	if !maps.Equal(got.Fields, want.Fields) {
		t.Errorf("%q: fields %v, want %v", got.ID, got.Fields, want.Fields)
	}
	if !sameJSON(got.Data, want.Data) {
		t.Errorf("%q: data %s, want %s", got.ID, got.Data, want.Data)
	}
}

// sameJSON compares two JSON texts by meaning, numbers by their literal text
// so that no precision is lost; empty equals empty.
func sameJSON(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	return reflect.DeepEqual(decodeJSON(a), decodeJSON(b))
}

// decodeJSON decodes with numbers kept as their text.
func decodeJSON(b []byte) any {
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return err.Error()
	}
	return v
}

// ids returns the IDs of recs in order.
func ids(recs []valence.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}
