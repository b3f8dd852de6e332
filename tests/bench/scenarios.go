package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
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
	add(fmt.Sprintf("GET /v1/systems warm, %d systems", s.Systems), warm, fmt.Sprintf("bare handler, %d B", len(body)), bare)

	// Systems list, cold: a walk of the pod manager each time.
	cold, err := l.profiled("systems-cold", l.coldURL, func() (measure, error) {
		return drive(1, s.Duration, s.MinSamples, l.get(l.coldURL+"/v1/systems"))
	})
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
	walkPar, walkSeq, err := l.replays(paths)
	if err := step("direct walk", err); err != nil {
		return res, err
	}
	name := fmt.Sprintf("GET /v1/systems cold, %d systems", s.Systems)
	add(name, cold, fmt.Sprintf("its %d GETs, %d in flight", len(paths), s.WalkInFlight), walkPar)
	add(name, cold, fmt.Sprintf("its %d GETs, sequential", len(paths)), walkSeq)

	// One system, cold: the server against that system's own GETs.
	one := ids[len(ids)/2]
	oneSys, err := l.profiled("system-cold", l.coldURL, func() (measure, error) {
		return drive(1, s.Duration, s.MinSamples, l.get(l.coldURL+"/v1/systems/"+one))
	})
	if err := step("one system cold", err); err != nil {
		return res, err
	}
	own := under(paths, "/redfish/v1/Systems/"+one)
	oneWalk, err := drive(1, s.Duration, s.MinSamples, func() error { return l.replay(own, 1) })
	if err := step("one system's GETs", err); err != nil {
		return res, err
	}
	add("GET /v1/systems/{id} cold", oneSys, fmt.Sprintf("its %d GETs, sequential", len(own)), oneWalk)

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
	add(fmt.Sprintf("GET /v1/systems warm, %d systems, %d records", s.Systems, len(records)), warm,
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
	detailPar, detailSeq, err := l.replays(detailPaths)
	if err := step("node detail's GETs", err); err != nil {
		return res, err
	}
	add("GET /v1/nodes/{uuid}", detail, fmt.Sprintf("its %d GETs, %d in flight", len(detailPaths), s.WalkInFlight), detailPar)
	add("GET /v1/nodes/{uuid}", detail, fmt.Sprintf("its %d GETs, sequential", len(detailPaths)), detailSeq)

	if err := step("heap profile", l.heapProfile()); err != nil {
		return res, err
	}
	if res.WarmVmHWM, err = vmHWM(l.warm); err != nil {
		return res, err
	}
	res.ColdVmHWM, err = vmHWM(l.cold)
	return res, err
}

// replays drives the replay of paths, -walk at once and then one at a
// time: the limits of a read that the server made of those very paths.
func (l *lab) replays(paths []string) (par, seq measure, err error) {
	s := l.s
	if par, err = drive(1, s.Duration, s.MinSamples, func() error { return l.replay(paths, s.WalkInFlight) }); err != nil {
		return par, seq, err
	}
	seq, err = drive(1, s.Duration, s.MinSamples, func() error { return l.replay(paths, 1) })
	return par, seq, err
}

// get is an op that GETs url and expects 200.
func (l *lab) get(url string) func() error {
	return func() error {
		_, err := l.do(http.MethodGet, url, "", false, http.StatusOK)
		return err
	}
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
// recorder, and returns the paths it read; the pod manager is then
// registered again without the recorder.
func (l *lab) recordList() ([]string, error) {
	rec, err := l.coldThroughRecorder()
	if err != nil {
		return nil, err
	}
	defer rec.close()
	rec.take() // what registering read
	if _, err := l.do(http.MethodGet, l.coldURL+"/v1/systems", "", false, http.StatusOK); err != nil {
		return nil, err
	}
	paths := rec.take()
	return paths, l.registerCold(l.simURL)
}

// coldThroughRecorder starts a recorder in front of the simulator and
// makes it the cold valence-api's pod manager; the caller closes it.
func (l *lab) coldThroughRecorder() (*recorder, error) {
	rec, err := startRecorder(l.simURL)
	if err != nil {
		return nil, err
	}
	if err := l.registerCold(rec.url); err != nil {
		rec.close()
		return nil, err
	}
	return rec, nil
}

// registerCold registers url as the cold valence-api's pod manager, in
// place of the one it has.
func (l *lab) registerCold(url string) (err error) {
	if _, err := l.do(http.MethodDelete, l.coldURL+"/v1/pod_managers/"+l.coldPodm, "", false, 0); err != nil {
		return err
	}
	l.coldPodm, err = l.register(l.coldURL, url)
	return err
}

// redfishGet reads a Redfish resource of the simulator.
func (l *lab) redfishGet(path string) ([]byte, error) {
	return l.do(http.MethodGet, l.simURL+path, "", true, http.StatusOK)
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
// the simulator) through a recorder, and read it once, and returns the
// paths it read. The cold valence-api keeps the recorder as its pod
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
	return rec.take(), nil
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
