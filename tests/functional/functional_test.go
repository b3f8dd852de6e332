package functional

import (
	"testing"

	"github.com/valence-rsd/valence/internal/store/etcd/etcdtest"
)

// scenarios are the functional tests; each starts the processes it needs,
// so they run in parallel.
var scenarios = []struct {
	name string
	run  func(*testing.T, backend)
}{
	{"Service", testService},
	{"PodManagers", testPodManagers},
	{"Flavors", testFlavors},
	{"Nodes", testNodes},
	{"ComposeProperties", testComposeProperties},
	{"OlderRSD", testOlderRSD},
	{"TLS", testTLS},
	{"PlainRedfish", testPlainRedfish},
	{"NodeActions", testNodeActions},
	{"Adopt", testAdopt},
	{"Inventory", testInventory},
	{"Storages", testStorages},
	{"PodManagerOffline", testPodManagerOffline},
	{"ComposeRollback", testComposeRollback},
	{"ComposeTimeout", testComposeTimeout},
	{"PodManagerErrors", testPodManagerErrors},
	{"PodManagerHang", testPodManagerHang},
	{"ConcurrentCompose", testConcurrentCompose},
	{"Restart", testRestart},
	{"CrashRecovery", testCrashRecovery},
	{"Replicas", testReplicas},
	{"Logs", testLogs},
	{"HostileInput", testHostileInput},
	{"Demo", testDemo},
}

// TestFunctional runs every scenario with the store on bolt and on etcd.
// The etcd half is skipped where there is no etcd binary, unless CI=true.
func TestFunctional(t *testing.T) {
	backends := []struct {
		name  string
		setup func(*testing.T) backend
	}{
		{"bolt", func(*testing.T) backend { return backend{name: "bolt"} }},
		{"etcd", func(t *testing.T) backend { return backend{name: "etcd", etcd: etcdtest.Start(t)} }},
	}
	for _, bk := range backends {
		t.Run(bk.name, func(t *testing.T) {
			t.Parallel()
			b := bk.setup(t)
			for _, sc := range scenarios {
				t.Run(sc.name, func(t *testing.T) {
					t.Parallel()
					sc.run(t, b)
				})
			}
		})
	}
}
