package redfish

import (
	"context"
	"reflect"
	"sync"
)

// A walk of the inventory (Systems) reads thousands of resources of which,
// from one walk to the next, few change. Where the service gives ETags, a
// walk keeps each resource's ETag with what it decoded of it; the next walk
// sends that ETag in If-None-Match, and on 304 Not Modified takes the kept
// value: no body sent, read or decoded. A service without ETags, or one that
// ignores If-None-Match, is walked in full as before. Only a walk that ran to
// its end is kept, and it keeps only what it read, so the memory is bounded
// by one inventory and a resource gone from the service is forgotten.

// tagKey names a kept resource: its path and the type it was decoded into,
// since a 304 must never hand a value of one type to a read of another.
type tagKey struct {
	uri string
	typ reflect.Type
}

// tagged is a resource as a walk last read it: its ETag and decoded value.
type tagged struct {
	etag  string
	value any
}

// revalidation is one walk's: the resources of the last complete walk
// (read only) and those of this one, kept as they are read.
type revalidation struct {
	last map[tagKey]tagged
	mu   sync.Mutex
	seen map[tagKey]tagged
}

// revalidationKey marks the context of a walk that revalidates (revalidating).
type revalidationKey struct{}

// revalidating returns ctx carrying a new walk's revalidation, which starts
// from the last complete walk's, and the revalidation itself, for keep; ctx
// and nil when the client ignores ETags.
func (c *Client) revalidating(ctx context.Context) (context.Context, *revalidation) {
	if c.ignoreETags {
		return ctx, nil
	}
	r := &revalidation{seen: map[tagKey]tagged{}}
	if last := c.lastWalk.Load(); last != nil {
		r.last = *last
	}
	return context.WithValue(ctx, revalidationKey{}, r), r
}

// keep makes r the walk the next one revalidates against. Only a walk that
// got to its end is kept (what a part that failed did not read is read in
// full next time), so that one cut short does not make the next read
// everything anew.
func (c *Client) keep(r *revalidation) {
	if r != nil {
		c.lastWalk.Store(&r.seen)
	}
}

// known returns the ETag and value the last complete walk had for uri read
// into v (a pointer), if ctx is a revalidating walk's; r is nil otherwise.
func known(ctx context.Context, uri string, v any) (r *revalidation, k tagKey, t tagged) {
	r, _ = ctx.Value(revalidationKey{}).(*revalidation)
	if r == nil {
		return nil, k, t
	}
	k = tagKey{uri: uri, typ: reflect.TypeOf(v)}
	return r, k, r.last[k]
}

// unchanged sets v to the kept value of t: the service answered 304.
func (t tagged) unchanged(v any) {
	reflect.ValueOf(v).Elem().Set(reflect.ValueOf(t.value))
}

// note records what this walk read of k: its ETag and the value decoded
// into v (a pointer). An answer without an ETag is not kept.
func (r *revalidation) note(k tagKey, etag string, v any) {
	if etag == "" {
		return
	}
	t := tagged{etag: etag, value: reflect.ValueOf(v).Elem().Interface()}
	r.mu.Lock()
	r.seen[k] = t
	r.mu.Unlock()
}
