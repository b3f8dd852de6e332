package functional

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/store"
	"github.com/valence-rsd/valence/internal/valence"
)

// recoveryBound is what crash recovery promises with default settings: the
// simulator and the store agree within 15 s of a restart (bolt) or of a
// replica's death (etcd).
const recoveryBound = 15 * time.Second

// testCrashRecovery kills valence-api (SIGKILL) in the middle of a compose,
// while the pod manager assembles the node, with every setting at its
// default. On bolt the next server on the file undoes the compose as it
// starts; on etcd a replica that was running beside the dead one does, as
// soon as the dead one's lease expires. Either way within recoveryBound,
// far ahead of the compose deadline (10 minutes). The simulator keeps the
// Allocate's Description, so the node carries the compose's mark and the
// intent never names it: recovery finds it Assembling by its mark.
func testCrashRecovery(t *testing.T, b backend) {
	crashRecovery(t, b, []string{"--systems", "2", "--assemble-delay", "5m"}, (*simulator).nodes, (*simulator).assembling)
}

// testCrashRecoveryUnmarked is testCrashRecovery on a pod manager that does
// not keep the Allocate's Description (--drop-description): the node
// carries no mark, so the compose names it in its intent before the
// Assemble, and recovery deletes it by that name.
func testCrashRecoveryUnmarked(t *testing.T, b backend) {
	crashRecovery(t, b, []string{"--systems", "2", "--assemble-delay", "5m", "--drop-description"}, (*simulator).nodes, (*simulator).assembling)
}

// testDMTFCrashRecovery is testCrashRecovery on a DMTF composition service
// whose POST composes at once and answers 5 minutes later: the crash loses
// the answer, so the intent never names the system, and recovery knows it
// by the compose's id it carries. Its blocks are free again.
func testDMTFCrashRecovery(t *testing.T, b backend) {
	sim := crashRecovery(t, b, append(slices.Clone(dmtfSim), "--compose-delay", "5m"), (*simulator).composed, (*simulator).composed)
	if used := sim.usedBlocks(t); len(used) != 0 {
		t.Errorf("blocks still in use after the recovery: %v", used)
	}
}

// crashRecovery runs the crash of testCrashRecovery on a simulator started
// with args, whose nodes lists what a compose made on it; the crash comes
// once crashAt lists the compose's node.
func crashRecovery(t *testing.T, b backend, args []string, nodes, crashAt func(*simulator, *testing.T) []string) *simulator {
	sim := startSimulator(t, args...)
	store := b.storeEnv(t)
	first := runAPI(t, store...)
	var other *apiServer
	if b.etcd != nil {
		other = runAPI(t, append(store, "VALENCE_LOG_LEVEL=info")...)
	}
	pm := first.register(t, "podm1", sim.url)

	// The compose waits for the assembly until the crash; its answer never comes.
	body, _ := json.Marshal(api.NodeCompose{Name: "orphan", PodmID: pm.UUID})
	go func() {
		if resp, err := http.Post(first.base+"/v1/nodes", "application/json", bytes.NewReader(body)); err == nil {
			resp.Body.Close()
		}
	}()
	waitFor(t, "the compose's node on the simulator", func() bool { return len(crashAt(sim, t)) == 1 })
	first.proc.kill()
	start := time.Now()
	if other == nil {
		other = runAPI(t, append(store, "VALENCE_LOG_LEVEL=info")...)
	}

	// The log line comes once the intent is deleted, after the node.
	waitWithin(t, recoveryBound-time.Since(start), "the abandoned compose undone", func() bool {
		return other.proc.logged("recovery: abandoned compose undone")
	})
	t.Logf("compose undone %s after the crash", time.Since(start).Round(100*time.Millisecond))
	if left := nodes(sim, t); len(left) != 0 {
		t.Errorf("nodes left on the simulator: %v", left)
	}
	if got := decodeAs[[]api.Node](t, other.get(t, http.StatusOK, "/v1/nodes")); len(got) != 0 {
		t.Errorf("records after the recovery: %v", uuids(got))
	}
	other.stop(t) // frees the bolt file
	if n := storeCount(t, store, valence.KindIntent); n != 0 {
		t.Errorf("%d intents left in the store", n)
	}
	return sim
}

// assembling lists the simulator's nodes that are Assembling.
func (s *simulator) assembling(t *testing.T) []string {
	var out []string
	for _, uri := range s.nodes(t) {
		var n struct{ ComposedNodeState string }
		s.get(t, uri, &n)
		if n.ComposedNodeState == "Assembling" {
			out = append(out, uri)
		}
	}
	return out
}

// storeCount opens the store that the VALENCE_* settings env name, as
// valence-api would, and counts the records of kind. A bolt file must not
// be held by a server.
func storeCount(t *testing.T, env []string, kind valence.Kind) int {
	t.Helper()
	var url string
	var opts store.EtcdOptions
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "VALENCE_STORE":
			url = v
		case "VALENCE_ETCD_PREFIX":
			opts.Prefix = v
		}
	}
	st, err := store.Open(t.Context(), url, opts)
	if err != nil {
		t.Fatalf("open the store %s: %v", url, err)
	}
	defer st.Close()
	recs, _, err := st.List(t.Context(), kind, valence.ListOptions{})
	if err != nil {
		t.Fatalf("list %s: %v", kind, err)
	}
	return len(recs)
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
	// Each replica has now read and decoded the node list; a record that the
	// other changes (here the power state its GET of the node records after
	// a Reset) must still show in the next list, not the decoded one.
	powerOf := func(c *client, id string) string {
		for _, n := range decodeAs[[]api.Node](t, c.get(t, http.StatusOK, "/v1/nodes")) {
			if n.UUID == id {
				return n.NodePowerState
			}
		}
		return "absent"
	}
	before := powerOf(replicas[0], lists[0][0])
	want := api.PowerOn
	if before == api.PowerOn {
		want = api.PowerOff
	}
	replicas[1].expect(t, http.StatusNoContent, http.MethodPost, "/v1/nodes/"+lists[0][0]+"/action", fmt.Sprintf(`{"Reset":{"Type":%q}}`, map[string]string{api.PowerOn: "On", api.PowerOff: "ForceOff"}[want]))
	replicas[1].get(t, http.StatusOK, "/v1/nodes/"+lists[0][0])
	if got := powerOf(replicas[0], lists[0][0]); got != want {
		t.Errorf("after a Reset through the other replica, a node listed %s, then %s, want %s", before, got, want)
	}
	for i, id := range lists[0] {
		replicas[i%2].deleted(t, "/v1/nodes/"+id)
	}
	if left := sim.nodes(t); len(left) != 0 {
		t.Errorf("nodes left on the simulator: %v", left)
	}
}
