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
	{"Nodes", eachModel(testNodes)},
	{"DMTFNodes", testDMTFNodes},
	{"DMTFComposeForms", testDMTFComposeForms},
	{"ComposeProperties", testComposeProperties},
	{"OlderRSD", testOlderRSD},
	{"TLS", testTLS},
	{"PlainRedfish", testPlainRedfish},
	{"SystemPower", testSystemPower},
	{"SystemOfANode", testSystemOfANode},
	{"PodManagerRefusals", testPodManagerRefusals},
	{"PodManagerIdentity", testPodManagerIdentity},
	{"NodeActions", eachModel(testNodeActions)},
	{"Adopt", eachModel(testAdopt)},
	{"Inventory", testInventory},
	{"RealServiceQuirks", testRealServiceQuirks},
	{"IfMatchRequired", testIfMatchRequired},
	{"InventoryRetries", testInventoryRetries},
	{"InventoryStale", testInventoryStale},
	{"Storages", eachModel(testStorages)},
	{"PagedCollections", eachModel(testPagedCollections)},
	{"PodManagerOffline", testPodManagerOffline},
	{"ComposeRollback", testComposeRollback},
	{"ComposeTimeout", testComposeTimeout},
	{"PodManagerErrors", testPodManagerErrors},
	{"PodManagerHang", testPodManagerHang},
	{"ConcurrentCompose", testConcurrentCompose},
	{"Restart", testRestart},
	{"PodManagerSessionLost", testPodManagerSessionLost},
	{"CrashRecovery", testCrashRecovery},
	{"CrashRecoveryUnmarked", testCrashRecoveryUnmarked},
	{"DMTFCrashRecovery", testDMTFCrashRecovery},
	{"DMTFTaskCrashRecovery", testDMTFTaskCrashRecovery},
	{"Replicas", testReplicas},
	{"Logs", testLogs},
	{"HostileInput", testHostileInput},
	{"Demo", testDemo},
	{"BasicAuth", testBasicAuth},
	{"CLI", testCLI},
	{"CLIBasic", testCLIBasic},
	{"CLIService", testCLIService},
	{"GuideCLI", testGuideCLI},
	{"Dashboard", testDashboard},
}

// backends are the stores the tests run on: a bolt file per server, and an
// etcd per test (skipped where there is no etcd binary, unless CI=true).
var backends = []struct {
	name  string
	setup func(*testing.T) backend
}{
	{"bolt", func(*testing.T) backend { return backend{name: "bolt"} }},
	{"etcd", func(t *testing.T) backend { return backend{name: "etcd", etcd: etcdtest.Start(t)} }},
}

// TestFunctional runs every scenario with the store on bolt and on etcd.
func TestFunctional(t *testing.T) {
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
