package main

import (
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// recorder is a reverse proxy in front of the simulator that notes every
// path valence-api GETs through it: the limit of a cold read is then those
// very requests, sent straight to the simulator (replay), not a guess of
// what valence-api reads.
type recorder struct {
	srv   *http.Server
	url   string
	mu    sync.Mutex
	paths []string
}

func startRecorder(target string) (*recorder, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rec := &recorder{url: "http://" + ln.Addr().String()}
	proxy := httputil.NewSingleHostReverseProxy(u)
	rec.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			rec.mu.Lock()
			rec.paths = append(rec.paths, r.URL.RequestURI())
			rec.mu.Unlock()
		}
		proxy.ServeHTTP(w, r)
	}), ReadHeaderTimeout: startTimeout}
	go func() { _ = rec.srv.Serve(ln) }()
	return rec, nil
}

// take returns the paths noted since the last take, without repeats, and
// forgets them.
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.paths
	r.paths = nil
	slices.Sort(p)
	return slices.Compact(p)
}

func (r *recorder) close() { _ = r.srv.Close() }

// under are the paths (or URLs) below prefix (and prefix itself).
func under(paths []string, prefix string) []string {
	return slices.DeleteFunc(slices.Clone(paths), func(p string) bool {
		return p != prefix && !strings.HasPrefix(p, prefix+"/")
	})
}

// replay GETs every URL (of the simulators), at most inFlight at once.
func (l *lab) replay(urls []string, inFlight int) error {
	return each(urls, inFlight, func(u string) error {
		_, err := l.do(http.MethodGet, u, "", true, http.StatusOK)
		return err
	})
}
