package cli

import (
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/api/client"
)

// operations maps every operationId of api/openapi.yaml to its method of
// api/client and the valence command that calls it.
var operations = map[string]struct{ method, command string }{
	"getRoot":          {"Root", "api versions"},
	"getV1":            {"V1", "api v1"},
	"getOpenAPI":       {"OpenAPI", "api openapi"},
	"getDocs":          {"Docs", "api docs"},
	"getHealthz":       {"Health", "api health"},
	"getReadyz":        {"Ready", "api ready"},
	"getMetrics":       {"Metrics", "api metrics"},
	"listPodManagers":  {"ListPodManagers", "podmanager list"},
	"createPodManager": {"CreatePodManager", "podmanager create"},
	"getPodManager":    {"GetPodManager", "podmanager show"},
	"updatePodManager": {"UpdatePodManager", "podmanager update"},
	"deletePodManager": {"DeletePodManager", "podmanager delete"},
	"listFlavors":      {"ListFlavors", "flavor list"},
	"createFlavor":     {"CreateFlavor", "flavor create"},
	"getFlavor":        {"GetFlavor", "flavor show"},
	"updateFlavor":     {"UpdateFlavor", "flavor update"},
	"deleteFlavor":     {"DeleteFlavor", "flavor delete"},
	"listNodes":        {"ListNodes", "node list"},
	"composeNode":      {"ComposeNode", "node compose"},
	"manageNode":       {"ManageNode", "node manage"},
	"getNode":          {"GetNode", "node show"},
	"decomposeNode":    {"DecomposeNode", "node delete"},
	"nodeAction":       {"NodeAction", "node boot"}, // and node attach, node detach
	"getNodeStates":    {"GetNodeStates", "node states"},
	"setNodePower":     {"SetNodePower", "node power on"},
	"injectNodeNMI":    {"InjectNodeNMI", "node inject-nmi"},
	"listNodeStorages": {"ListNodeStorages", "node storages"},
	"listSystems":      {"ListSystems", "system list"},
	"getSystem":        {"GetSystem", "system show"},
	"systemAction":     {"SystemAction", "system boot"},
	"setSystemPower":   {"SetSystemPower", "system power on"},
	"injectSystemNMI":  {"InjectSystemNMI", "system inject-nmi"},
	"listStorages":     {"ListStorages", "storage list"},
	"createStorage":    {"CreateStorage", "storage create"},
	"getStorage":       {"GetStorage", "storage show"},
	"deleteStorage":    {"DeleteStorage", "storage delete"},
	"listRacks":        {"ListRacks", "rack list"},
	"getRack":          {"GetRack", "rack show"},

	"getPodManagerCapacity": {"GetPodManagerCapacity", "podmanager capacity"},
}

// TestEveryOperationHasClientMethodAndCommand reads api/openapi.yaml: each
// operation must have a client method and a CLI command, and the table
// names no operation the spec lacks.
func TestEveryOperationHasClientMethodAndCommand(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	inSpec := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			inSpec[op.OperationID] = true
			if _, ok := operations[op.OperationID]; !ok {
				t.Errorf("%s %s (%s) has no client method and command in the table", method, path, op.OperationID)
			}
		}
	}
	root := (&app{env: testEnv(nil, nil)}).rootCommand()
	clientType := reflect.TypeOf(&client.Client{})
	for id, m := range operations {
		if !inSpec[id] {
			t.Errorf("%s is in the table but not in api/openapi.yaml", id)
		}
		if _, ok := clientType.MethodByName(m.method); !ok {
			t.Errorf("%s: no method client.%s", id, m.method)
		}
		words := strings.Fields(m.command)
		cmd, rest, err := root.Find(words)
		if err != nil || len(rest) > 0 || cmd.CommandPath() != "valence "+m.command || cmd.RunE == nil {
			t.Errorf("%s: no command `valence %s`", id, m.command)
		}
	}
}
