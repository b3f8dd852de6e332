package functional

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/valence"
)

var soakDuration = flag.Duration("soak.duration", 20*time.Second,
	"how long TestSoak loads the servers while faults come and go (minutes by hand, e.g. -soak.duration=3m)")

// Soak settings: the load, the faults' rhythm, and what counts as flat.
const (
	soakWorkers = 4
	soakWarmUp  = 3 * time.Second
	// soakPhase is how long each fault lasts; the faults take turns.
	soakPhase = 4 * time.Second
	// soakSettle bounds the wait, once the load stops, for the simulator and
	// the store to agree (a killed replica's lease expires meanwhile).
	soakSettle = 60 * time.Second
	// Goroutines and memory at the end, load stopped and idle connections
	// closed, may exceed the start by this much: a leak of one goroutine or
	// a few KiB per request exceeds it within the CI run already.
	soakGoroutineSlack = 30
	soakRSSSlack       = 24 << 20
)

// TestSoak runs mixed load (compose, decompose, power, list, show, flavors)
// against valence-api while the pod manager is made slow, made to fail,
// restarted, and (on etcd) a replica is killed; then, after recovery, it
// checks that no record is lost and no node leaked, and that goroutines
// and memory of the server that ran throughout are back where they were.
// It prints the figures. -soak.duration sets its length.
func TestSoak(t *testing.T) {
	for _, bk := range backends {
		t.Run(bk.name, func(t *testing.T) {
			t.Parallel()
			runSoak(t, bk.setup(t))
		})
	}
}

// soak is one run: the processes, the load's outcome and the faults.
type soak struct {
	t       *testing.T
	b       backend
	store   []string // VALENCE_* of the store, shared by the replicas
	sim     *simulator
	simArgs []string
	main    *apiServer // runs throughout; its metrics are compared
	pm      api.PodManager
	flavor  api.Flavor
	hc      *http.Client

	mu       sync.Mutex
	servers  []*apiServer        // where the load goes: main, and on etcd a second replica
	requests map[string]int      // "kind status" -> count; status 0 is no answer
	faults   map[string]int      // fault -> times injected
	nodes    map[string]nodeFate // uuid -> what the answers said of it
}

// nodeFate is what the answers said of a node.
type nodeFate int

const (
	composed   nodeFate = iota // 201
	decomposed                 // 2xx
	unsure                     // a decompose without an answer: either is right
)

func runSoak(t *testing.T, b backend) {
	s := &soak{t: t, b: b, store: b.storeEnv(t), hc: &http.Client{Timeout: 90 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: soakWorkers}},
		requests: map[string]int{}, faults: map[string]int{}, nodes: map[string]nodeFate{}}
	s.simArgs = []string{"--systems", "8", "--assemble-delay", "200ms", "--state", filepath.Join(t.TempDir(), "podm.journal")}
	s.sim = startSimulator(t, s.simArgs...)
	settings := append([]string{"VALENCE_PODM_TIMEOUT=5s", "VALENCE_COMPOSE_TIMEOUT=30s"}, s.store...)
	s.main = runAPI(t, settings...)
	s.servers = []*apiServer{s.main}
	if b.etcd != nil {
		s.servers = append(s.servers, runAPI(t, settings...))
	}
	s.pm = s.main.register(t, "podm1", s.sim.url)
	s.flavor = decodeAs[api.Flavor](t, s.main.create(t, "/v1/flavors",
		`{"name":"soak","properties":{"processor":{"count":"1"},"memory":{"capacity_mib":"1024"}}}`))

	// The load warms up without faults first, so that the start figures
	// include what it allocates for good: connections to the pod manager
	// (as many as requests overlap), caches, the runtime's own.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range soakWorkers {
		wg.Go(func() { s.work(w, stop) })
	}
	time.Sleep(soakWarmUp)
	s.hc.CloseIdleConnections()
	before := s.metrics()
	start := time.Now()
	for phase := 0; time.Since(start) < *soakDuration; phase++ {
		s.inject(phase)
		time.Sleep(min(soakPhase, *soakDuration-time.Since(start)))
	}
	s.sim.setFaults(t, `{}`)
	close(stop)
	wg.Wait()
	loaded := time.Since(start)

	s.settle()
	settled := time.Since(start) - loaded
	s.hc.CloseIdleConnections()
	after := s.settledMetrics(before)
	s.report(loaded, settled, before, after)
	s.check(before, after)
}

// work sends random requests until stop is closed.
func (s *soak) work(w int, stop <-chan struct{}) {
	rng := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
	ops := []struct {
		weight int
		run    func(int, *rand.Rand)
	}{{25, s.compose}, {15, s.decompose}, {15, s.power}, {20, s.list}, {15, s.show}, {10, s.flavors}}
	for {
		select {
		case <-stop:
			return
		default:
		}
		n := rng.IntN(100)
		for _, op := range ops {
			if n -= op.weight; n < 0 {
				op.run(w, rng)
				break
			}
		}
	}
}

// send sends one request to one of the servers and counts its answer
// under kind; status 0 means no answer came (a server killed meanwhile).
func (s *soak) send(kind, method, path string, body any, rng *rand.Rand) (int, []byte) {
	s.mu.Lock()
	srv := s.servers[rng.IntN(len(s.servers))]
	s.mu.Unlock()
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, srv.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	status, data := 0, []byte(nil)
	if resp, err := s.hc.Do(req); err == nil {
		data, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil {
			status = resp.StatusCode
		}
	}
	s.mu.Lock()
	s.requests[kind+" "+strconv.Itoa(status)]++
	s.mu.Unlock()
	return status, data
}

// someNode returns the uuid of a node the answers said was composed, if any.
func (s *soak) someNode(rng *rand.Rand) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id, fate := range s.nodes {
		if fate == composed {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return unknownID
	}
	slices.Sort(ids)
	return ids[rng.IntN(len(ids))]
}

func (s *soak) compose(w int, rng *rand.Rand) {
	body := api.NodeCompose{Name: fmt.Sprintf("soak-%d-%d", w, rng.Uint32()), PodmID: s.pm.UUID}
	if rng.IntN(2) == 0 {
		body.FlavorID = s.flavor.UUID
	}
	status, data := s.send("compose", http.MethodPost, "/v1/nodes", body, rng)
	if status == http.StatusCreated {
		var n api.Node
		if err := json.Unmarshal(data, &n); err != nil {
			s.t.Errorf("compose answered 201 with %s: %v", data, err)
			return
		}
		s.mu.Lock()
		s.nodes[n.UUID] = composed
		s.mu.Unlock()
	}
}

func (s *soak) decompose(_ int, rng *rand.Rand) {
	id := s.someNode(rng)
	status, _ := s.send("decompose", http.MethodDelete, "/v1/nodes/"+id, nil, rng)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ours := s.nodes[id]; !ours {
		return
	}
	switch {
	case status >= 200 && status < 300:
		s.nodes[id] = decomposed
	case status == 0:
		s.nodes[id] = unsure
	}
}

func (s *soak) power(_ int, rng *rand.Rand) {
	target := []string{api.PowerTargetOn, api.PowerTargetOff, api.PowerTargetReboot}[rng.IntN(3)]
	s.send("power", http.MethodPut, "/v1/nodes/"+s.someNode(rng)+"/states/power", api.PowerTarget{Target: target}, rng)
}

func (s *soak) show(_ int, rng *rand.Rand) {
	s.send("show", http.MethodGet, "/v1/nodes/"+s.someNode(rng), nil, rng)
}

func (s *soak) list(_ int, rng *rand.Rand) {
	s.send("list", http.MethodGet, "/v1/nodes", nil, rng)
}

func (s *soak) flavors(w int, rng *rand.Rand) {
	if rng.IntN(3) > 0 {
		s.send("flavors", http.MethodGet, "/v1/flavors", nil, rng)
		return
	}
	status, data := s.send("flavors", http.MethodPost, "/v1/flavors", api.FlavorCreate{Name: fmt.Sprintf("soak-%d-%d", w, rng.Uint32())}, rng)
	var f api.Flavor
	if status == http.StatusCreated && json.Unmarshal(data, &f) == nil {
		s.send("flavors", http.MethodDelete, "/v1/flavors/"+f.UUID, nil, rng)
	}
}

// inject starts the fault of the phase; the faults take turns: none, slow,
// failing, restarted, and (on etcd) a replica killed.
func (s *soak) inject(phase int) {
	faults := []string{"none", "slow", "erroring", "podm restart"}
	if s.b.etcd != nil {
		faults = append(faults, "replica killed")
	}
	fault := faults[phase%len(faults)]
	s.faults[fault]++
	switch fault {
	case "none":
		s.sim.setFaults(s.t, `{}`)
	case "slow":
		s.sim.setFaults(s.t, `{"latency":"300ms","jitter":"300ms"}`)
	case "erroring":
		s.sim.setFaults(s.t, `{"error_rate":{"*":0.2},"error_status":503}`)
	case "podm restart":
		s.sim.setFaults(s.t, `{}`)
		s.restartSimulator()
	case "replica killed":
		s.mu.Lock()
		victim := s.servers[1]
		s.mu.Unlock()
		victim.proc.kill()
		replica := runAPI(s.t, append([]string{"VALENCE_PODM_TIMEOUT=5s", "VALENCE_COMPOSE_TIMEOUT=30s"}, s.store...)...)
		s.mu.Lock()
		s.servers[1] = replica
		s.mu.Unlock()
	}
}

// restartSimulator stops the simulator (SIGTERM) and starts it again on the
// same address with the same journal, as a pod manager is restarted.
func (s *soak) restartSimulator() {
	u, err := url.Parse(s.sim.url)
	if err != nil {
		s.t.Fatal(err)
	}
	s.sim.proc.stop(s.t)
	s.sim = startSimulator(s.t, append(s.simArgs, "--listen", u.Host)...)
}

// settle waits until the simulator's nodes and the records agree, no
// server has an abandoned compose left to undo, as recovery makes it, and
// (on etcd) no intent is left, or soakSettle passes; the checks then say
// what is left. The intents are counted because an intent of a replica
// killed moments ago is nobody's to undo, nor counted as abandoned, until
// its lease expires.
func (s *soak) settle() {
	deadline := time.Now().Add(soakSettle)
	for time.Now().Before(deadline) {
		records, onPodm := s.records(), s.sim.nodes(s.t)
		slices.Sort(onPodm)
		abandoned := 0.0
		s.mu.Lock()
		for _, srv := range s.servers {
			abandoned += scrape(s.t, srv)["valence_compose_abandoned"]
		}
		s.mu.Unlock()
		if abandoned == 0 && slices.Equal(slices.Sorted(maps.Values(records)), onPodm) &&
			(s.b.etcd == nil || storeCount(s.t, s.store, valence.KindIntent) == 0) {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// records maps every node record's uuid to its URI on the pod manager.
func (s *soak) records() map[string]string {
	out := map[string]string{}
	for _, n := range decodeAs[[]api.Node](s.t, s.main.get(s.t, http.StatusOK, "/v1/nodes")) {
		out[n.UUID] = n.ResourceURI
	}
	return out
}

// soakFigures are what /metrics says of the server.
type soakFigures struct{ goroutines, rss, heap float64 }

func (s *soak) metrics() soakFigures {
	m := scrape(s.t, s.main)
	f := soakFigures{goroutines: m["go_goroutines"], rss: m["process_resident_memory_bytes"], heap: m["go_memstats_heap_inuse_bytes"]}
	if f.goroutines == 0 || f.rss == 0 {
		s.t.Fatalf("/metrics without go_goroutines or process_resident_memory_bytes")
	}
	return f
}

// scrape reads the unlabelled series of a server's /metrics.
func scrape(t *testing.T, srv *apiServer) map[string]float64 {
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(srv.get(t, http.StatusOK, "/metrics").body))
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if v, err := strconv.ParseFloat(value, 64); ok && err == nil {
			out[name] = v
		}
	}
	return out
}

// settledMetrics reads the figures once the connections the load left
// have closed (the server notices within moments), or after 10 s.
func (s *soak) settledMetrics(before soakFigures) soakFigures {
	var f soakFigures
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		f = s.metrics()
		if f.goroutines <= before.goroutines+soakGoroutineSlack || time.Now().After(deadline) {
			return f
		}
	}
}

func (s *soak) report(loaded, settled time.Duration, before, after soakFigures) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	total := 0
	for _, k := range slices.Sorted(maps.Keys(s.requests)) {
		fmt.Fprintf(&b, "  %-14s %6d\n", k, s.requests[k])
		total += s.requests[k]
	}
	fates := map[nodeFate]int{}
	for _, f := range s.nodes {
		fates[f]++
	}
	s.t.Logf("soak on %s: %s of load by %d workers, %d requests (%.0f/s); by kind and status (0: no answer):\n%s"+
		"faults injected: %v\nnodes: %d composed (201), %d decomposed (2xx), %d decompose unanswered\n"+
		"simulator and store agreed %s after the load stopped\n"+
		"goroutines %.0f -> %.0f, RSS %.1f -> %.1f MiB, heap in use %.1f -> %.1f MiB",
		s.b.name, loaded.Round(time.Second), soakWorkers, total, float64(total)/loaded.Seconds(), b.String(),
		s.faults, len(s.nodes), fates[decomposed], fates[unsure], settled.Round(100*time.Millisecond),
		before.goroutines, after.goroutines, before.rss/(1<<20), after.rss/(1<<20), before.heap/(1<<20), after.heap/(1<<20))
}

// check fails the test on a lost record, a leaked node, a record without
// its node, an intent left, or goroutines or memory that grew.
func (s *soak) check(before, after soakFigures) {
	t := s.t
	records, onPodm := s.records(), s.sim.nodes(t)
	uris := map[string]bool{}
	for _, uri := range records {
		uris[uri] = true
	}
	s.mu.Lock()
	var lost []string
	for id, fate := range s.nodes {
		if _, ok := records[id]; fate == composed && !ok {
			lost = append(lost, id)
		}
		if _, ok := records[id]; fate == decomposed && ok {
			t.Errorf("node %s: its decompose succeeded but its record is still there", id)
		}
	}
	s.mu.Unlock()
	var leaked, dangling []string
	for _, uri := range onPodm {
		if !uris[uri] {
			leaked = append(leaked, uri)
		}
	}
	for id, uri := range records {
		if !slices.Contains(onPodm, uri) {
			dangling = append(dangling, id+" "+uri)
		}
	}
	t.Logf("after recovery: %d records, %d nodes on the pod manager; %d lost records, %d leaked nodes, %d records without their node",
		len(records), len(onPodm), len(lost), len(leaked), len(dangling))
	if len(lost)+len(leaked)+len(dangling) > 0 {
		t.Errorf("lost records %v; leaked nodes %v; records without their node %v", lost, leaked, dangling)
	}
	if after.goroutines > before.goroutines+soakGoroutineSlack {
		t.Errorf("goroutines grew from %.0f to %.0f", before.goroutines, after.goroutines)
	}
	if after.rss > before.rss+soakRSSSlack {
		t.Errorf("RSS grew from %.1f to %.1f MiB", before.rss/(1<<20), after.rss/(1<<20))
	}
	s.main.stop(t)
	s.mu.Lock()
	for _, srv := range s.servers[1:] {
		srv.stop(t)
	}
	s.mu.Unlock()
	if n := storeCount(t, s.store, valence.KindIntent); n != 0 {
		t.Errorf("%d compose intents left in the store", n)
	}
}
