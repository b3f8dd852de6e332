package serve

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// start serves h on a loopback port and returns its address, the cancel
// that stops it, and the channel of Run's result.
func start(t *testing.T, h http.Handler, grace time.Duration) (string, context.CancelFunc, chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	done := make(chan error, 1)
	go func() { done <- Run(ctx, &http.Server{Handler: h}, ln, "", "", grace) }()
	return ln.Addr().String(), cancel, done
}

// An in-flight slow request completes after the stop begins; new
// connections are refused; Run returns nil.
func TestInFlightRequestFinishes(t *testing.T) {
	started := make(chan struct{})
	addr, stop, done := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(300 * time.Millisecond)
		io.WriteString(w, "finished")
	}), 5*time.Second)
	type result struct {
		body string
		err  error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			res <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		res <- result{string(b), err}
	}()
	<-started
	stop()
	if r := <-res; r.err != nil || r.body != "finished" {
		t.Fatalf("in-flight request: body %q, err %v", r.body, r.err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Error("the listener still accepts after the stop")
	}
}

// A request longer than the grace period is reported, not waited for.
func TestGraceRunsOut(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	addr, stop, done := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
	}), 100*time.Millisecond)
	go http.Get("http://" + addr + "/hang")
	<-started
	stop()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "still running") {
		t.Fatalf("Run after the grace period: %v", err)
	}
}

// A client that connected but sent nothing holds up neither the stop nor
// its verdict (http.Server alone would wait 5 s and then report it).
func TestIdleConnectionDoesNotHoldTheStop(t *testing.T) {
	addr, stop, done := start(t, http.NotFoundHandler(), 10*time.Second)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	time.Sleep(50 * time.Millisecond) // let the server accept it
	begin := time.Now()
	stop()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if took := time.Since(begin); took > 2*time.Second {
		t.Errorf("the stop took %s with only an idle connection open", took)
	}
}
