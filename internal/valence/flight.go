package valence

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/rs/zerolog"
)

// flights merges concurrent calls with the same key into one call. The call
// runs on a goroutine of its own, on a context without the caller's
// cancellation, so that the caller who started it giving up does not cut it
// short for those who wait; each caller stops waiting when its own context
// ends. The call ends with life, when life is set: the service's, so that
// a background refresh no caller waits for does not outlive its close.
type flights[T any] struct {
	mu    sync.Mutex
	calls map[string]*flightCall[T]
	life  context.Context
}

type flightCall[T any] struct {
	done  chan struct{}
	value T
	err   error
	// panicked holds what the call panicked with, and its stack: it is
	// raised again in every caller, where the server's recoverer sees it,
	// rather than ending the process from the call's own goroutine.
	panicked error
}

// do runs fn for key unless a call for key is under way, and returns that
// call's result.
func (f *flights[T]) do(ctx context.Context, key string, fn func(context.Context) (T, error)) (T, error) {
	c := f.start(ctx, key, fn)
	select {
	case <-c.done:
		if c.panicked != nil {
			panic(c.panicked)
		}
		return c.value, c.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// start runs fn for key unless a call for key is under way, and returns
// that call without waiting for it.
func (f *flights[T]) start(ctx context.Context, key string, fn func(context.Context) (T, error)) *flightCall[T] {
	f.mu.Lock()
	c, ok := f.calls[key]
	if !ok {
		if f.calls == nil {
			f.calls = map[string]*flightCall[T]{}
		}
		c = &flightCall[T]{done: make(chan struct{})}
		f.calls[key] = c
		callCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		stop := func() bool { return false }
		if f.life != nil {
			stop = context.AfterFunc(f.life, cancel)
		}
		go func() {
			defer func() {
				if r := recover(); r != nil {
					c.panicked = fmt.Errorf("%v\n\n%s", r, debug.Stack())
					// Logged here as well: a call started in the background
					// (a stale inventory's refresh) has no caller to raise it in.
					zerolog.Ctx(ctx).Error().Str("call", key).Err(c.panicked).Msg("a shared call panicked")
				}
				stop()
				cancel()
				f.mu.Lock()
				delete(f.calls, key)
				f.mu.Unlock()
				close(c.done)
			}()
			c.value, c.err = fn(callCtx)
		}()
	}
	f.mu.Unlock()
	return c
}

// wait returns when the calls under way have ended, or with ctx's error
// when ctx ends first. Calls started after it was called are not waited for.
func (f *flights[T]) wait(ctx context.Context) error {
	f.mu.Lock()
	calls := make([]*flightCall[T], 0, len(f.calls))
	for _, c := range f.calls {
		calls = append(calls, c)
	}
	f.mu.Unlock()
	for _, c := range calls {
		select {
		case <-c.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
