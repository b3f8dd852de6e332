package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// row is one line of the table: a scenario beside its limit.
type row struct {
	Scenario string  `json:"scenario"`
	Server   measure `json:"server"`
	Limit    string  `json:"limit"`
	Direct   measure `json:"limit_measure"`
}

// results are the rows of a run and the memory of the servers at its end.
type results struct {
	Settings    settings `json:"settings"`
	Rows        []row    `json:"rows"`
	WarmVmHWM   int64    `json:"warm_vmhwm_bytes"`
	ColdVmHWM   int64    `json:"cold_vmhwm_bytes"`
	NodeRecords int      `json:"node_records"`
	// Notes are lines printed under the table, of what its columns do not show.
	Notes []string `json:"notes,omitempty"`
}

// runAll runs the scenarios in an order where none disturbs the next:
// reads first, then what composes.
func (l *lab) runAll() (results, error) {
	res := results{Settings: l.s}
	add := func(name string, server measure, limit string, direct measure) {
		res.Rows = append(res.Rows, row{name, server, limit, direct})
		fmt.Fprintf(os.Stderr, "bench: %s: p50 %s, limit %s p50 %s\n", name, server.P50, limit, direct.P50)
	}
	s := l.s
	step := func(name string, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}

	// Systems list, warm: the server's cache against the same bytes from a
	// bare handler.
	body, err := l.do(http.MethodGet, l.warmURL+"/v1/systems", "", false, http.StatusOK)
	if err := step("prime the systems list", err); err != nil {
		return res, err
	}
	warm, err := l.profiled("systems-warm", l.warmURL, func() (measure, error) {
		return drive(s.Concurrency, s.Duration, s.MinSamples, l.get(l.warmURL+"/v1/systems"))
	})
	if err := step("systems list warm", err); err != nil {
		return res, err
	}
	bare, err := l.bare(body, s.Concurrency)
	if err := step("bare handler", err); err != nil {
		return res, err
	}
	add(fmt.Sprintf("GET /v1/systems warm, %s", l.size()), warm, fmt.Sprintf("bare handler, %d B", len(body)), bare)

	// Systems list, cold: a walk of the pod manager each time.
	cold, coldCPU, err := l.lists("systems-cold", l.cold, l.coldURL)
	if err := step("systems list cold", err); err != nil {
		return res, err
	}
	ids := systemIDs(body)
	if len(ids) == 0 {
		return res, fmt.Errorf("the systems list names no system: %.200s", body)
	}
	paths, err := l.recordList()
	if err := step("record the walk", err); err != nil {
		return res, err
	}
	// valence-api walks up to 8 pod managers at once, each with -walk in flight.
	inFlight := s.WalkInFlight * min(s.Podms, 8)
	walkPar, walkSeq, err := l.replays(paths, inFlight)
	if err := step("direct walk", err); err != nil {
		return res, err
	}
	name := fmt.Sprintf("GET /v1/systems cold, %s", l.size())
	add(name, cold, fmt.Sprintf("its %d GETs, %d in flight", len(paths), inFlight), walkPar)
	add(name, cold, fmt.Sprintf("its %d GETs, sequential", len(paths)), walkSeq)

	// Systems list refreshed: a walk like the cold one in which each
	// resource is asked for with the ETag the last walk read, against the
	// same replay (of full answers). The first walk reads everything.
	if _, err := l.do(http.MethodGet, l.refreshURL+"/v1/systems", "", false, http.StatusOK); err != nil {
		return res, step("prime the refreshed list", err)
	}
	refresh, refreshCPU, err := l.lists("systems-refresh", l.refresh, l.refreshURL)
	if err := step("systems list refreshed", err); err != nil {
		return res, err
	}
	add(fmt.Sprintf("GET /v1/systems refresh (If-None-Match), %s", l.size()), refresh,
		fmt.Sprintf("its %d GETs, %d in flight", len(paths), inFlight), walkPar)
	res.Notes = append(res.Notes, "CPU per systems list cold: "+coldCPU, "CPU per systems list refreshed (If-None-Match): "+refreshCPU)

	// One system of the first pod manager, cold: the server against that
	// system's own GETs.
	one := ids[len(ids)/2]
	oneSys, err := l.profiled("system-cold", l.coldURL, func() (measure, error) {
		return drive(1, s.Duration, s.MinSamples, l.get(l.coldURL+"/v1/systems/"+one+"?podm_id="+l.coldPodm))
	})
	if err := step("one system cold", err); err != nil {
		return res, err
	}
	own := under(paths, l.simURL+"/redfish/v1/Systems/"+one)
	if len(own) == 0 {
		// A walk cut short (the pod-manager timeout on a loaded machine)
		// lists the system unread: its GETs are not known.
		res.Notes = append(res.Notes, fmt.Sprintf("GET /v1/systems/{id} cold: p50 %s, p99 %s; no limit: the recorded walk did not read %s", ms(oneSys.P50), ms(oneSys.P99), one))
	} else {
		oneWalk, err := drive(1, s.Duration, s.MinSamples, func() error { return l.replay(own, 1) })
		if err := step("one system's GETs", err); err != nil {
			return res, err
		}
		add("GET /v1/systems/{id} cold", oneSys, fmt.Sprintf("its %d GETs, sequential", len(own)), oneWalk)
	}

	// Sustained mixed load across cache expiry, against the same mix
	// served from a cache that never expires.
	if _, err := l.do(http.MethodGet, l.sustURL+"/v1/systems", "", false, http.StatusOK); err != nil {
		return res, step("prime the sustained server", err)
	}
	sustMix := &mix{l: l, base: l.sustURL, podm: l.sustPodm, ids: ids}
	warmMix := &mix{l: l, base: l.warmURL, podm: l.warmPodm, ids: ids}
	before, err := l.sustainedCost()
	if err := step("the sustained server's metrics", err); err != nil {
		return res, err
	}
	start := time.Now()
	sust, err := l.profiled("sustained", l.sustURL, func() (measure, error) {
		return drive(s.Concurrency, s.Sustain, s.MinSamples, sustMix.op)
	})
	if err := step("sustained mixed load", err); err != nil {
		return res, err
	}
	elapsed := time.Since(start)
	after, err := l.sustainedCost()
	if err := step("the sustained server's metrics", err); err != nil {
		return res, err
	}
	mixWarm, err := drive(s.Concurrency, s.Duration, s.MinSamples, warmMix.op)
	if err := step("mixed load warm", err); err != nil {
		return res, err
	}
	add(fmt.Sprintf("mixed load across expiry, TTL %s", s.SustainTTL), sust, "the same mix, warm", mixWarm)
	res.Notes = append(res.Notes,
		fmt.Sprintf("mixed load across expiry (%d clients, %s, TTL %s): p50 %s, p99 %s, max %s; p99 = %.1f× p50; by kind: %s",
			s.Concurrency, s.Sustain, s.SustainTTL, ms(sust.P50), ms(sust.P99), ms(sust.Max), float64(sust.P99)/float64(sust.P50), sustMix.summary()),
		fmt.Sprintf("the same mix, warm: p50 %s, p99 %s, max %s; p99 = %.1f× p50; by kind: %s",
			ms(mixWarm.P50), ms(mixWarm.P99), ms(mixWarm.Max), float64(mixWarm.P99)/float64(mixWarm.P50), warmMix.summary()),
		after.since(before, elapsed))

	// Compose and decompose, against the simulator's own Allocate,
	// Assemble and Delete.
	var n atomic.Int64
	for _, c := range s.Composes {
		comp, err := l.profiled(fmt.Sprintf("compose-c%d", c), l.warmURL, func() (measure, error) {
			return drive(c, s.Duration, max(s.MinSamples, c), func() error { return l.composeDecompose(n.Add(1)) })
		})
		if err := step("compose+decompose", err); err != nil {
			return res, err
		}
		direct, err := drive(c, s.Duration, max(s.MinSamples, c), l.directCompose)
		if err := step("direct compose", err); err != nil {
			return res, err
		}
		add("POST+DELETE /v1/nodes", comp, "Allocate+Assemble+DELETE", direct)
	}

	// Node records for the node list, the Reset and the node detail.
	records, err := l.composeMany(s.Records)
	if err := step("compose the records", err); err != nil {
		return res, err
	}
	res.NodeRecords = len(records)
	live := records[len(records)-1] // on the pod manager still

	// Systems list, warm again, now that node records mark systems as used.
	body, err = l.do(http.MethodGet, l.warmURL+"/v1/systems", "", false, http.StatusOK)
	if err := step("prime the systems list", err); err != nil {
		return res, err
	}
	warm, err = l.profiled("systems-warm-records", l.warmURL, func() (measure, error) {
		return drive(s.Concurrency, s.Duration, s.MinSamples, l.get(l.warmURL+"/v1/systems"))
	})
	if err := step("systems list warm with records", err); err != nil {
		return res, err
	}
	if bare, err = l.bare(body, s.Concurrency); err != nil {
		return res, err
	}
	add(fmt.Sprintf("GET /v1/systems warm, %s, %d records", l.size(), len(records)), warm,
		fmt.Sprintf("bare handler, %d B", len(body)), bare)
	reset := `{"Reset":{"Type":"On"}}`
	nodeReset, err := l.profiled("reset", l.warmURL, func() (measure, error) {
		return drive(1, s.Duration, s.MinSamples, func() error {
			_, err := l.do(http.MethodPost, l.warmURL+"/v1/nodes/"+live.UUID+"/action", reset, false, http.StatusNoContent)
			return err
		})
	})
	if err := step("node Reset", err); err != nil {
		return res, err
	}
	directReset, err := drive(1, s.Duration, s.MinSamples, func() error {
		_, err := l.do(http.MethodPost, l.simURL+live.ResourceURI+"/Actions/ComposedNode.Reset", `{"ResetType":"On"}`, true, http.StatusNoContent)
		return err
	})
	if err := step("direct Reset", err); err != nil {
		return res, err
	}
	add("POST /v1/nodes/{uuid}/action Reset", nodeReset, "ComposedNode.Reset", directReset)

	nodes, err := l.do(http.MethodGet, l.warmURL+"/v1/nodes", "", false, http.StatusOK)
	if err := step("node list", err); err != nil {
		return res, err
	}
	list, err := l.profiled("nodes", l.warmURL, func() (measure, error) {
		return drive(s.Concurrency, s.Duration, s.MinSamples, l.get(l.warmURL+"/v1/nodes"))
	})
	if err := step("node list", err); err != nil {
		return res, err
	}
	bareNodes, err := l.bare(nodes, s.Concurrency)
	if err := step("bare handler", err); err != nil {
		return res, err
	}
	add(fmt.Sprintf("GET /v1/nodes, %d records", len(records)), list, fmt.Sprintf("bare handler, %d B", len(nodes)), bareNodes)

	// The dashboard's pages, before the node detail leaves the cold
	// valence-api on a recorder.
	if err := l.dashboardRows(&res, one); err != nil {
		return res, err
	}

	// Node detail: the server against the node's own GETs, as it made
	// them, sent straight to the simulator.
	detailPaths, err := l.recordNode(live.ResourceURI)
	if err := step("record the node detail", err); err != nil {
		return res, err
	}
	// The warm valence-api reads a node from the pod manager each time too.
	detail, err := l.profiled("node", l.warmURL, func() (measure, error) {
		return drive(1, s.Duration, s.MinSamples, l.get(l.warmURL+"/v1/nodes/"+live.UUID))
	})
	if err := step("node detail", err); err != nil {
		return res, err
	}
	detailPar, detailSeq, err := l.replays(detailPaths, s.WalkInFlight)
	if err := step("node detail's GETs", err); err != nil {
		return res, err
	}
	add("GET /v1/nodes/{uuid}", detail, fmt.Sprintf("its %d GETs, %d in flight", len(detailPaths), s.WalkInFlight), detailPar)
	add("GET /v1/nodes/{uuid}", detail, fmt.Sprintf("its %d GETs, sequential", len(detailPaths)), detailSeq)

	res.Notes = append(res.Notes, l.degradedNotes()...)
	if err := step("heap profile", l.heapProfile()); err != nil {
		return res, err
	}
	if res.WarmVmHWM, err = vmHWM(l.warm); err != nil {
		return res, err
	}
	res.ColdVmHWM, err = vmHWM(l.cold)
	return res, err
}

// replays drives the replay of urls, inFlight at once and then one at a
// time: the limits of a read that the server made of those very URLs.
func (l *lab) replays(urls []string, inFlight int) (par, seq measure, err error) {
	s := l.s
	if par, err = drive(1, s.Duration, s.MinSamples, func() error { return l.replay(urls, inFlight) }); err != nil {
		return par, seq, err
	}
	seq, err = drive(1, s.Duration, s.MinSamples, func() error { return l.replay(urls, 1) })
	return par, seq, err
}

// mix is the mixed load on the valence-api at base: call by call, the
// systems list, one system (each of ids in turn, of the pod manager podm)
// and the node list. Each
// kind's latencies are kept apart too, since a list of thousands of systems
// and one system differ by orders of magnitude.
type mix struct {
	l    *lab
	base string
	podm string
	ids  []string
	n    atomic.Int64
	mu   sync.Mutex
	lats [3][]time.Duration
}

var mixKinds = [3]string{"systems list", "one system", "node list"}

func (m *mix) op() error {
	i := m.n.Add(1)
	k := int(i % 3)
	url := m.base + "/v1/systems"
	switch k {
	case 1:
		url += "/" + m.ids[int(i/3)%len(m.ids)] + "?podm_id=" + m.podm
	case 2:
		url = m.base + "/v1/nodes"
	}
	t := time.Now()
	_, err := m.l.do(http.MethodGet, url, "", false, http.StatusOK)
	lat := time.Since(t)
	m.mu.Lock()
	m.lats[k] = append(m.lats[k], lat)
	m.mu.Unlock()
	return err
}

// summary is each kind's p50, p99 and max.
func (m *mix) summary() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var parts []string
	for k, lats := range m.lats {
		if len(lats) == 0 {
			continue
		}
		slices.Sort(lats)
		p50, p99 := pct(lats, 50), pct(lats, 99)
		parts = append(parts, fmt.Sprintf("%s p50 %s, p99 %s (%.1f×), max %s", mixKinds[k], ms(p50), ms(p99), float64(p99)/float64(p50), ms(lats[len(lats)-1])))
	}
	return strings.Join(parts, "; ")
}

// size names the inventory: "1000 systems", or "4 × 2500 systems".
func (l *lab) size() string {
	if l.s.Podms == 1 {
		return fmt.Sprintf("%d systems", l.s.Systems)
	}
	return fmt.Sprintf("%d × %d systems", l.s.Podms, l.s.Systems)
}

// get is an op that GETs url and expects 200.
func (l *lab) get(url string) func() error {
	return func() error {
		_, h, err := l.doH(http.MethodGet, url, "", false, http.StatusOK)
		if err == nil && h.Get("Warning") != "" {
			n, _ := l.degraded.LoadOrStore(url, new(atomic.Int64))
			n.(*atomic.Int64).Add(1)
		}
		return err
	}
}

// degradedNotes names the URLs some of whose answers carried a Warning, and
// how many, so that a table of degraded answers does not pass for a clean one.
func (l *lab) degradedNotes() []string {
	var notes []string
	l.degraded.Range(func(url, n any) bool {
		notes = append(notes, fmt.Sprintf("WARNING: %d answers of %s carried a Warning header (a pod manager not read in full, or stale): their times do not measure a whole walk", n.(*atomic.Int64).Load(), url))
		return true
	})
	slices.Sort(notes)
	return notes
}

// bare serves body from a handler that does nothing else, on the same
// net/http stack and loopback, and drives it like the server.
func (l *lab) bare(body []byte, c int) (measure, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return measure{}, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}), ReadHeaderTimeout: startTimeout}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	return drive(c, l.s.Duration, l.s.MinSamples, l.get("http://"+ln.Addr().String()+"/"))
}

// systemIDs are the Redfish Ids of a systems list.
func systemIDs(body []byte) []string {
	var list []struct{ ID string }
	if err := json.Unmarshal(body, &list); err != nil {
		return nil
	}
	ids := make([]string, len(list))
	for i, s := range list {
		ids[i] = s.ID
	}
	return ids
}

// recordList has the cold valence-api list the systems once through a
// recorder in front of each simulator, and returns the URLs it read; the
// pod managers are then registered again without the recorders.
func (l *lab) recordList() ([]string, error) {
	recs := make([]*recorder, len(l.simURLs))
	defer func() {
		for _, r := range recs {
			if r != nil {
				r.close()
			}
		}
	}()
	// reregister registers the i-th simulator at url in place of the last.
	reregister := func(i int, url string) (err error) {
		if _, err := l.do(http.MethodDelete, l.coldURL+"/v1/pod_managers/"+l.coldPodms[i], "", false, 0); err != nil {
			return err
		}
		l.coldPodms[i], err = l.register(l.coldURL, url, i)
		l.coldPodm = l.coldPodms[0]
		return err
	}
	for i, sim := range l.simURLs {
		var err error
		if recs[i], err = startRecorder(sim); err != nil {
			return nil, err
		}
		if err := reregister(i, recs[i].url); err != nil {
			return nil, err
		}
		recs[i].take() // what registering read
	}
	_, h, err := l.doH(http.MethodGet, l.coldURL+"/v1/systems", "", false, http.StatusOK)
	if err != nil {
		return nil, err
	}
	if w := h.Get("Warning"); w != "" {
		// A walk cut short would make the replay, the limit, a part of it.
		return nil, fmt.Errorf("the recorded walk was not whole: %.300s", w)
	}
	var urls []string
	for i, sim := range l.simURLs {
		for _, p := range recs[i].take() {
			urls = append(urls, sim+p)
		}
		if err := reregister(i, sim); err != nil {
			return nil, err
		}
	}
	return urls, nil
}

// coldThroughRecorder starts a recorder in front of the first simulator
// and makes it the cold valence-api's pod manager in place of that
// simulator; the caller closes it.
func (l *lab) coldThroughRecorder() (*recorder, error) {
	rec, err := startRecorder(l.simURL)
	if err != nil {
		return nil, err
	}
	if _, err := l.do(http.MethodDelete, l.coldURL+"/v1/pod_managers/"+l.coldPodm, "", false, 0); err != nil {
		rec.close()
		return nil, err
	}
	if l.coldPodms[0], err = l.register(l.coldURL, rec.url, 0); err != nil {
		rec.close()
		return nil, err
	}
	l.coldPodm = l.coldPodms[0]
	return rec, nil
}

// each calls fn for every item, at most n at once, and returns the first error.
func each[T any](items []T, n int, fn func(T) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	sem := make(chan struct{}, n)
	for _, it := range items {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(it); err != nil {
				mu.Lock()
				first = cmp.Or(first, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}

// composeDecompose composes a node through the server and decomposes it.
func (l *lab) composeDecompose(n int64) error {
	node, err := l.compose(n)
	if err != nil {
		return err
	}
	_, err = l.do(http.MethodDelete, l.warmURL+"/v1/nodes/"+node.UUID, "", false, 0)
	return err
}

// composed is a node the server composed: its uuid and its path on the
// pod manager.
type composed struct {
	UUID        string
	ResourceURI string `json:"resource_uri"`
}

func (l *lab) compose(n int64) (composed, error) {
	body := fmt.Sprintf(`{"name":"bench-%d","podm_id":%q}`, n, l.warmPodm)
	b, err := l.do(http.MethodPost, l.warmURL+"/v1/nodes", body, false, http.StatusCreated)
	if err != nil {
		return composed{}, err
	}
	var node composed
	if err := json.Unmarshal(b, &node); err != nil || node.UUID == "" {
		return composed{}, fmt.Errorf("compose: %.200s %v", b, err)
	}
	node.ResourceURI = redfishPath(node.ResourceURI)
	return node, nil
}

// redfishPath is the path of a resource_uri, which names the pod manager's
// host too.
func redfishPath(uri string) string {
	if i := strings.Index(uri, "/redfish/"); i > 0 {
		return uri[i:]
	}
	return uri
}

// directCompose is what a compose asks of the pod manager, sent straight
// to it: Allocate, Assemble, then DELETE.
func (l *lab) directCompose() error {
	_, h, err := l.doH(http.MethodPost, l.simURL+"/redfish/v1/Nodes/Actions/Allocate", "{}", true, http.StatusCreated)
	if err != nil {
		return err
	}
	loc := h.Get("Location")
	if _, err := l.do(http.MethodPost, loc+"/Actions/ComposedNode.Assemble", "{}", true, http.StatusNoContent); err != nil {
		return err
	}
	_, err = l.do(http.MethodDelete, loc, "", true, 0)
	return err
}

// composeMany composes n nodes through the server, 8 at once, and returns
// them, those still on the pod manager last. A node takes a system: past
// the systems, the nodes of each full round are deleted on the simulator
// directly, which leaves their records (as a node deleted behind Valence's
// back does), and the next round takes the systems again.
func (l *lab) composeMany(n int) ([]composed, error) {
	nodes := make([]composed, n)
	for start := 0; start < n; start += l.s.Systems {
		round := make([]int, min(l.s.Systems, n-start))
		for i := range round {
			round[i] = start + i
		}
		err := each(round, 8, func(i int) error {
			var err error
			nodes[i], err = l.compose(int64(1_000_000 + i))
			return err
		})
		if err != nil {
			return nil, err
		}
		if start+len(round) < n {
			err = each(nodes[start:start+len(round)], 8, func(c composed) error {
				_, err := l.do(http.MethodDelete, l.simURL+c.ResourceURI, "", true, 0)
				return err
			})
			if err != nil {
				return nil, err
			}
		}
	}
	return nodes, nil
}

// recordNode has the cold valence-api adopt the node at uri (a path of
// the first simulator) through a recorder, and read it once, and returns
// the URLs it read. The cold valence-api keeps the recorder as its pod
// manager: registering the simulator again would mean deleting this one
// with force, which decomposes the node.
func (l *lab) recordNode(uri string) ([]string, error) {
	rec, err := l.coldThroughRecorder()
	if err != nil {
		return nil, err
	}
	defer rec.close()
	uuid, err := l.adopt(l.coldURL, l.coldPodm, uri[strings.LastIndex(uri, "/")+1:])
	if err != nil {
		return nil, err
	}
	rec.take() // what adopting read
	if _, err := l.do(http.MethodGet, l.coldURL+"/v1/nodes/"+uuid, "", false, http.StatusOK); err != nil {
		return nil, err
	}
	var urls []string
	for _, p := range rec.take() {
		urls = append(urls, l.simURL+p)
	}
	return urls, nil
}

// adopt has the valence-api at base manage the node index of podm, and
// returns the node's uuid.
func (l *lab) adopt(base, podm, index string) (string, error) {
	b, err := l.do(http.MethodPost, base+"/v1/nodes/manage", fmt.Sprintf(`{"podm_id":%q,"node_index":%q}`, podm, index), false, http.StatusCreated)
	if err != nil {
		return "", err
	}
	var node composed
	if err := json.Unmarshal(b, &node); err != nil || node.UUID == "" {
		return "", fmt.Errorf("adopt: %.200s %v", b, err)
	}
	return node.UUID, nil
}

// cost is what the sustained load costs beside its latencies: the walks
// (refreshes) the server made of its pod managers and the CPU of the
// server and of the simulators.
type cost struct {
	walks     int64
	walkTime  time.Duration
	serverCPU time.Duration
	simCPU    time.Duration
}

// sustainedCost reads the sustained server's walks so far and the CPU used.
func (l *lab) sustainedCost() (c cost, err error) {
	if c.walks, c.walkTime, err = l.podmCalls(l.sustURL, "systems"); err != nil {
		return c, err
	}
	c.serverCPU, c.simCPU, err = l.cpuOf(l.sustained)
	return c, err
}

// since says what happened between before and c, over elapsed.
func (c cost) since(before cost, elapsed time.Duration) string {
	walks, walkTime := c.walks-before.walks, c.walkTime-before.walkTime
	mean := "-"
	if walks > 0 {
		mean = ms(walkTime / time.Duration(walks))
	}
	cores := func(d time.Duration) float64 { return d.Seconds() / elapsed.Seconds() }
	server, sims := c.serverCPU-before.serverCPU, c.simCPU-before.simCPU
	return fmt.Sprintf("across expiry, the refreshes: %d walks of the pod manager(s), mean %s; CPU over %s: valence-api %.2f s (%.2f cores), simulator(s) %.2f s (%.2f cores)",
		walks, mean, elapsed.Round(time.Millisecond), server.Seconds(), cores(server), sims.Seconds(), cores(sims))
}

// lists drives the systems list of the valence-api p at base, one at a
// time (profiled as name), and says the CPU each list cost p and the
// simulators: a figure the machine's other load moves less than the
// lists' durations.
func (l *lab) lists(name string, p *proc, base string) (measure, string, error) {
	server0, sims0, err := l.cpuOf(p)
	if err != nil {
		return measure{}, "", err
	}
	m, err := l.profiled(name, base, func() (measure, error) {
		return drive(1, l.s.Duration, l.s.MinSamples, l.get(base+"/v1/systems"))
	})
	if err != nil || m.Requests == 0 {
		return m, "", err
	}
	server1, sims1, err := l.cpuOf(p)
	if err != nil {
		return m, "", err
	}
	n := time.Duration(m.Requests)
	return m, fmt.Sprintf("valence-api %s, simulator(s) %s (%d lists)", ms((server1-server0)/n), ms((sims1-sims0)/n), m.Requests), nil
}

// cpuOf is the CPU used so far by p and by the simulators together.
func (l *lab) cpuOf(p *proc) (server, sims time.Duration, err error) {
	if server, err = cpuTime(p); err != nil {
		return 0, 0, err
	}
	for _, s := range l.sims {
		t, err := cpuTime(s)
		if err != nil {
			return 0, 0, err
		}
		sims += t
	}
	return server, sims, nil
}
