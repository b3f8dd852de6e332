package functional

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/valence-rsd/valence/api"
)

// model is a composition model of rsd-simulator, with what a scenario that
// runs on every model (eachModel) needs to know of it: the scenario is
// written once, and the model says where the two differ.
type model struct {
	name string
	// args select the model on the simulator's command line.
	args []string
	// nodePrefix is where the pod manager keeps its nodes: a node's
	// resource_uri is nodePrefix + its index.
	nodePrefix string
	// resetAction is the key of the node's Reset action in its Redfish
	// document, which lists the reset types it allows.
	resetAction string
	// nics: a node composed without a network requirement has interfaces
	// (an RSD system does; blocks of processors and memory have none).
	nics bool
	// volumes: it serves remote volumes, which attach to its nodes (see
	// testStorages for the answers where it does not).
	volumes bool
	// nodes lists the composed nodes the simulator holds.
	nodes func(s *simulator, t *testing.T) []string
	// composeOutside composes a node on the simulator itself, as a client
	// other than Valence would, and returns its path.
	composeOutside func(t *testing.T, s *simulator, name, description string) string
	// shortage reports whether the 409 of a compose that no pod manager can
	// satisfy (impossible) says what is missing.
	shortage func(e api.Error) bool
	// capacity reads a pod manager's capacity and checks it against what
	// the simulator holds.
	capacity func(t *testing.T, c *client, s *simulator, podmID string) api.Capacity
}

// sim is the simulator's command line of the model with args.
func (m model) sim(args ...string) []string { return append(slices.Clone(m.args), args...) }

// models are the composition models every node scenario runs on.
var models = []model{
	{
		name: "rsd", nodePrefix: "/redfish/v1/Nodes/", resetAction: "#ComposedNode.Reset", nics: true, volumes: true,
		nodes: (*simulator).nodes,
		composeOutside: func(t *testing.T, s *simulator, name, description string) string {
			t.Helper()
			before := s.nodes(t)
			status, body := s.call(t, http.MethodPost, "/redfish/v1/Nodes/Actions/Allocate", `{"Name":"`+name+`","Description":"`+description+`"}`)
			if status != http.StatusCreated {
				t.Fatalf("Allocate on the simulator: %d %s", status, body)
			}
			i := slices.IndexFunc(s.nodes(t), func(n string) bool { return !slices.Contains(before, n) })
			if i < 0 {
				t.Fatal("the simulator lists no new node after an Allocate")
			}
			uri := s.nodes(t)[i]
			if status, body := s.call(t, http.MethodPost, uri+"/Actions/ComposedNode.Assemble", "{}"); status/100 != 2 {
				t.Fatalf("Assemble on the simulator: %d %s", status, body)
			}
			return uri
		},
		shortage: func(e api.Error) bool { return len(e.ExtendedInfo) > 0 },
		capacity: func(t *testing.T, c *client, _ *simulator, podmID string) api.Capacity {
			t.Helper()
			return c.systemCapacity(t, podmID)
		},
	},
	{
		name: "dmtf", args: []string{"--model", "dmtf"}, nodePrefix: "/redfish/v1/Systems/", resetAction: "#ComputerSystem.Reset",
		nodes: (*simulator).composed,
		composeOutside: func(t *testing.T, s *simulator, name, description string) string {
			t.Helper()
			status, body := s.call(t, http.MethodPost, "/redfish/v1/Systems",
				`{"Name":"`+name+`","Description":"`+description+`","Links":{"ResourceBlocks":[{"@odata.id":"`+s.freeCompute(t)+`"}]}}`)
			if status != http.StatusCreated {
				t.Fatalf("compose on the simulator: %d %s", status, body)
			}
			var made struct {
				ODataID string `json:"@odata.id"`
			}
			decodeJSON(t, body, &made)
			return made.ODataID
		},
		shortage: func(e api.Error) bool { return strings.Contains(e.Detail, "processor.total_cores 16384") },
		capacity: func(t *testing.T, c *client, s *simulator, podmID string) api.Capacity {
			t.Helper()
			got := c.capacity(t, podmID)
			compute, used := s.computeBlocks(t), s.usedBlocks(t)
			free := int64(len(compute))
			for _, b := range compute {
				if slices.Contains(used, b) {
					free--
				}
			}
			if got.PodmID != podmID || got.Unit != api.CapacityUnitBlock || got.Systems != (api.Amount{Total: int64(len(compute)), Free: free}) {
				t.Errorf("capacity of %s: %+v; the simulator has %d Compute blocks, %d of them free", podmID, got, len(compute), free)
			}
			return got
		},
	},
}

// eachModel makes of a scenario one that runs on every model, in parallel.
func eachModel(run func(*testing.T, backend, model)) func(*testing.T, backend) {
	return func(t *testing.T, b backend) {
		for _, m := range models {
			t.Run(m.name, func(t *testing.T) {
				t.Parallel()
				run(t, b, m)
			})
		}
	}
}
