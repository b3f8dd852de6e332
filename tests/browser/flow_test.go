package browser

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/valence-rsd/valence/api"
)

// TestBasicFlow is what an operator does on a fresh server with http_basic:
// sign in, register the pod manager, create a flavor, compose a node from
// it, power it off and on, attach and detach a volume, decompose it and
// sign out, checking after each step what the page shows, what the API
// (and the pod manager) hold, and that the console has no error.
func TestBasicFlow(t *testing.T) {
	t.Parallel()
	admin := user{"alice", "alicepass", "ops", []string{"admin"}}
	sim := startSimulator(t, "--systems", "4")
	base := startAPI(t, basicAuthEnv(t, admin)...)
	tb := startBrowser(t).newTab(t, base)

	// Signed out, every page leads to the sign-in form.
	tb.openOK("/ui/nodes")
	if p := tb.path(); !strings.HasPrefix(p, "/ui/login") {
		t.Fatalf("signed out, /ui/nodes led to %s, want the sign-in page", p)
	}
	tb.checkLabels()
	tb.signInBasic(admin)

	// Register the simulator.
	tb.registerPodm("rack-a", sim.url)
	var podms []api.PodManager
	apiGet(t, base, &admin, "/v1/pod_managers", &podms)
	if len(podms) != 1 || podms[0].Name != "rack-a" {
		t.Fatalf("after registering: the API lists %+v", podms)
	}
	pm := podms[0]
	tb.openOK("/ui/podmanagers")
	if ids := tb.rowIDs("podmanagers-table"); !slices.Equal(ids, []string{pm.UUID}) {
		t.Errorf("pod managers table rows %v, want [%s]", ids, pm.UUID)
	}
	if st := tb.cell("podmanagers-table", pm.UUID, "status"); st != api.PodManagerOnline {
		t.Errorf("pod manager status cell %q, want %s", st, api.PodManagerOnline)
	}
	tb.checkConsole()

	// A flavor: first refused with the API's message next to the field,
	// then created.
	tb.openOK("/ui/flavors")
	tb.allowConsole("status of 400")
	tb.fill("name", "")
	tb.fill("properties.processor.total_cores", "-1")
	if status := tb.click("[data-action=create-flavor]"); status != http.StatusBadRequest {
		t.Errorf("a flavor with cores -1: status %d, want 400", status)
	}
	if msg := tb.text("#f-properties-processor-total_cores-error") + tb.text("#f-name-error"); msg == "" {
		t.Errorf("a refused flavor shows no message next to a field: %s", tb.text("main"))
	}
	tb.fill("name", "small")
	tb.fill("properties.processor.total_cores", "1")
	tb.clickOK("[data-action=create-flavor]")
	tb.expectFlashOK("create the flavor")
	flavorID := tb.rowWith("flavors-table", "small")
	var fl api.Flavor
	apiGet(t, base, &admin, "/v1/flavors/"+flavorID, &fl)
	if fl.Name != "small" || fl.Properties.Processor == nil || fl.Properties.Processor.TotalCores != 1 {
		t.Errorf("the flavor created: %+v", fl)
	}
	tb.checkConsole()

	// Compose from the flavor: the job page, then the node.
	tb.openOK("/ui/nodes/new?flavor=" + flavorID)
	if got := tb.attr("#f-flavor_id option:checked", "value"); got != flavorID {
		t.Errorf("compose form with ?flavor=: flavor %q chosen, want %s", got, flavorID)
	}
	tb.checkLabels()
	tb.fill("name", "web-1")
	tb.clickOK("[data-action=compose]")
	if st := tb.waitJob(); st != "done" {
		t.Fatalf("compose job ended %s: %s", st, tb.text("#job"))
	}
	tb.clickOK(`#job a[href^="/ui/nodes/"]`)
	nodeID := strings.TrimPrefix(tb.path(), "/ui/nodes/")
	var node api.NodeDetail
	apiGet(t, base, &admin, "/v1/nodes/"+nodeID, &node)
	if node.Name != "web-1" || node.NodeState != api.NodeAssembled {
		t.Fatalf("the node composed: %+v", node.Node)
	}
	if got := tb.detail("node_state"); got != api.NodeAssembled {
		t.Errorf("node page: state %q, want %s", got, api.NodeAssembled)
	}
	tb.checkConsole()

	// The Overview counts it, the Pod shows its system as used by it.
	tb.openOK("/ui/")
	if got := tb.text(`#node-states tr[data-id="Assembled"] [data-field=count]`); got != "1" {
		t.Errorf("Overview: %q nodes Assembled, want 1", got)
	}
	if node.ComputerSystem == nil {
		t.Fatalf("the node has no computer_system: %+v", node)
	}
	systemID := node.ComputerSystem.ODataID[strings.LastIndex(node.ComputerSystem.ODataID, "/")+1:]
	tb.openOK("/ui/pod")
	if got := tb.attr(fmt.Sprintf(`.systems-table tr[data-id=%q] [data-field=composed_node] a`, systemID), "href"); got != "/ui/nodes/"+nodeID {
		t.Errorf("Pod: system %s links the node %q, want /ui/nodes/%s", systemID, got, nodeID)
	}
	tb.checkConsole()
	tb.openOK("/ui/nodes/" + nodeID)

	// Power off, then on: the page, the API and the pod manager agree.
	for _, step := range []struct{ action, want string }{{"power-off", api.PowerOff}, {"power-on", api.PowerOn}} {
		tb.clickOK("[data-action=" + step.action + "]")
		tb.expectFlashOK(step.action)
		waitAPI(t, base, &admin, "/v1/nodes/"+nodeID, step.want, func(n api.NodeDetail) bool { return n.NodePowerState == step.want })
		if got := sim.powerState(t, node.ResourceURI); got != step.want {
			t.Errorf("after %s the pod manager says %s", step.action, got)
		}
		tb.openOK("/ui/nodes/" + nodeID)
		if got := tb.detail("node_power_state"); got != step.want {
			t.Errorf("after %s the node page shows power %q, want %s", step.action, got, step.want)
		}
		tb.checkConsole()
	}

	// An NMI, after a confirmation.
	tb.takeDialogs()
	tb.clickOK("[data-action=nmi]")
	if d := tb.takeDialogs(); len(d) != 1 || !strings.HasPrefix(d[0], "confirm: ") {
		t.Errorf("NMI asked %q, want one confirm()", d)
	}
	tb.expectFlashOK("nmi")
	tb.checkConsole()

	// A boot override: PXE, once; the pod manager has it.
	tb.fill("enabled", "Once")
	tb.fill("target", "Pxe")
	tb.clickOK("[data-action=boot]")
	tb.expectFlashOK("boot override")
	var sys struct {
		Boot struct{ BootSourceOverrideEnabled, BootSourceOverrideTarget string }
	}
	sim.redfish(t, node.ComputerSystem.ODataID, &sys)
	if sys.Boot.BootSourceOverrideEnabled != "Once" || sys.Boot.BootSourceOverrideTarget != "Pxe" {
		t.Errorf("after the boot override the pod manager's system has %+v", sys.Boot)
	}
	if got := tb.detail("boot_source"); !strings.Contains(got, "Pxe") {
		t.Errorf("after the boot override the node page shows boot %q", got)
	}
	tb.checkConsole()

	// A volume, attached to the node and detached.
	tb.openOK("/ui/volumes")
	tb.fill("podm_id", pm.UUID)
	tb.fill("name", "scratch")
	tb.fill("capacity_gib", "2")
	tb.clickOK("[data-action=create-volume]")
	tb.expectFlashOK("create the volume")
	volID := tb.rowWith("volumes-table", "scratch")
	if got := tb.cell("volumes-table", volID, "attached_to"); got != "" {
		t.Errorf("a new volume shows attached to %q", got)
	}
	tb.openOK("/ui/nodes/" + nodeID)
	tb.fill("resource_id", volID)
	tb.clickOK("[data-action=attach]")
	tb.expectFlashOK("attach the volume")
	var vol api.Storage
	apiGet(t, base, &admin, "/v1/storages/"+volID, &vol)
	if vol.AttachedTo == nil || *vol.AttachedTo != nodeID {
		t.Fatalf("after attach the API says the volume is attached to %v", vol.AttachedTo)
	}
	if !strings.Contains(tb.text("main"), "scratch") {
		t.Errorf("after attach the node page does not name the volume: %s", tb.text("main"))
	}
	tb.openOK("/ui/volumes")
	if got := tb.cell("volumes-table", volID, "attached_to"); !strings.Contains(got, "web-1") {
		t.Errorf("volumes page: attached_to %q, want the node", got)
	}
	tb.openOK("/ui/nodes/" + nodeID)
	tb.clickOK(`[data-action=detach]`)
	tb.expectFlashOK("detach the volume")
	apiGet(t, base, &admin, "/v1/storages/"+volID, &vol)
	if vol.AttachedTo != nil {
		t.Fatalf("after detach the API says the volume is attached to %s", *vol.AttachedTo)
	}
	tb.openOK("/ui/volumes")
	if got := tb.cell("volumes-table", volID, "attached_to"); got != "" {
		t.Errorf("after detach the volumes page shows attached_to %q", got)
	}
	tb.checkConsole()

	// A compose no system can satisfy: the job page shows the refusal with
	// the pod manager's explanation.
	tb.openOK("/ui/nodes/new")
	tb.fill("name", "too-big")
	tb.fill("properties.processor.total_cores", "1000")
	tb.clickOK("[data-action=compose]")
	if st := tb.waitJob(); st != "failed" {
		t.Errorf("a compose of 1000 cores ended %s, want failed: %s", st, tb.text("#job"))
	}
	if text, isErr := tb.flash(); !isErr || tb.count("#job .extended-info li") == 0 {
		t.Errorf("a refused compose shows %q (error %t) and no extended_info: %s", text, isErr, tb.text("#job"))
	}
	tb.checkConsole()

	// Decompose, after a confirmation.
	tb.openOK("/ui/nodes/" + nodeID)
	tb.takeDialogs()
	tb.clickOK("[data-action=decompose]")
	if d := tb.takeDialogs(); len(d) != 1 || !strings.HasPrefix(d[0], "confirm: ") {
		t.Errorf("decompose asked %q, want one confirm()", d)
	}
	tb.expectFlashOK("decompose")
	tb.openOK("/ui/nodes")
	if slices.Contains(tb.rowIDs("nodes-table"), nodeID) {
		t.Errorf("the decomposed node is still listed")
	}
	if status, _ := apiCall(t, base, &admin, http.MethodGet, "/v1/nodes/"+nodeID, nil); status != http.StatusNotFound {
		t.Errorf("GET the decomposed node: %d, want 404", status)
	}
	if n := sim.nodes(t); len(n) != 0 {
		t.Errorf("the pod manager still has nodes %v", n)
	}
	tb.checkConsole()

	// Sign out: the session is gone, also for its old cookie.
	session := tb.sessionCookie()
	tb.clickOK("[data-action=sign-out]")
	tb.openOK("/ui/")
	if p := tb.path(); !strings.HasPrefix(p, "/ui/login") {
		t.Errorf("signed out, /ui/ led to %s, want the sign-in page", p)
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/ui/nodes", nil)
	req.AddCookie(&http.Cookie{Name: session.Name, Value: session.Value})
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/ui/login") {
		t.Errorf("the signed-out session's cookie: GET /ui/nodes answered %d to %q, want 303 to the sign-in", resp.StatusCode, loc)
	}
}

// TestComposeProgress: while the pod manager holds the compose (its
// requests hang until the test lets them go), the job page shows it running
// and for how long; once let go, it shows the node.
func TestComposeProgress(t *testing.T) {
	t.Parallel()
	l := newLab(t, "--systems", "2")
	tb := l.signedIn(t, l.memberA)
	tb.openOK("/ui/nodes/new?flavor=" + l.flavor.UUID)
	tb.fill("name", "held")
	l.sim.setFaults(t, `{"down":"hang"}`)
	tb.clickOK("[data-action=compose]")
	if st := tb.attr("#job", "data-state"); st != "running" {
		t.Errorf("while the pod manager holds the compose the job is %q, want running: %s", st, tb.text("#job"))
	}
	if text := tb.text("#job"); !strings.Contains(text, "running for") {
		t.Errorf("the running job says %q, want how long it has run", text)
	}
	l.sim.setFaults(t, `{}`)
	if st := tb.waitJob(); st != "done" {
		t.Fatalf("the compose let go ended %s: %s", st, tb.text("#job"))
	}
	var nodes []api.Node
	apiGet(t, l.base, &l.memberA, "/v1/nodes?name=held", &nodes)
	if len(nodes) != 1 || nodes[0].NodeState != api.NodeAssembled {
		t.Errorf("the node composed: %+v", nodes)
	}
	tb.checkConsole()
}
