package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/valence-rsd/valence/internal/valence"
)

func testCreateGet(t *testing.T, s valence.Store) {
	want := node("n1", "alpha")
	got := mustCreate(t, s, want)
	if got.Revision <= 0 {
		t.Fatalf("Create returned revision %d, want > 0", got.Revision)
	}
	want.Revision = got.Revision
	wantSame(t, got, want)
	wantSame(t, mustGet(t, s, valence.KindNode, "n1"), want)
}

func testUpdate(t *testing.T, s valence.Store) {
	rec := mustCreate(t, s, node("n1", "alpha"))
	rec.Fields = map[string]string{"state": "active", "pod": "p1"}
	rec.Data = json.RawMessage(`{"name":"alpha","power":"on"}`)
	got, err := s.Update(t.Context(), rec)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if got.Revision <= rec.Revision {
		t.Errorf("Update returned revision %d, not above %d", got.Revision, rec.Revision)
	}
	rec.Revision = got.Revision
	wantSame(t, got, rec)
	wantSame(t, mustGet(t, s, valence.KindNode, "n1"), rec)
}

func testDelete(t *testing.T, s valence.Store) {
	ctx := t.Context()
	mustCreate(t, s, node("any", "a"))
	if err := s.Delete(ctx, valence.KindNode, "any", 0); err != nil {
		t.Fatalf("Delete with revision 0: %v", err)
	}
	_, err := s.Get(ctx, valence.KindNode, "any")
	wantCode(t, "Get after Delete", err, valence.NotFound)

	rec := mustCreate(t, s, node("exact", "b"))
	if err := s.Delete(ctx, valence.KindNode, "exact", rec.Revision); err != nil {
		t.Fatalf("Delete with the current revision: %v", err)
	}
	_, err = s.Get(ctx, valence.KindNode, "exact")
	wantCode(t, "Get after Delete", err, valence.NotFound)
}

func testNotFound(t *testing.T, s valence.Store) {
	ctx := t.Context()
	_, err := s.Get(ctx, valence.KindNode, "ghost")
	wantCode(t, "Get", err, valence.NotFound)
	wantMessage(t, "Get", err, "nodes", "ghost")
	rec := node("ghost", "g")
	rec.Revision = 1
	_, err = s.Update(ctx, rec)
	wantCode(t, "Update", err, valence.NotFound)
	wantCode(t, "Delete", s.Delete(ctx, valence.KindNode, "ghost", 0), valence.NotFound)
	wantCode(t, "Delete with revision", s.Delete(ctx, valence.KindNode, "ghost", 7), valence.NotFound)
	// Same id in another kind is another record.
	mustCreate(t, s, node("n1", "a"))
	_, err = s.Get(ctx, valence.KindFlavor, "n1")
	wantCode(t, "Get of another kind", err, valence.NotFound)
}

func testInvalid(t *testing.T, s valence.Store) {
	ctx := t.Context()
	withKind := func(kind valence.Kind) valence.Record { r := node("x", "x"); r.Kind = kind; return r }
	withUnique := func(index string) valence.Record {
		r := node("x", "x")
		r.Unique = map[string]string{index: "v"}
		return r
	}
	badData := node("x", "x")
	badData.Data = json.RawMessage(`{"unclosed":`)
	cases := []struct {
		name string
		err  error
	}{
		{"Create empty id", create(ctx, s, node("", "x"))},
		{"Create unknown kind", create(ctx, s, withKind("widgets"))},
		{"Create empty index name", create(ctx, s, withUnique(""))},
		{"Create index name with slash", create(ctx, s, withUnique("a/b"))},
		{"Create data not JSON", create(ctx, s, badData)},
		{"Update empty id", update(ctx, s, node("", "x"))},
		{"Update unknown kind", update(ctx, s, withKind("widgets"))},
		{"Get empty id", get(ctx, s, valence.KindNode, "")},
		{"Get unknown kind", get(ctx, s, "widgets", "x")},
		{"Delete empty id", s.Delete(ctx, valence.KindNode, "", 0)},
		{"Delete unknown kind", s.Delete(ctx, "widgets", "x", 0)},
		{"List unknown kind", list(ctx, s, "widgets", valence.ListOptions{})},
		{"List negative limit", list(ctx, s, valence.KindNode, valence.ListOptions{Limit: -1})},
	}
	for _, c := range cases {
		wantCode(t, c.name, c.err, valence.Invalid)
	}
	_, err := s.Get(ctx, valence.KindNode, "x")
	wantCode(t, "Get after refused creates", err, valence.NotFound)
}

func testDuplicateID(t *testing.T, s valence.Store) {
	first := mustCreate(t, s, node("n1", "alpha"))
	_, err := s.Create(t.Context(), node("n1", "beta"))
	wantCode(t, "Create of an existing id", err, valence.Conflict)
	wantMessage(t, "Create of an existing id", err, "nodes", "n1")
	wantSame(t, mustGet(t, s, valence.KindNode, "n1"), first)
	// The refused record must not have claimed its name.
	mustCreate(t, s, node("n2", "beta"))
	// Kinds are separate collections.
	flavor := node("n1", "alpha")
	flavor.Kind = valence.KindFlavor
	mustCreate(t, s, flavor)
}

func testStaleRevision(t *testing.T, s valence.Store) {
	ctx := t.Context()
	v1 := mustCreate(t, s, node("n1", "alpha"))
	v2 := v1
	v2.Data = json.RawMessage(`{"v":2}`)
	v2, err := s.Update(ctx, v2)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	stale := v1
	stale.Data = json.RawMessage(`{"v":"stale"}`)
	_, err = s.Update(ctx, stale)
	wantCode(t, "Update with a stale revision", err, valence.Conflict)
	wantMessage(t, "Update with a stale revision", err, "nodes", "n1")
	stale.Revision = 0
	_, err = s.Update(ctx, stale)
	wantCode(t, "Update with revision 0", err, valence.Conflict)
	wantCode(t, "Delete with a stale revision", s.Delete(ctx, valence.KindNode, "n1", v1.Revision), valence.Conflict)
	wantSame(t, mustGet(t, s, valence.KindNode, "n1"), v2)
}

func testRevisionsIncrease(t *testing.T, s valence.Store) {
	ctx := t.Context()
	var last int64
	check := func(what string, rec valence.Record) {
		t.Helper()
		if rec.Revision <= last {
			t.Errorf("%s: revision %d, not above %d", what, rec.Revision, last)
		}
		last = rec.Revision
		if got := mustGet(t, s, rec.Kind, rec.ID); got.Revision != rec.Revision {
			t.Errorf("%s: Get says revision %d, the write said %d", what, got.Revision, rec.Revision)
		}
	}
	a := mustCreate(t, s, node("a", "a"))
	check("Create a", a)
	b := mustCreate(t, s, node("b", "b"))
	check("Create b", b)
	for i := range 3 {
		var err error
		if a, err = s.Update(ctx, a); err != nil {
			t.Fatalf("Update %d: %v", i, err)
		}
		check("Update a", a)
	}
}

func testSchemaVersion(t *testing.T, s valence.Store) {
	rec := node("n1", "alpha")
	rec.SchemaVersion = 3
	rec = mustCreate(t, s, rec)
	if got := mustGet(t, s, valence.KindNode, "n1").SchemaVersion; got != 3 {
		t.Errorf("schema version after Create: %d, want 3", got)
	}
	rec.SchemaVersion = 4
	if _, err := s.Update(t.Context(), rec); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if got := mustGet(t, s, valence.KindNode, "n1").SchemaVersion; got != 4 {
		t.Errorf("schema version after Update: %d, want 4", got)
	}
}

func testDataRoundTrip(t *testing.T, s valence.Store) {
	payloads := map[string]string{
		"empty":   ``,
		"null":    `null`,
		"object":  `{"a":{"b":[1,2,{"c":null}]},"t":true}`,
		"numbers": `{"big":12345678901234567890123,"exp":1e308,"neg":-0.000001,"uint":18446744073709551615}`,
		"unicode": `{"s":"żółw \u00e9 \ud83d\ude00 \"quoted\" \\ / <tag>&amp;","k\u00e9y":"v"}`,
		"spaces":  " {\n  \"indented\" : [ 1 ,\t2 ] }\n",
		"array":   `[1,"two",3.0,[],{}]`,
		"string":  `"just a string"`,
	}
	for name, p := range payloads {
		rec := node("n-"+name, name)
		rec.Data = json.RawMessage(p)
		rec = mustCreate(t, s, rec)
		got := mustGet(t, s, valence.KindNode, rec.ID)
		if !sameJSON(got.Data, rec.Data) {
			t.Errorf("%s: data %q came back as %q", name, p, got.Data)
		}
	}
}

func testPing(t *testing.T, s valence.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func testCanceled(t *testing.T, s valence.Store) {
	kept := mustCreate(t, s, node("kept", "kept"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	changed := kept
	changed.Data = json.RawMessage(`{"changed":true}`)
	cases := map[string]error{
		"Get":    get(ctx, s, valence.KindNode, "kept"),
		"List":   list(ctx, s, valence.KindNode, valence.ListOptions{}),
		"Create": create(ctx, s, node("new", "new")),
		"Update": update(ctx, s, changed),
		"Delete": s.Delete(ctx, valence.KindNode, "kept", 0),
	}
	for op, err := range cases {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a canceled context: %v, want context.Canceled in the chain", op, err)
		}
		wantCode(t, op+" with a canceled context", err, valence.Timeout)
	}
	_, err := s.Get(t.Context(), valence.KindNode, "new")
	wantCode(t, "Get of a record created with a canceled context", err, valence.NotFound)
	wantSame(t, mustGet(t, s, valence.KindNode, "kept"), kept)
}

// create, update, get and list return only the error of the call, for tables.
func create(ctx context.Context, s valence.Store, rec valence.Record) error {
	_, err := s.Create(ctx, rec)
	return err
}

func update(ctx context.Context, s valence.Store, rec valence.Record) error {
	_, err := s.Update(ctx, rec)
	return err
}

func get(ctx context.Context, s valence.Store, kind valence.Kind, id string) error {
	_, err := s.Get(ctx, kind, id)
	return err
}

func list(ctx context.Context, s valence.Store, kind valence.Kind, opts valence.ListOptions) error {
	_, _, err := s.List(ctx, kind, opts)
	return err
}
