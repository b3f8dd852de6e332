package valence

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
)

// A call that panics raises the panic in each caller that waited for it,
// where a recoverer can catch it, instead of ending the process.
func TestFlightPanicReachesCallers(t *testing.T) {
	var f flights[int]
	release := make(chan struct{})
	var wg sync.WaitGroup
	caught := make([]any, 3)
	for i := range caught {
		wg.Go(func() {
			defer func() { caught[i] = recover() }()
			f.do(context.Background(), "k", func(context.Context) (int, error) { <-release; panic("boom") })
		})
	}
	close(release)
	wg.Wait()
	for i, r := range caught {
		if err, ok := r.(error); !ok || !strings.Contains(err.Error(), "boom") {
			t.Errorf("caller %d recovered %v, want the call's panic", i, r)
		}
	}
	// The key is free again afterwards.
	if v, err := f.do(context.Background(), "k", func(context.Context) (int, error) { return 7, nil }); v != 7 || err != nil {
		t.Errorf("after a panic: %d, %v", v, err)
	}
}

// A caller whose context ends stops waiting; the call runs on, uncancelled.
func TestFlightCallerLeaves(t *testing.T) {
	var f flights[string]
	started, release, ran := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	ctx, leave := context.WithCancel(context.Background())
	left := make(chan error)
	go func() {
		_, err := f.do(ctx, "k", func(callCtx context.Context) (string, error) {
			close(started)
			<-release
			ran <- callCtx.Err()
			return "", nil
		})
		left <- err
	}()
	<-started
	leave()
	if err := <-left; !errors.Is(err, context.Canceled) {
		t.Errorf("the caller that left: %v", err)
	}
	close(release)
	if err := <-ran; err != nil {
		t.Errorf("the call was cancelled with its caller: %v", err)
	}
}
