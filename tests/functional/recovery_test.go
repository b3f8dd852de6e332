package functional

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/valence-rsd/valence/api"
)

// testCrashRecovery kills valence-api in the middle of a compose, after the
// pod manager has allocated the node, and starts another on the same store:
// once the compose's deadline has passed, the new server deletes the
// abandoned node and its intent.
func testCrashRecovery(t *testing.T, b backend) {
	sim := startSimulator(t, "--systems", "2", "--assemble-delay", "30s")
	store := b.storeEnv(t)
	settings := append([]string{"VALENCE_COMPOSE_TIMEOUT=2s", "VALENCE_PODM_TIMEOUT=1s", "VALENCE_PROBE_INTERVAL=500ms"}, store...)
	first := runAPI(t, settings...)
	pm := first.register(t, "podm1", sim.url)

	// The compose runs until the crash; its answer never comes.
	body, _ := json.Marshal(api.NodeCompose{Name: "orphan", PodmID: pm.UUID})
	go func() {
		if resp, err := http.Post(first.base+"/v1/nodes", "application/json", bytes.NewReader(body)); err == nil {
			resp.Body.Close()
		}
	}()
	waitFor(t, "the simulator to allocate the node", func() bool { return len(sim.nodes(t)) == 1 })
	first.proc.kill()

	second := runAPI(t, settings...)
	waitFor(t, "the abandoned node to be deleted", func() bool { return len(sim.nodes(t)) == 0 })
	if got := decodeAs[[]api.Node](t, second.get(t, http.StatusOK, "/v1/nodes")); len(got) != 0 {
		t.Errorf("records after the recovery: %v", uuids(got))
	}
}

// testReplicas runs two valence-api on one etcd prefix, as replicas behind a
// load balancer: they see each other's records, and names and systems are
// never given twice however the requests are spread. A bolt file belongs to
// one process, so the scenario is etcd's only.
func testReplicas(t *testing.T, b backend) {
	if b.etcd == nil {
		t.Skip("replicas share an etcd; a bolt file is one process's")
	}
	sim := startSimulator(t, "--systems", "2")
	store := b.storeEnv(t)
	replicas := []*client{runAPI(t, store...).client, runAPI(t, store...).client}
	pm := replicas[0].register(t, "podm1", sim.url)
	if got := decodeAs[api.PodManager](t, replicas[1].get(t, http.StatusOK, "/v1/pod_managers/"+pm.UUID)); got.Name != "podm1" {
		t.Errorf("the other replica sees %+v", got)
	}

	// race sends the same kind of request three times to each replica at
	// once and returns the answers.
	race := func(path string, body func(i int) any) []response {
		results := make([]response, 6)
		var wg sync.WaitGroup
		for i := range results {
			wg.Go(func() { results[i] = replicas[i%2].do(t, http.MethodPost, path, body(i)) })
		}
		wg.Wait()
		return results
	}
	count := func(rs []response, status int) int {
		n := 0
		for _, r := range rs {
			if r.status == status {
				n++
			}
		}
		return n
	}
	flavors := race("/v1/flavors", func(int) any { return `{"name":"same","properties":{}}` })
	if count(flavors, http.StatusCreated) != 1 || count(flavors, http.StatusConflict) != 5 {
		t.Errorf("one flavor name created 6 times on 2 replicas: %d created, %d conflicts", count(flavors, http.StatusCreated), count(flavors, http.StatusConflict))
	}
	nodes := race("/v1/nodes", func(i int) any { return api.NodeCompose{Name: fmt.Sprintf("racer-%d", i), PodmID: pm.UUID} })
	if count(nodes, http.StatusCreated) != 2 || count(nodes, http.StatusConflict) != 4 {
		for _, r := range nodes {
			t.Logf("%d %s", r.status, r.body)
		}
		t.Errorf("6 composes for 2 systems on 2 replicas: %d created, %d conflicts", count(nodes, http.StatusCreated), count(nodes, http.StatusConflict))
	}
	lists := [][]string{
		uuids(decodeAs[[]api.Node](t, replicas[0].get(t, http.StatusOK, "/v1/nodes"))),
		uuids(decodeAs[[]api.Node](t, replicas[1].get(t, http.StatusOK, "/v1/nodes"))),
	}
	if len(lists[0]) != 2 || !sameSet(lists[0], lists[1]) || len(sim.nodes(t)) != 2 {
		t.Errorf("nodes: %v on one replica, %v on the other, %d on the simulator", lists[0], lists[1], len(sim.nodes(t)))
	}
	for i, id := range lists[0] {
		replicas[i%2].deleted(t, "/v1/nodes/"+id)
	}
	if left := sim.nodes(t); len(left) != 0 {
		t.Errorf("nodes left on the simulator: %v", left)
	}
}
