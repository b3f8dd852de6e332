// Package memo keeps values decoded from stored bytes, so that bytes read
// again unchanged are not decoded again. An entry is used only while the
// bytes it was decoded from are byte for byte the ones read now, so whoever
// changed them (another process on the same backend included), the change
// is decoded afresh; no revision scheme is assumed.
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
	budget int

	mu      sync.RWMutex
	entries map[string]entry[T]
	size    int // bytes charged against budget
}

type entry[T any] struct {
	b []byte
	v T
}

// New returns a cache that holds at most budget bytes, counting each
// entry's bytes plus Overhead.
func New[T any](budget int) *Cache[T] {
	return &Cache[T]{budget: budget, entries: map[string]entry[T]{}}
}

// Get returns the value decoded from b under key, if b is what it was
// decoded from.
func (c *Cache[T]) Get(key string, b []byte) (T, bool) {
	var zero T
	if c == nil {
		return zero, false
	}
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if !ok || !bytes.Equal(e.b, b) {
		return zero, false
	}
	return e.v, true
}

// Put records v as decoded from b under key. b is kept, not copied: the
// caller must not change it afterwards. When the budget is spent the cache
// starts over rather than track recency: entries of keys gone elsewhere go
// too, and reading more than the budget costs what it did without a cache.
func (c *Cache[T]) Put(key string, b []byte, v T) {
	cost := len(b) + Overhead
	if c == nil || cost > c.budget {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[key]; ok {
		c.size -= len(old.b) + Overhead
	}
	if c.size+cost > c.budget {
		clear(c.entries)
		c.size = 0
	}
	c.entries[key] = entry[T]{b: b, v: v}
	c.size += cost
}

// Forget drops key's entry, so that what its owner deleted does not hold
// memory until the next start-over.
func (c *Cache[T]) Forget(key string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[key]; ok {
		c.size -= len(old.b) + Overhead
		delete(c.entries, key)
	}
}
