package auth

import (
	"testing"
	"time"

	"github.com/valence-rsd/valence/internal/valence"
)

func TestCacheExpiry(t *testing.T) {
	c := newTokenCache(10)
	now := time.Now()
	c.put(keyOf("a"), valence.Caller{UserID: "a"}, now.Add(time.Minute))
	if got, ok := c.get(keyOf("a"), now.Add(59*time.Second)); !ok || got.UserID != "a" {
		t.Fatalf("before its deadline: %+v, %v", got, ok)
	}
	if _, ok := c.get(keyOf("a"), now.Add(time.Minute)); ok {
		t.Fatal("served at its deadline")
	}
	if c.lru.Len() != 0 || len(c.m) != 0 {
		t.Fatal("an expired entry was kept")
	}
}

func TestCacheSizeBoundEvictsLeastRecentlyUsed(t *testing.T) {
	c := newTokenCache(2)
	now := time.Now()
	later := now.Add(time.Hour)
	c.put(keyOf("a"), valence.Caller{UserID: "a"}, later)
	c.put(keyOf("b"), valence.Caller{UserID: "b"}, later)
	c.get(keyOf("a"), now) // a is now more recently used than b
	c.put(keyOf("c"), valence.Caller{UserID: "c"}, later)
	if _, ok := c.get(keyOf("b"), now); ok {
		t.Error("b, the least recently used, was not evicted")
	}
	for _, k := range []string{"a", "c"} {
		if _, ok := c.get(keyOf(k), now); !ok {
			t.Errorf("%s was evicted", k)
		}
	}
	if c.lru.Len() != 2 || len(c.m) != 2 {
		t.Errorf("%d/%d entries, want 2", c.lru.Len(), len(c.m))
	}
	c.put(keyOf("a"), valence.Caller{UserID: "a2"}, later) // replace, not add
	if got, _ := c.get(keyOf("a"), now); got.UserID != "a2" || c.lru.Len() != 2 {
		t.Errorf("replacing an entry: %+v, %d entries", got, c.lru.Len())
	}
}

func TestCacheGivesEachCallerItsOwnRoles(t *testing.T) {
	c := newTokenCache(1)
	now := time.Now()
	c.put(keyOf("a"), valence.Caller{Roles: []string{"reader"}}, now.Add(time.Hour))
	got, _ := c.get(keyOf("a"), now)
	got.Roles[0] = "admin"
	if again, _ := c.get(keyOf("a"), now); again.Roles[0] != "reader" {
		t.Fatal("a caller's change to its roles reached the cache")
	}
}
