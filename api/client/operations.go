package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/valence-rsd/valence/api"
)

// Filters narrow a list to the items whose fields equal the values (e.g.
// "name", "podm_id", "status"); the server refuses an unknown key.
type Filters map[string]string

func (f Filters) values() url.Values {
	v := url.Values{}
	for k, s := range f {
		v.Set(k, s)
	}
	return v
}

// podmQuery is ?podm_id= when podmID is set.
func podmQuery(podmID string) url.Values {
	if podmID == "" {
		return nil
	}
	return url.Values{"podm_id": {podmID}}
}

// --- service ---

// Root reads the version root, GET / (getRoot).
func (c *Client) Root(ctx context.Context) (*api.Root, error) {
	return get[api.Root](ctx, c, "/", nil)
}

// V1 reads the v1 document, GET /v1 (getV1).
func (c *Client) V1(ctx context.Context) (*api.V1, error) {
	return get[api.V1](ctx, c, "/v1", nil)
}

// OpenAPI reads the server's OpenAPI document, GET /v1/openapi.yaml
// (getOpenAPI).
func (c *Client) OpenAPI(ctx context.Context) ([]byte, error) {
	b, _, err := c.send(ctx, request{method: http.MethodGet, path: "/v1/openapi.yaml", want: http.StatusOK}, "")
	return b, err
}

// Docs reads the server's API reference, an HTML page, GET /v1/docs
// (getDocs).
func (c *Client) Docs(ctx context.Context) ([]byte, error) {
	b, _, err := c.send(ctx, request{method: http.MethodGet, path: "/v1/docs", want: http.StatusOK}, "")
	return b, err
}

// Health asks whether the process serves, GET /healthz (getHealthz).
func (c *Client) Health(ctx context.Context) (*api.Health, error) {
	return get[api.Health](ctx, c, "/healthz", nil)
}

// Ready asks whether the server is ready, GET /readyz (getReadyz); not
// ready is an *Error with status 503.
func (c *Client) Ready(ctx context.Context) (*api.Health, error) {
	return get[api.Health](ctx, c, "/readyz", nil)
}

// Metrics reads the Prometheus metrics, GET /metrics (getMetrics).
func (c *Client) Metrics(ctx context.Context) ([]byte, error) {
	b, _, err := c.send(ctx, request{method: http.MethodGet, path: "/metrics", want: http.StatusOK}, "")
	return b, err
}

// --- pod managers ---

// ListPodManagers reads every pod manager (listPodManagers).
func (c *Client) ListPodManagers(ctx context.Context, f Filters) ([]api.PodManager, error) {
	return list[api.PodManager](ctx, c, "/v1/pod_managers", f.values())
}

// CreatePodManager registers a pod manager (createPodManager).
func (c *Client) CreatePodManager(ctx context.Context, body api.PodManagerCreate) (*api.PodManager, error) {
	var v api.PodManager
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/v1/pod_managers", body: body, want: http.StatusCreated}, &v)
	return ptr(&v, err)
}

// GetPodManager reads one pod manager (getPodManager).
func (c *Client) GetPodManager(ctx context.Context, id string) (*api.PodManager, error) {
	return get[api.PodManager](ctx, c, "/v1/pod_managers/"+pathID(id), nil)
}

// GetPodManagerCapacity reads what a pod manager has to compose with, and
// how much of it is free (getPodManagerCapacity).
func (c *Client) GetPodManagerCapacity(ctx context.Context, id string) (*api.Capacity, error) {
	return get[api.Capacity](ctx, c, "/v1/pod_managers/"+pathID(id)+"/capacity", nil)
}

// UpdatePodManager changes a pod manager (updatePodManager).
func (c *Client) UpdatePodManager(ctx context.Context, id string, patch api.PodManagerUpdate) (*api.PodManager, error) {
	var v api.PodManager
	_, err := c.do(ctx, request{method: http.MethodPatch, path: "/v1/pod_managers/" + pathID(id), body: patch,
		want: http.StatusOK, contentType: "application/merge-patch+json"}, &v)
	return ptr(&v, err)
}

// DeletePodManager unregisters a pod manager (deletePodManager); force
// decomposes its nodes first.
func (c *Client) DeletePodManager(ctx context.Context, id string, force bool) (*api.Confirmation, error) {
	var q url.Values
	if force {
		q = url.Values{"force": {"true"}}
	}
	return deleteAt(ctx, c, "/v1/pod_managers/"+pathID(id), q)
}

// --- flavors ---

// ListFlavors reads every flavor (listFlavors).
func (c *Client) ListFlavors(ctx context.Context, f Filters) ([]api.Flavor, error) {
	return list[api.Flavor](ctx, c, "/v1/flavors", f.values())
}

// CreateFlavor creates a flavor (createFlavor).
func (c *Client) CreateFlavor(ctx context.Context, body api.FlavorCreate) (*api.Flavor, error) {
	var v api.Flavor
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/v1/flavors", body: body, want: http.StatusCreated}, &v)
	return ptr(&v, err)
}

// GetFlavor reads one flavor (getFlavor).
func (c *Client) GetFlavor(ctx context.Context, id string) (*api.Flavor, error) {
	return get[api.Flavor](ctx, c, "/v1/flavors/"+pathID(id), nil)
}

// UpdateFlavor changes a flavor (updateFlavor).
func (c *Client) UpdateFlavor(ctx context.Context, id string, patch api.FlavorUpdate) (*api.Flavor, error) {
	var v api.Flavor
	_, err := c.do(ctx, request{method: http.MethodPatch, path: "/v1/flavors/" + pathID(id), body: patch,
		want: http.StatusOK, contentType: "application/merge-patch+json"}, &v)
	return ptr(&v, err)
}

// DeleteFlavor deletes a flavor (deleteFlavor).
func (c *Client) DeleteFlavor(ctx context.Context, id string) (*api.Confirmation, error) {
	return deleteAt(ctx, c, "/v1/flavors/"+pathID(id), nil)
}

// --- nodes ---

// ListNodes reads every composed node the caller may see (listNodes).
func (c *Client) ListNodes(ctx context.Context, f Filters) ([]api.Node, error) {
	return list[api.Node](ctx, c, "/v1/nodes", f.values())
}

// ComposeNode composes a node and returns it once assembled (composeNode).
// It takes as long as the pod manager does: bound it with ctx.
func (c *Client) ComposeNode(ctx context.Context, body api.NodeCompose) (*api.Node, error) {
	var v api.Node
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/v1/nodes", body: body, want: http.StatusCreated}, &v)
	return ptr(&v, err)
}

// ManageNode adopts a node composed outside Valence (manageNode).
func (c *Client) ManageNode(ctx context.Context, body api.NodeManage) (*api.Node, error) {
	var v api.Node
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/v1/nodes/manage", body: body, want: http.StatusCreated}, &v)
	return ptr(&v, err)
}

// GetNode reads one node with its live detail (getNode).
func (c *Client) GetNode(ctx context.Context, id string) (*api.NodeDetail, error) {
	return get[api.NodeDetail](ctx, c, "/v1/nodes/"+pathID(id), nil)
}

// DecomposeNode decomposes a node (decomposeNode).
func (c *Client) DecomposeNode(ctx context.Context, id string) (*api.Confirmation, error) {
	return deleteAt(ctx, c, "/v1/nodes/"+pathID(id), nil)
}

// NodeAction resets a node, sets its boot override, or attaches or
// detaches a volume (nodeAction); set exactly one field of a.
func (c *Client) NodeAction(ctx context.Context, id string, a api.NodeAction) error {
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/v1/nodes/" + pathID(id) + "/action", body: a, want: http.StatusNoContent}, nil)
	return err
}

// GetNodeStates reads a node's power and composition states (getNodeStates).
func (c *Client) GetNodeStates(ctx context.Context, id string) (*api.NodeStates, error) {
	return get[api.NodeStates](ctx, c, "/v1/nodes/"+pathID(id)+"/states", nil)
}

// SetNodePower powers a node on or off or reboots it (setNodePower); target
// is one of the api.PowerTarget* values.
func (c *Client) SetNodePower(ctx context.Context, id, target string) error {
	_, err := c.do(ctx, request{method: http.MethodPut, path: "/v1/nodes/" + pathID(id) + "/states/power",
		body: api.PowerTarget{Target: target}, want: http.StatusNoContent}, nil)
	return err
}

// InjectNodeNMI sends a node a non-maskable interrupt (injectNodeNMI).
func (c *Client) InjectNodeNMI(ctx context.Context, id string) error {
	_, err := c.do(ctx, request{method: http.MethodPut, path: "/v1/nodes/" + pathID(id) + "/management/inject_nmi",
		body: struct{}{}, want: http.StatusNoContent}, nil)
	return err
}

// ListNodeStorages reads the volumes attached to a node (listNodeStorages).
func (c *Client) ListNodeStorages(ctx context.Context, id string) ([]api.Storage, error) {
	return list[api.Storage](ctx, c, "/v1/nodes/"+pathID(id)+"/storages", nil)
}

// --- systems ---

// ListSystems reads the systems of every pod manager, or of podmID's
// (listSystems).
func (c *Client) ListSystems(ctx context.Context, podmID string) ([]api.System, error) {
	return list[api.System](ctx, c, "/v1/systems", podmQuery(podmID))
}

// GetSystem reads one system by UUID or Redfish Id; podmID says which pod
// manager's when an Id is on several (getSystem).
func (c *Client) GetSystem(ctx context.Context, id, podmID string) (*api.System, error) {
	return get[api.System](ctx, c, "/v1/systems/"+pathID(id), podmQuery(podmID))
}

// SystemAction resets a system or sets its boot override (systemAction);
// set Reset or Boot.
func (c *Client) SystemAction(ctx context.Context, id, podmID string, a api.NodeAction) error {
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/v1/systems/" + pathID(id) + "/action",
		query: podmQuery(podmID), body: a, want: http.StatusNoContent}, nil)
	return err
}

// SetSystemPower powers a system on or off or reboots it (setSystemPower);
// target is one of the api.PowerTarget* values.
func (c *Client) SetSystemPower(ctx context.Context, id, podmID, target string) error {
	_, err := c.do(ctx, request{method: http.MethodPut, path: "/v1/systems/" + pathID(id) + "/states/power",
		query: podmQuery(podmID), body: api.PowerTarget{Target: target}, want: http.StatusNoContent}, nil)
	return err
}

// InjectSystemNMI sends a system a non-maskable interrupt (injectSystemNMI).
func (c *Client) InjectSystemNMI(ctx context.Context, id, podmID string) error {
	_, err := c.do(ctx, request{method: http.MethodPut, path: "/v1/systems/" + pathID(id) + "/management/inject_nmi",
		query: podmQuery(podmID), body: struct{}{}, want: http.StatusNoContent}, nil)
	return err
}

// --- storages ---

// ListStorages reads the volumes of every pod manager (listStorages).
func (c *Client) ListStorages(ctx context.Context, f Filters) ([]api.Storage, error) {
	return list[api.Storage](ctx, c, "/v1/storages", f.values())
}

// CreateStorage creates a volume (createStorage).
func (c *Client) CreateStorage(ctx context.Context, body api.StorageCreate) (*api.Storage, error) {
	var v api.Storage
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/v1/storages", body: body, want: http.StatusCreated}, &v)
	return ptr(&v, err)
}

// GetStorage reads one volume (getStorage).
func (c *Client) GetStorage(ctx context.Context, id string) (*api.Storage, error) {
	return get[api.Storage](ctx, c, "/v1/storages/"+pathID(id), nil)
}

// DeleteStorage deletes a volume (deleteStorage).
func (c *Client) DeleteStorage(ctx context.Context, id string) (*api.Confirmation, error) {
	return deleteAt(ctx, c, "/v1/storages/"+pathID(id), nil)
}

// --- racks ---

// ListRacks reads the racks of every pod manager, or of podmID's (listRacks).
func (c *Client) ListRacks(ctx context.Context, podmID string) ([]api.Rack, error) {
	return list[api.Rack](ctx, c, "/v1/racks", podmQuery(podmID))
}

// GetRack reads one rack by its Redfish Id (getRack).
func (c *Client) GetRack(ctx context.Context, id, podmID string) (*api.Rack, error) {
	return get[api.Rack](ctx, c, "/v1/racks/"+pathID(id), podmQuery(podmID))
}

// ptr returns v, or nil with err.
func ptr[T any](v *T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}
