package auth

import (
	"container/list"
	"crypto/sha256"
	"slices"
	"sync"
	"time"

	"github.com/valence-rsd/valence/internal/valence"
)

// tokenKey is what the cache keys a token by: its SHA-256, so the token
// itself is never kept as a map key that a heap dump or debug print shows.
type tokenKey [sha256.Size]byte

func keyOf(token string) tokenKey { return sha256.Sum256([]byte(token)) }

// tokenCache remembers validated tokens until a deadline each, holding at
// most max of them and evicting the least recently used first.
type tokenCache struct {
	mu  sync.Mutex
	max int
	lru *list.List // of *cacheEntry, most recently used in front
	m   map[tokenKey]*list.Element
}

type cacheEntry struct {
	key    tokenKey
	caller valence.Caller
	until  time.Time
}

func newTokenCache(max int) *tokenCache {
	return &tokenCache{max: max, lru: list.New(), m: make(map[tokenKey]*list.Element)}
}

// get returns the caller of key if it was cached and is still good at now.
func (c *tokenCache) get(key tokenKey, now time.Time) (valence.Caller, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[key]
	if !ok {
		return valence.Caller{}, false
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.until) {
		c.lru.Remove(el)
		delete(c.m, key)
		return valence.Caller{}, false
	}
	c.lru.MoveToFront(el)
	caller := e.caller
	caller.Roles = slices.Clone(caller.Roles) // a request must not change what the next one gets
	return caller, true
}

// put caches caller for key until the given time.
func (c *tokenCache) put(key tokenKey, caller valence.Caller, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[key]; ok {
		el.Value = &cacheEntry{key, caller, until}
		c.lru.MoveToFront(el)
		return
	}
	c.m[key] = c.lru.PushFront(&cacheEntry{key, caller, until})
	for c.lru.Len() > c.max {
		oldest := c.lru.Back()
		c.lru.Remove(oldest)
		delete(c.m, oldest.Value.(*cacheEntry).key)
	}
}
