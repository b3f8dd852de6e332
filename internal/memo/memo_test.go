package memo

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// decoder decodes names through c, counting the decodes it could not spare.
type decoder struct {
	c     *Cache[string]
	calls int
}

func (d *decoder) name(key, body string) (string, error) {
	if v, ok := d.c.Get(key, []byte(body)); ok {
		return v, nil
	}
	d.calls++
	var v struct{ Name string }
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		return "", err
	}
	d.c.Put(key, []byte(body), v.Name)
	return v.Name, nil
}

func body(name string) string { return fmt.Sprintf(`{"Name":%q}`, name) }

func TestCacheDecodesOnlyChangedBytes(t *testing.T) {
	d := &decoder{c: New[string](1 << 20)}
	for range 3 {
		for key, name := range map[string]string{"a": "one", "b": "two"} {
			if got, err := d.name(key, body(name)); err != nil || got != name {
				t.Fatalf("%s = %q, %v", key, got, err)
			}
		}
	}
	if d.calls != 2 {
		t.Errorf("3 reads of 2 unchanged bodies decoded %d times, want 2", d.calls)
	}
	// Another writer changes b: its new bytes are decoded, a's are not.
	if got, _ := d.name("b", body("changed")); got != "changed" || d.calls != 3 {
		t.Errorf("after a change: %q, %d decodes, want \"changed\", 3", got, d.calls)
	}
	if got, _ := d.name("a", body("one")); got != "one" || d.calls != 3 {
		t.Errorf("an unchanged body: %q, %d decodes, want \"one\", 3", got, d.calls)
	}
	d.c.Forget("a")
	if _, ok := d.c.Get("a", []byte(body("one"))); ok {
		t.Error("a forgotten key is still cached")
	}
}

func TestCacheBudget(t *testing.T) {
	const budget = 10 << 20
	c := New[string](budget)
	big := []byte(strings.Repeat("x", 1<<20))
	for i := range 40 {
		c.Put(fmt.Sprint(i), big, "v")
		if c.of.size > budget {
			t.Fatalf("after %d entries of 1 MiB the cache holds %d bytes, over its budget of %d", i+1, c.of.size, budget)
		}
	}
	if n := len(c.of.entries); n == 0 || n >= 40 {
		t.Errorf("%d entries kept of 40 of 1 MiB", n)
	}
	// Rewriting an entry charges its new size, not both.
	before := c.of.size
	c.Put("39", append(big, 'y'), "w")
	if c.of.size != before+1 {
		t.Errorf("a rewritten entry moved the size from %d to %d, want %d", before, c.of.size, before+1)
	}
	// What exceeds the whole budget is not kept, and nothing is dropped for it.
	c.Put("huge", make([]byte, budget), "h")
	if _, ok := c.Get("huge", make([]byte, budget)); ok || c.of.size != before+1 {
		t.Errorf("an entry over the budget: kept %v, size %d", ok, c.of.size)
	}
}

func TestNilCacheKeepsNothing(t *testing.T) {
	var c *Cache[string]
	c.Put("a", []byte("x"), "v")
	c.Forget("a")
	if _, ok := c.Get("a", []byte("x")); ok {
		t.Error("a nil cache returned a value")
	}
}

// A Versioned value is made once per version of its key, one of the empty
// version every time, and the keys kept are bounded.
func TestVersioned(t *testing.T) {
	var c Versioned[int]
	made := 0
	mk := func() int { made++; return made }
	first, again, next := c.Get("a", "v1", mk), c.Get("a", "v1", mk), c.Get("a", "v2", mk)
	if first != 1 || again != 1 || next != 2 {
		t.Errorf("same version made again, or a new one not: got %d, %d, %d; %d made, want 2", first, again, next, made)
	}
	empty, emptyAgain, kept := c.Get("a", "", mk), c.Get("a", "", mk), c.Get("a", "v2", mk)
	if empty != 3 || emptyAgain != 4 || kept != 2 {
		t.Errorf("a value of the empty version was kept: got %d, %d, %d", empty, emptyAgain, kept)
	}
	for i := range MaxVersioned + 1 {
		c.Get(fmt.Sprint(i), "v", mk)
	}
	if len(c.m) > MaxVersioned {
		t.Errorf("%d values kept, at most %d", len(c.m), MaxVersioned)
	}
}
