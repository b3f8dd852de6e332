package redfish

import (
	"context"
	"net/http"
	"sync"

	"github.com/stmcginnis/gofish/schemas"
)

// A walk of the inventory (Systems) reads thousands of systems of which,
// from one walk to the next, few change. Where the service gives ETags, a
// walk keeps for each system it read whole (no part failed) its summary and
// the path and ETag of every resource it read for it: the system, its parts'
// collections and their members. The next walk asks for all of those at
// once, each with If-None-Match; when every one is answered 304 Not Modified
// the kept summary is the system's, with no body sent, read or decoded, and
// in one round of requests instead of three. Any other answer, or a service
// without ETags or one that ignores If-None-Match, reads the system in full
// as before. Only a walk that got to its end is kept, holding only what it
// read: the memory is one summary and a few paths and ETags per system.

// tag is one resource read for a system, with the ETag it had.
type tag struct{ uri, etag string }

// keptSystem is what a walk keeps of one system: its summary as read
// (before the walk adds Location and the node from the chassis and nodes)
// and the resources it was summed from.
type keptSystem struct {
	system System
	tags   []tag
}

// revalidation is one walk's: the systems of the last complete walk (read
// only) and those of this one, kept as they are read.
type revalidation struct {
	last map[string]*keptSystem
	mu   sync.Mutex
	seen map[string]*keptSystem
}

// revalidating returns a new walk's revalidation, which starts from the
// last complete walk's; nil when the client ignores ETags.
func (c *Client) revalidating() *revalidation {
	if c.ignoreETags {
		return nil
	}
	r := &revalidation{seen: map[string]*keptSystem{}}
	if last := c.lastWalk.Load(); last != nil {
		r.last = *last
	}
	return r
}

// keep makes r the walk the next one revalidates against. Only a walk that
// got to its end is kept (a system that failed in part is read in full next
// time), so that one cut short does not make the next read everything anew.
func (c *Client) keep(r *revalidation) {
	if r != nil {
		c.lastWalk.Store(&r.seen)
	}
}

// recorderKey marks the context of one system's read in a walk (recording).
type recorderKey struct{}

// recorder collects the resources getJSON reads for one system.
type recorder struct {
	mu         sync.Mutex
	tags       []tag
	incomplete bool // an answer had no ETag, or a read failed: the system is not kept
}

// record notes that uri was read with etag; "" for a read that failed or
// whose answer had none.
func record(ctx context.Context, uri, etag string) {
	r, _ := ctx.Value(recorderKey{}).(*recorder)
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if etag == "" {
		r.incomplete = true
		return
	}
	r.tags = append(r.tags, tag{uri: uri, etag: etag})
}

// walkSystem is GetSystem for a walk: a system the last walk kept is asked
// for again with its ETags, and its kept summary returned when nothing
// changed; any other is read in full and, when it could be read whole with
// ETags, kept for the next walk.
func (c *Client) walkSystem(ctx context.Context, walk *revalidation, uri string) (*System, error) {
	if walk == nil {
		return c.GetSystem(ctx, uri)
	}
	if k := walk.last[uri]; k != nil && c.unchanged(ctx, k.tags) {
		walk.note(uri, k)
		s := k.system
		return &s, nil
	}
	rec := &recorder{}
	s, err := c.GetSystem(context.WithValue(ctx, recorderKey{}, rec), uri)
	if err == nil && len(s.Warnings) == 0 && !rec.incomplete {
		walk.note(uri, &keptSystem{system: *s, tags: rec.tags})
	}
	return s, err
}

// note keeps k as what this walk read of the system at uri.
func (r *revalidation) note(uri string, k *keptSystem) {
	r.mu.Lock()
	r.seen[uri] = k
	r.mu.Unlock()
}

// unchanged says whether each of tags, asked for with its ETag all at once,
// is answered 304, or in full with the same ETag (a service that ignores
// If-None-Match: the body is drained, not decoded). Any other answer or
// failure says no: the system is then read in full, which reports a
// failure as a walk does.
func (c *Client) unchanged(ctx context.Context, tags []tag) bool {
	if len(tags) == 0 {
		return false
	}
	uris := make([]string, len(tags))
	etags := make(map[string]string, len(tags))
	for i, t := range tags {
		uris[i], etags[t.uri] = t.uri, t.etag
	}
	same, err := fetchAll(ctx, c, uris, func(ctx context.Context, uri string) (bool, error) {
		resp, err := c.get(ctx, uri, etags[uri])
		if err != nil {
			return false, err
		}
		defer schemas.DeferredCleanupHTTPResponse(resp) // drains, so the connection is reused
		return resp.StatusCode == http.StatusNotModified || resp.Header.Get("ETag") == etags[uri], nil
	})
	if err != nil {
		return false
	}
	for _, s := range same {
		if !s {
			return false
		}
	}
	return true
}
