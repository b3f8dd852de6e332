package auth

// The names of the policy rules the server checks, one per operation. Rules
// about an existing node are checked with Target{"project_id": <the node's
// project>}; the others (node:compose and node:adopt, which record the node
// in the caller's project, among them) with the caller's own project.
const (
	RulePodManagerList   = "valence:podmanager:list"
	RulePodManagerGet    = "valence:podmanager:get"
	RulePodManagerCreate = "valence:podmanager:create"
	RulePodManagerUpdate = "valence:podmanager:update"
	RulePodManagerDelete = "valence:podmanager:delete"

	RuleFlavorList   = "valence:flavor:list"
	RuleFlavorGet    = "valence:flavor:get"
	RuleFlavorCreate = "valence:flavor:create"
	RuleFlavorUpdate = "valence:flavor:update"
	RuleFlavorDelete = "valence:flavor:delete"

	RuleNodeList            = "valence:node:list"
	RuleNodeListAllProjects = "valence:node:list_all_projects"
	RuleNodeGet             = "valence:node:get"
	RuleNodeCompose         = "valence:node:compose"
	RuleNodeDecompose       = "valence:node:decompose"
	RuleNodeAdopt           = "valence:node:adopt"
	RuleNodePower           = "valence:node:power"
	RuleNodeBoot            = "valence:node:boot"
	RuleNodeAttach          = "valence:node:attach"
	RuleNodeDetach          = "valence:node:detach"
	RuleNodeListStorages    = "valence:node:list_storages"

	RuleSystemList = "valence:system:list"
	RuleSystemGet  = "valence:system:get"
	// RuleSystemPower and RuleSystemBoot act on a system that no composed
	// node uses, outside any project: an administrator's by default.
	RuleSystemPower = "valence:system:power"
	RuleSystemBoot  = "valence:system:boot"

	RuleRackList = "valence:rack:list"
	RuleRackGet  = "valence:rack:get"

	RuleStorageList   = "valence:storage:list"
	RuleStorageGet    = "valence:storage:get"
	RuleStorageCreate = "valence:storage:create"
	RuleStorageDelete = "valence:storage:delete"

	// RuleDebugPprof guards Go's runtime profiles, served only with
	// VALENCE_PPROF=true.
	RuleDebugPprof = "valence:debug:pprof"
)

// RuleDoc documents one rule: its name, its default expression and what it
// guards. The generated configs/policy.yaml is made of these.
type RuleDoc struct {
	Name        string
	Default     string
	Description string
}

// Defaults of the operations, written in terms of four helper rules so that
// an operator can change who counts as a reader or member in one place.
const (
	asAdmin         = "rule:admin_required"
	asReader        = "rule:reader"
	asProjectReader = "rule:admin_required or rule:project_reader"
	asProjectMember = "rule:admin_required or rule:project_member"
)

var ruleDocs = []RuleDoc{
	{"admin_required", "role:admin", "Helper: an administrator of the whole service (the admin role in any project)."},
	// Keystone expands implied roles (admin => member => reader), an
	// http_basic users file need not: listing all three keeps both right.
	{"reader", "role:reader or role:member or role:admin", "Helper: may read the shared inventory."},
	{"project_reader", "rule:reader and project_id:%(target.project_id)s", "Helper: may read the target project's nodes."},
	{"project_member", "role:member and project_id:%(target.project_id)s", "Helper: may change the target project's nodes."},

	{RulePodManagerList, asReader, "GET /v1/pod_managers"},
	{RulePodManagerGet, asReader, "GET /v1/pod_managers/{uuid}"},
	{RulePodManagerCreate, asAdmin, "POST /v1/pod_managers"},
	{RulePodManagerUpdate, asAdmin, "PATCH /v1/pod_managers/{uuid}"},
	{RulePodManagerDelete, asAdmin, "DELETE /v1/pod_managers/{uuid}"},

	{RuleFlavorList, asReader, "GET /v1/flavors"},
	{RuleFlavorGet, asReader, "GET /v1/flavors/{uuid}"},
	{RuleFlavorCreate, asAdmin, "POST /v1/flavors"},
	{RuleFlavorUpdate, asAdmin, "PATCH /v1/flavors/{uuid}"},
	{RuleFlavorDelete, asAdmin, "DELETE /v1/flavors/{uuid}"},

	{RuleNodeList, asReader, "GET /v1/nodes (the caller's project's nodes only, unless valence:node:list_all_projects allows all)"},
	{RuleNodeListAllProjects, asAdmin, "GET /v1/nodes lists the nodes of every project, not only the caller's (lists only: the rules of one node are checked against that node's project)"},
	{RuleNodeGet, asProjectReader, "GET /v1/nodes/{uuid} and /v1/nodes/{uuid}/states; a node this denies is answered 404, as if it did not exist"},
	{RuleNodeCompose, asProjectMember, "POST /v1/nodes (target: the caller's project, which the node is recorded in)"},
	{RuleNodeDecompose, asProjectMember, "DELETE /v1/nodes/{uuid}"},
	{RuleNodeAdopt, asAdmin, "POST /v1/nodes/manage (take a node composed outside Valence under management)"},
	{RuleNodePower, asProjectMember, "POST /v1/nodes/{uuid}/action Reset, PUT /v1/nodes/{uuid}/states/power, PUT /v1/nodes/{uuid}/management/inject_nmi"},
	{RuleNodeBoot, asProjectMember, "POST /v1/nodes/{uuid}/action Boot"},
	{RuleNodeAttach, asProjectMember, "POST /v1/nodes/{uuid}/action attach"},
	{RuleNodeDetach, asProjectMember, "POST /v1/nodes/{uuid}/action detach"},
	{RuleNodeListStorages, asProjectReader, "GET /v1/nodes/{uuid}/storages"},

	{RuleSystemList, asReader, "GET /v1/systems"},
	{RuleSystemGet, asReader, "GET /v1/systems/{id}"},
	{RuleSystemPower, asAdmin, "POST /v1/systems/{id}/action Reset, PUT /v1/systems/{id}/states/power, PUT /v1/systems/{id}/management/inject_nmi"},
	{RuleSystemBoot, asAdmin, "POST /v1/systems/{id}/action Boot"},

	{RuleRackList, asReader, "GET /v1/racks"},
	{RuleRackGet, asReader, "GET /v1/racks/{id}"},

	{RuleStorageList, asReader, "GET /v1/storages"},
	{RuleStorageGet, asReader, "GET /v1/storages/{id}"},
	{RuleStorageCreate, asAdmin, "POST /v1/storages"},
	{RuleStorageDelete, asAdmin, "DELETE /v1/storages/{id}"},

	{RuleDebugPprof, asAdmin, "GET /debug/pprof/ (Go's runtime profiles; served only with VALENCE_PPROF=true)"},
}

// Rules returns every rule with its default, helpers first, in the order of
// the generated configs/policy.yaml.
func Rules() []RuleDoc {
	return append([]RuleDoc(nil), ruleDocs...)
}
