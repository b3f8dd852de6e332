package valence

import (
	"context"
	"encoding/json"
	"fmt"
)

// Kind names a collection of stored records.
type Kind string

// The kinds of record the core keeps.
const (
	KindPodManager Kind = "pod_managers"
	KindFlavor     Kind = "flavors"
	KindNode       Kind = "nodes"
	// KindIntent records a compose in progress, written before the pod manager
	// is asked for anything, so that a restarted server can finish or undo it.
	KindIntent Kind = "intents"
)

// Kinds lists every kind, for stores that prepare a bucket or prefix per kind.
var Kinds = []Kind{KindPodManager, KindFlavor, KindNode, KindIntent}

// Record is one stored object as the store sees it: an id, the values that
// must be unique within its kind, the values it can be filtered by, and an
// opaque JSON body that only the core interprets.
type Record struct {
	Kind Kind
	// ID is the record's key within its kind (a uuid minted by the core).
	ID string
	// Revision is assigned by the store on every write; an Update or Delete
	// naming an older revision is refused with Conflict.
	Revision int64
	// SchemaVersion is the version of Data's layout, so that a later release
	// can recognise and migrate records written by an earlier one.
	SchemaVersion int
	// Unique maps an index name to a value that no other record of the same
	// kind may hold under that name (e.g. "name", "url", "podm_index").
	// Empty values are not indexed. Index names are non-empty and hold no
	// '/' (the etcd store's key layout needs that); values may hold anything.
	Unique map[string]string
	// Fields are the values List can filter on by exact match.
	Fields map[string]string
	// Data is the record's body: JSON, or empty. Stores keep its meaning,
	// not its bytes (whitespace may change).
	Data json.RawMessage
}

// Taken is the cause (Error.Err) of the Conflict that a store answers when a Unique value is
// held by another record: it names the index, so that the core can tell the caller which of
// its fields clashes, in the caller's words rather than the store's.
type Taken struct {
	Index, Value string
}

// Error names the index and the value.
func (t *Taken) Error() string { return fmt.Sprintf("%s %q is taken", t.Index, t.Value) }

// ListOptions selects and pages a List.
type ListOptions struct {
	// Filters keep records whose Fields[k] == v for every k, v.
	Filters map[string]string
	// Marker, when set, starts the page after the record with this ID.
	Marker string
	// Limit caps the page size; 0 means no limit.
	Limit int
}

// Store keeps records durably. Lists are ordered by ID. Implementations must
// be safe for concurrent use, also across processes sharing one backend:
// uniqueness and revisions hold even when two servers race.
//
// Besides the codes named per method, every method returns Invalid for an
// unknown kind, an empty ID or a malformed record (Data not JSON, a bad index
// name; the real stores also refuse a record over 1 MiB), Unavailable when
// the backend cannot be reached, and, once ctx is done, an error with code
// Timeout that wraps ctx.Err() — having written nothing if it was done
// before the call. internal/store/storetest holds implementations to it.
type Store interface {
	// Get returns the record, or an *Error with code NotFound.
	Get(ctx context.Context, kind Kind, id string) (Record, error)
	// List returns the records of kind that match opts, in ID order, and
	// whether more remain after the page. Its records need not carry their
	// Unique and Fields (only Get's must): what List answers with is kept
	// for the next List, and the maps were most of it. Records returned by Get
	// and List may share their maps and Data with other calls' records
	// (stores cache what they decoded): callers must not change them.
	List(ctx context.Context, kind Kind, opts ListOptions) (records []Record, more bool, err error)
	// Create stores a new record and returns it with its revision. An existing
	// ID, or a Unique value already held by another record of the kind, is an
	// *Error with code Conflict; for the latter, its Err is a *Taken.
	Create(ctx context.Context, rec Record) (Record, error)
	// Update replaces a record whose stored revision equals rec.Revision and
	// returns it with its new revision. A different revision is Conflict, a
	// missing record NotFound; Unique values are checked as in Create.
	Update(ctx context.Context, rec Record) (Record, error)
	// Delete removes the record. With revision 0 it deletes whatever is
	// stored; otherwise the stored revision must match (Conflict if not).
	// A missing record is NotFound.
	Delete(ctx context.Context, kind Kind, id string, revision int64) error
	// CreateDeleting creates rec as Create does and, in the same
	// transaction, deletes the record id of kind del whatever its revision:
	// both happen or neither. A missing record to delete is NotFound, rec's
	// clashes are Create's; either way nothing is written. del must be
	// another kind than rec's (Invalid): a compose's record replaces its
	// intent in one durable write instead of two.
	CreateDeleting(ctx context.Context, rec Record, del Kind, id string) (Record, error)
	// Ping reports whether the backend answers; it backs /readyz.
	Ping(ctx context.Context) error
	// Owner names this store's process among those sharing the backend:
	// non-empty, fixed for the store's life and different for every Open.
	// The core writes it into the records that only a live process may act
	// on (compose intents).
	Owner() string
	// OwnerAlive reports whether owner, the Owner of a store on the same
	// backend, is still held by a running process: this store's own is,
	// until Close; another's is until that store is closed or its process
	// dies (bolt: a file has one process, so no other owner is ever alive;
	// etcd: until the owner's lease expires, a few seconds after its death).
	OwnerAlive(ctx context.Context, owner string) (bool, error)
	// OwnersEnded returns a channel that receives after another owner has
	// ended, so that what it held is taken over at once rather than on a
	// schedule. Values coalesce (one may stand for several endings) and may
	// come without an ending; the channel is never closed. A store on which
	// no other owner can live may return a channel that never receives.
	OwnersEnded() <-chan struct{}
	// Close releases the backend.
	Close() error
}
