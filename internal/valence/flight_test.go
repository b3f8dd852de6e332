package valence

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
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

// A call ends with the flights' life (the service's close), though its
// caller's context does not, and wait sees it end.
func TestFlightEndsWithItsLife(t *testing.T) {
	life, end := context.WithCancel(context.Background())
	f := flights[int]{life: life}
	started, ended := make(chan struct{}), make(chan error, 1)
	f.start(context.Background(), "refresh", func(ctx context.Context) (int, error) {
		close(started)
		<-ctx.Done()
		ended <- ctx.Err()
		return 0, ctx.Err()
	})
	<-started
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := f.wait(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("wait while the call runs: %v, want the wait's deadline", err)
	}
	end()
	if err := f.wait(context.Background()); err != nil {
		t.Fatalf("wait after the life ended: %v", err)
	}
	if err := <-ended; !errors.Is(err, context.Canceled) {
		t.Errorf("the call's context ended with %v, want Canceled", err)
	}
}

// A call started in the background that panics is logged, since no caller
// raises it.
func TestFlightPanicInTheBackgroundIsLogged(t *testing.T) {
	var f flights[int]
	var buf bytes.Buffer
	ctx := zerolog.New(&buf).WithContext(context.Background())
	f.start(ctx, "podm/systems/1", func(context.Context) (int, error) { panic("boom") })
	if err := f.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"level":"error"`, `"call":"podm/systems/1"`, "boom", "a shared call panicked"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log %q lacks %q", buf.String(), want)
		}
	}
}
