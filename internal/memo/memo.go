// Package memo keeps values made from a source (decoded from stored bytes,
// encoded from a value), so that a source read again unchanged is not
// decoded or encoded again. An entry is used only while its source is the
// one read now — for stored bytes, byte for byte — so whoever changed it
// (another process on the same backend included), the change is made
// afresh; no revision scheme is assumed.
package memo

import (
	"bytes"
	"sync"
)

// Overhead is what an entry is charged beside its bytes: the value, the key
// and the map slot.
const Overhead = 256

// Cache maps keys to values decoded from bytes, within a budget of bytes.
// The values are handed out as copies, so T must hold nothing that a caller
// could change under another (maps, slices, pointers), or its callers must
// not change it. Safe for concurrent use. A nil Cache keeps nothing.
type Cache[T any] struct {
	of *Of[[]byte, T]
}

// New returns a cache that holds at most budget bytes, counting each
// entry's bytes plus Overhead.
func New[T any](budget int) *Cache[T] {
	return &Cache[T]{of: NewOf[[]byte, T](budget, bytes.Equal)}
}

// Get returns the value decoded from b under key, if b is what it was
// decoded from.
func (c *Cache[T]) Get(key string, b []byte) (T, bool) {
	if c == nil {
		var zero T
		return zero, false
	}
	return c.of.Get(key, b)
}

// GetKey is Get with the key as bytes, which the look-up does not copy, so
// that a hit allocates nothing.
func (c *Cache[T]) GetKey(key, b []byte) (T, bool) {
	if c == nil {
		var zero T
		return zero, false
	}
	c.of.mu.RLock()
	e, ok := c.of.entries[string(key)]
	c.of.mu.RUnlock()
	return c.of.use(e, ok, b)
}

// Put records v as decoded from b under key. b is kept, not copied: the
// caller must not change it afterwards. When the budget is spent the cache
// starts over rather than track recency: entries of keys gone elsewhere go
// too, and reading more than the budget costs what it did without a cache.
func (c *Cache[T]) Put(key string, b []byte, v T) {
	if c != nil {
		c.of.Put(key, b, v, len(b))
	}
}

// Forget drops key's entry, so that what its owner deleted does not hold
// memory until the next start-over.
func (c *Cache[T]) Forget(key string) {
	if c != nil {
		c.of.Forget(key)
	}
}

// Of maps keys to values made from sources of type S, within a budget of
// bytes: an entry is used only while same says that the source read now is
// the one it was made from. Cache is Of for sources that are stored bytes.
// Values are shared as Cache's are. Safe for concurrent use. A nil Of keeps
// nothing.
type Of[S, T any] struct {
	budget int
	same   func(a, b S) bool

	mu      sync.RWMutex
	entries map[string]entry[S, T]
	size    int // bytes charged against budget
}

type entry[S, T any] struct {
	src  S
	v    T
	cost int
}

// NewOf returns an Of that holds at most budget bytes, counting each
// entry's size (given to Put) plus Overhead, and compares sources with same.
func NewOf[S, T any](budget int, same func(a, b S) bool) *Of[S, T] {
	return &Of[S, T]{budget: budget, same: same, entries: map[string]entry[S, T]{}}
}

// Get returns the value made from src under key, if src is what it was
// made from.
func (c *Of[S, T]) Get(key string, src S) (T, bool) {
	var zero T
	if c == nil {
		return zero, false
	}
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	return c.use(e, ok, src)
}

// use returns the value of e, found (ok) under a key, if src is what it
// was made from.
func (c *Of[S, T]) use(e entry[S, T], ok bool, src S) (T, bool) {
	if !ok || !c.same(e.src, src) {
		var zero T
		return zero, false
	}
	return e.v, true
}

// Put records v as made from src under key, charged size bytes (what src
// and v hold that nothing else does) plus Overhead. src is kept, not
// copied. When the budget is spent the cache starts over, as Cache's does.
func (c *Of[S, T]) Put(key string, src S, v T, size int) {
	cost := size + Overhead
	if c == nil || cost > c.budget {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[key]; ok {
		c.size -= old.cost
	}
	if c.size+cost > c.budget {
		clear(c.entries)
		c.size = 0
	}
	c.entries[key] = entry[S, T]{src: src, v: v, cost: cost}
	c.size += cost
}

// Forget drops key's entry.
func (c *Of[S, T]) Forget(key string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[key]; ok {
		c.size -= old.cost
		delete(c.entries, key)
	}
}

// MaxVersioned bounds the keys a Versioned keeps. Its keys are filters of
// lists (a pod manager, or none), and pod managers are few.
const MaxVersioned = 64

// Versioned keeps one value per key with the version of what it was made
// from (a list's inventory), so that a value is made again only when its
// key's version changes. Past MaxVersioned keys it starts over. The zero
// value is ready; safe for concurrent use.
type Versioned[T any] struct {
	mu sync.Mutex
	m  map[string]versioned[T]
}

type versioned[T any] struct {
	version string
	v       T
}

// Get returns the value kept for key if it was made from version, or makes
// it with build and keeps it. A value of the empty version (made of reads
// not kept) is made and not kept.
func (c *Versioned[T]) Get(key, version string, build func() T) T {
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && version != "" && e.version == version {
		return e.v
	}
	v := build()
	if version == "" {
		return v
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= MaxVersioned {
		c.m = map[string]versioned[T]{}
	}
	c.m[key] = versioned[T]{version, v}
	return v
}
