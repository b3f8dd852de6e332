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
	walkPar, err := drive(1, s.Duration, s.MinSamples, func() error { return l.replay(paths, s.WalkInFlight) })
	if err := step("direct walk", err); err != nil {
		return res, err
	}
	walkSeq, err := drive(1, s.Duration, s.MinSamples, func() error { return l.replay(paths, 1) })
	if err := step("sequential walk", err); err != nil {
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

	// Node records for the node list and the Reset.
	uuids, err := l.composeMany(s.Records)
	if err := step("compose the records", err); err != nil {
		return res, err
	}
	res.NodeRecords = len(uuids)

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
	add(fmt.Sprintf("GET /v1/systems warm, %d systems, %d records", s.Systems, len(uuids)), warm,
		fmt.Sprintf("bare handler, %d B", len(body)), bare)
	reset := `{"Reset":{"Type":"On"}}`
	nodeReset, err := l.profiled("reset", l.warmURL, func() (measure, error) {
		return drive(1, s.Duration, s.MinSamples, func() error {
			_, err := l.do(http.MethodPost, l.warmURL+"/v1/nodes/"+uuids[0]+"/action", reset, false, http.StatusNoContent)
			return err
		})
	})
	if err := step("node Reset", err); err != nil {
		return res, err
	}
	nodeURI, err := l.nodeURI(uuids[0])
	if err := step("node's resource_uri", err); err != nil {
		return res, err
	}
	directReset, err := drive(1, s.Duration, s.MinSamples, func() error {
		_, err := l.do(http.MethodPost, l.simURL+nodeURI+"/Actions/ComposedNode.Reset", `{"ResetType":"On"}`, true, http.StatusNoContent)
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
	add(fmt.Sprintf("GET /v1/nodes, %d records", len(uuids)), list, fmt.Sprintf("bare handler, %d B", len(nodes)), bareNodes)

	if err := l.dashboardRows(&res, one); err != nil {
		return res, err
	}
	if res.WarmVmHWM, err = vmHWM(l.warm); err != nil {
		return res, err
	}
	res.ColdVmHWM, err = vmHWM(l.cold)
	return res, err
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
	rec, err := startRecorder(l.simURL)
	if err != nil {
		return nil, err
	}
	defer rec.close()
	if _, err := l.do(http.MethodDelete, l.coldURL+"/v1/pod_managers/"+l.coldPodm, "", false, 0); err != nil {
		return nil, err
	}
	if l.coldPodm, err = l.register(l.coldURL, rec.url); err != nil {
		return nil, err
	}
	rec.take() // what registering read
	if _, err := l.do(http.MethodGet, l.coldURL+"/v1/systems", "", false, http.StatusOK); err != nil {
		return nil, err
	}
	paths := rec.take()
	if _, err := l.do(http.MethodDelete, l.coldURL+"/v1/pod_managers/"+l.coldPodm, "", false, 0); err != nil {
		return nil, err
	}
	l.coldPodm, err = l.register(l.coldURL, l.simURL)
	return paths, err
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
	uuid, err := l.compose(n)
	if err != nil {
		return err
	}
	_, err = l.do(http.MethodDelete, l.warmURL+"/v1/nodes/"+uuid, "", false, 0)
	return err
}

func (l *lab) compose(n int64) (string, error) {
	body := fmt.Sprintf(`{"name":"bench-%d","podm_id":%q}`, n, l.warmPodm)
	b, err := l.do(http.MethodPost, l.warmURL+"/v1/nodes", body, false, http.StatusCreated)
	if err != nil {
		return "", err
	}
	var node struct{ UUID string }
	if err := json.Unmarshal(b, &node); err != nil || node.UUID == "" {
		return "", fmt.Errorf("compose: %.200s %v", b, err)
	}
	return node.UUID, nil
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
// their uuids.
func (l *lab) composeMany(n int) ([]string, error) {
	uuids := make([]string, n)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	err := each(idx, 8, func(i int) error {
		var err error
		uuids[i], err = l.compose(int64(1_000_000 + i))
		return err
	})
	return uuids, err
}

// nodeURI is the pod manager's path of a node the server composed.
func (l *lab) nodeURI(uuid string) (string, error) {
	b, err := l.do(http.MethodGet, l.warmURL+"/v1/nodes/"+uuid, "", false, http.StatusOK)
	if err != nil {
		return "", err
	}
	var node struct {
		ResourceURI string `json:"resource_uri"`
	}
	if err := json.Unmarshal(b, &node); err != nil {
		return "", err
	}
	if i := strings.Index(node.ResourceURI, "/redfish/"); i > 0 {
		return node.ResourceURI[i:], nil
	}
	return node.ResourceURI, nil
}
