package ui

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/stacktest"
	"github.com/valence-rsd/valence/internal/valence"
)

// composed composes a node named name as user (a member) through the API.
func (f *fixture) composed(t *testing.T, user, name, podmID string) api.Node {
	t.Helper()
	var n api.Node
	body := `{"name":"` + name + `","podm_id":"` + podmID + `","properties":{"processor":{"total_cores":1}}}`
	if status := f.api(t, user, http.MethodPost, "/v1/nodes", body, &n); status != http.StatusCreated {
		t.Fatalf("compose as %s: %d", user, status)
	}
	return n
}

var jobState = regexp.MustCompile(`<div id="job" data-state="([a-z]+)"`)

// waitJob follows the job page at path until the compose ends, as the
// page's script does, and returns the last page.
func (b *browser) waitJob(path string) (state, body string) {
	b.t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		resp, body := b.get(path + "?fragment=job")
		wantStatus(b.t, resp, body, http.StatusOK)
		m := jobState.FindStringSubmatch(body)
		if m == nil {
			b.t.Fatalf("no job state:\n%s", body)
		}
		if m[1] != "running" {
			_, page := b.get(path)
			return m[1], page
		}
	}
	b.t.Fatal("the compose did not end within a minute")
	return "", ""
}

func TestComposeThroughTheForm(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	pm := f.registered(t)
	b := f.signedIn(t, "alice")
	resp, body := b.get("/ui/nodes")
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, "No node is composed.", `href="/ui/nodes/new"`, `data-refresh="/ui/nodes?fragment=list"`)

	resp, body = b.get("/ui/nodes/new")
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `<label for="f-name">`, `<label for="f-flavor_id">`, `<label for="f-podm_id">`,
		`<option value="`+pm.UUID+`">pod1 (Online)</option>`,
		`<label for="f-properties-processor-total_cores">`, `id="f-properties-processor-total_cores" name="properties.processor.total_cores"`,
		`<label for="f-properties-memory-capacity_mib">`, `<label for="f-properties-local_drives-0-capacity_gib">`,
		`<label for="f-properties-network-0-speed_mbps">`, `<label for="f-properties-remote_drives-0-protocol">`,
		`<label for="f-properties-security-tpm">`, `<label for="f-properties-pci_device-type">`, `data-action="compose"`)

	resp, body = b.send("/ui/nodes", url.Values{"name": {"web1"}, "podm_id": {pm.UUID}, "properties.processor.total_cores": {"1"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/ui/jobs/") {
		t.Fatalf("compose: %d %v\n%s", resp.StatusCode, resp.Header, body)
	}
	state, body := b.waitJob(resp.Header.Get("Location"))
	if state != "done" {
		t.Fatalf("compose %s:\n%s", state, body)
	}
	nodes := f.nodes(t, "alice")
	if len(nodes) != 1 || nodes[0].Name != "web1" || nodes[0].ProjectID != "p1" {
		t.Fatalf("nodes %+v", nodes)
	}
	n := nodes[0]
	wantIn(t, body, `data-final`, `<a href="/ui/nodes/`+n.UUID+`">web1</a>`)

	_, body = b.get("/ui/nodes")
	wantIn(t, body, `<table id="nodes-table">`, `<tr data-id="`+n.UUID+`">`, `<td data-field="node_state"><span class="state-Assembled">`,
		`<td data-field="podm_id"><a href="/ui/podmanagers/`+pm.UUID+`">pod1</a>`)
	wantNotIn(t, body, `data-field="project_id"`) // a member sees one project

	resp, body = b.get("/ui/nodes/" + n.UUID)
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `<dl id="node-detail"`, `<dd data-field="node_power_state">`, `<h2>Processors</h2>`, `<h2>Memory</h2>`,
		`<h2>Network interfaces</h2>`, `<h2>Drives</h2>`, `data-refresh="/ui/nodes/`+n.UUID+`?fragment=detail"`)
	for _, action := range []string{"power-on", "power-off", "soft-power-off", "reboot", "soft-reboot", "boot", "decompose"} {
		wantIn(t, body, `data-action="`+action+`"`)
	}
	wantIn(t, body, `data-action="nmi" data-confirm="`, `data-action="decompose" data-confirm="`)
	// Memory in GiB, summed over its modules, as the API reports them.
	var shown api.NodeDetail
	f.api(t, "alice", http.MethodGet, "/v1/nodes/"+n.UUID, "", &shown)
	if shown.Metadata == nil || len(shown.Metadata.Memory) == 0 {
		t.Fatalf("the simulator's node has no memory to show: %+v", shown.Metadata)
	}
	mods := shown.Metadata.Memory
	wantIn(t, body, `<p data-field="memory_total"><strong>`+memorySummary(mods)+`</strong></p>`, "<p>"+mebibytes(mods[0].TotalMemoryMB))
	// The polled part alone.
	resp, body = b.get("/ui/nodes/" + n.UUID + "?fragment=detail")
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `<dl id="node-detail"`)
	wantNotIn(t, body, "<html", `data-action="decompose"`)
}

// TestComposeAsksWhatAFlavorCan: the compose form reads the requirements as
// the flavor form does, every property and each row of the lists, and the
// API receives them all.
func TestComposeAsksWhatAFlavorCan(t *testing.T) {
	var mu sync.Mutex
	var sent []api.NodeCompose
	f := newFixture(t, fixtureOptions{apiWrap: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && r.URL.Path == "/v1/nodes" {
				raw, err := io.ReadAll(r.Body)
				var c api.NodeCompose
				if err == nil {
					err = json.Unmarshal(raw, &c)
				}
				if err != nil {
					t.Errorf("the compose's body: %v", err)
				}
				mu.Lock()
				sent = append(sent, c)
				mu.Unlock()
				r.Body = io.NopCloser(bytes.NewReader(raw))
			}
			next.ServeHTTP(w, r)
		})
	}})
	pm := f.registered(t)
	b := f.signedIn(t, "alice")
	resp, body := b.send("/ui/nodes", url.Values{"name": {"two-of-each"}, "podm_id": {pm.UUID},
		"properties.processor.total_cores":        {"1"},
		"properties.local_drives.0.capacity_gib":  {"1"},
		"properties.local_drives.1.capacity_gib":  {"2"},
		"properties.local_drives.1.type":          {"SSD"},
		"properties.network.0.speed_mbps":         {"1000"},
		"properties.network.1.vlan":               {"42"},
		"properties.security.tpm":                 {"false"},
		"properties.pci_device.type":              {"GPU, FPGA"},
		"properties.remote_drives.0.capacity_gib": {"3"},
		"properties.remote_drives.0.protocol":     {"iSCSI"},
	})
	wantStatus(t, resp, body, http.StatusSeeOther)
	b.waitJob(resp.Header.Get("Location"))
	mu.Lock()
	defer mu.Unlock()
	if len(sent) != 1 || sent[0].Properties == nil {
		t.Fatalf("the API received %+v, want one compose with properties", sent)
	}
	pr := *sent[0].Properties
	want := api.FlavorPropertiesInput{
		Processor:    &api.ProcessorRequirementInput{TotalCores: 1},
		LocalDrives:  []api.LocalDriveRequirementInput{{CapacityGiB: 1}, {CapacityGiB: 2, Type: "SSD"}},
		Network:      []api.NetworkRequirementInput{{SpeedMbps: 1000}, {VLAN: 42}},
		RemoteDrives: []api.RemoteDriveRequirementInput{{CapacityGiB: 3, Protocol: "iSCSI"}},
		Security:     &api.SecurityRequirement{TPM: new(false)},
		PCIDevice:    &api.PCIDeviceRequirement{Type: []string{"GPU", "FPGA"}},
	}
	if !reflect.DeepEqual(pr, want) {
		got, _ := json.Marshal(pr)
		exp, _ := json.Marshal(want)
		t.Fatalf("the API received properties\n%s\nwant\n%s", got, exp)
	}
	if sent[0].Name != "two-of-each" || sent[0].PodmID != pm.UUID || sent[0].FlavorID != "" {
		t.Fatalf("the API received %+v", sent[0])
	}
}

// TestComposeFormShowsEveryRowAgain: a compose refused for a field that
// cannot be read shows the form again with each list's filled rows and one
// empty row more.
func TestComposeFormShowsEveryRowAgain(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	f.registered(t)
	b := f.signedIn(t, "alice")
	resp, body := b.send("/ui/nodes", url.Values{"name": {"web1"},
		"properties.local_drives.0.capacity_gib": {"1"}, "properties.local_drives.1.capacity_gib": {"two"},
		"properties.network.0.speed_mbps": {"10"}, "properties.network.1.speed_mbps": {"20"}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	wantIn(t, body, `<p class="field-error" id="f-properties-local_drives-1-capacity_gib-error">`,
		`name="properties.local_drives.1.capacity_gib" value="two"`, `id="f-properties-local_drives-2-capacity_gib"`,
		`name="properties.network.1.speed_mbps" value="20"`, `id="f-properties-network-2-speed_mbps"`)
	wantNotIn(t, body, `id="f-properties-local_drives-3-capacity_gib"`, `id="f-properties-network-3-speed_mbps"`)
	if nodes := f.nodes(t, "alice"); len(nodes) != 0 {
		t.Fatalf("composed %+v", nodes)
	}
}

func TestComposeFormRefusesWhatIsNotANumber(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	f.registered(t)
	b := f.signedIn(t, "alice")
	resp, body := b.send("/ui/nodes", url.Values{"name": {"web1"}, "properties.processor.total_cores": {"four"}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	wantIn(t, body, `<p class="field-error" id="f-properties-processor-total_cores-error">`, `value="four"`)
	if n := len(f.dash.sessions.byID); n != 1 {
		t.Fatalf("%d sessions", n)
	}
	nodes := f.nodes(t, "alice")
	if len(nodes) != 0 {
		t.Fatalf("composed %+v", nodes)
	}
}

func TestComposeRefusedShowsWhyAndTheFieldsAgain(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	pm := f.registered(t)
	b := f.signedIn(t, "alice")
	// Beyond the API's bound: refused with the field's message.
	resp, body := b.send("/ui/nodes", url.Values{"name": {"big"}, "podm_id": {pm.UUID}, "properties.processor.total_cores": {"100000"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	job := resp.Header.Get("Location")
	state, body := b.waitJob(job)
	if state != "failed" {
		t.Fatalf("compose %s:\n%s", state, body)
	}
	wantIn(t, body, `id="flash" role="alert" class="flash error"`, "processor.total_cores must be at most", `href="/ui/nodes/new?job=`)
	resp, body = b.get("/ui/nodes/new?job=" + strings.TrimPrefix(job, "/ui/jobs/"))
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `<p class="field-error" id="f-properties-processor-total_cores-error">processor.total_cores must be at most`,
		`name="properties.processor.total_cores" value="100000"`, `name="name" value="big"`)

	// A list's entry beyond the bound: the message on the list, whose
	// entry the API does not name.
	resp, body = b.send("/ui/nodes", url.Values{"name": {"wide"}, "properties.local_drives.0.capacity_gib": {"1"},
		"properties.local_drives.1.capacity_gib": {"2000000"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	job = resp.Header.Get("Location")
	if state, body := b.waitJob(job); state != "failed" {
		t.Fatalf("compose %s:\n%s", state, body)
	}
	resp, body = b.get("/ui/nodes/new?job=" + strings.TrimPrefix(job, "/ui/jobs/"))
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `<p class="field-error" id="f-properties-local_drives-error">local_drives.capacity_gib must be at most`,
		`name="properties.local_drives.1.capacity_gib" value="2000000"`)

	// More than the pod has: the pod manager's refusal, with its messages.
	resp, body = b.send("/ui/nodes", url.Values{"name": {"huge"}, "podm_id": {pm.UUID}, "properties.memory.capacity_mib": {"60000000"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	state, body = b.waitJob(resp.Header.Get("Location"))
	if state != "failed" {
		t.Fatalf("compose %s:\n%s", state, body)
	}
	wantIn(t, body, `<ul class="extended-info"><li>`)
}

func TestNodeActions(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	pm := f.registered(t)
	n := f.composed(t, "alice", "web1", pm.UUID)
	var vol api.Storage
	if status := f.api(t, "admin", http.MethodPost, "/v1/storages", `{"podm_id":"`+pm.UUID+`","capacity_gib":10,"name":"data1"}`, &vol); status != http.StatusCreated {
		t.Fatalf("create volume: %d", status)
	}
	b := f.signedIn(t, "alice")
	node := "/ui/nodes/" + n.UUID
	power := func() string {
		var st api.NodeStates
		f.api(t, "alice", http.MethodGet, "/v1/nodes/"+n.UUID+"/states", "", &st)
		return st.PowerState
	}

	for _, step := range []struct{ target, want string }{{"power off", api.PowerOff}, {"power on", api.PowerOn}} {
		resp, body := b.send(node+"/power", url.Values{"target": {step.target}})
		wantRedirect(t, resp, body, node)
		if got := power(); got != step.want {
			t.Fatalf("after %q the power is %s", step.target, got)
		}
		_, body = b.get(node)
		wantIn(t, body, `class="flash ok"`, "Power change sent.", `<dd data-field="node_power_state">`+step.want+`</dd>`)
	}
	resp, body := b.send(node+"/power", url.Values{"target": {"explode"}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	wantIn(t, body, "is not one of")

	resp, body = b.send(node+"/boot", url.Values{"enabled": {"Once"}, "target": {"Pxe"}, "mode": {""}})
	wantRedirect(t, resp, body, node)
	resp, body = b.send(node+"/boot", url.Values{"enabled": {"Sometimes"}, "target": {"Pxe"}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	wantIn(t, body, `<p class="field-error" id="f-enabled-error">Boot.Enabled`)

	resp, body = b.send(node+"/nmi", url.Values{})
	wantRedirect(t, resp, body, node)

	// Attach the free volume, then detach it.
	_, body = b.get(node)
	wantIn(t, body, "No volume is attached.", `<label for="f-resource_id">`, `<option value="`+vol.ID+`">`)
	resp, body = b.send(node+"/attach", url.Values{"resource_id": {vol.ID}})
	wantRedirect(t, resp, body, node)
	_, body = b.get(node)
	wantIn(t, body, "Volume attached.", `<table id="node-volumes-table">`, `<tr data-id="`+vol.ID+`">`, `data-action="detach"`)
	wantNotIn(t, body, `<option value="`+vol.ID+`">`)
	resp, body = b.send(node+"/detach", url.Values{"resource_id": {vol.ID}})
	wantRedirect(t, resp, body, node)
	_, body = b.get(node)
	wantIn(t, body, "Volume detached.", "No volume is attached.")
	resp, body = b.send(node+"/attach", url.Values{"resource_id": {"no-such-volume"}})
	wantStatus(t, resp, body, http.StatusNotFound)
	wantIn(t, body, `<dl id="node-detail"`, "Storage no-such-volume not found")

	resp, body = b.send(node+"/delete", url.Values{})
	wantRedirect(t, resp, body, "/ui/nodes")
	_, body = b.get("/ui/nodes")
	wantIn(t, body, "Node "+n.UUID+" decomposed.", "No node is composed.")
	resp, body = b.get(node)
	wantStatus(t, resp, body, http.StatusNotFound)
}

func TestReaderSeesNoNodeControlsAndIsRefused(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	pm := f.registered(t)
	n := f.composed(t, "alice", "web1", pm.UUID)
	power := func() string {
		var st api.NodeStates
		f.api(t, "alice", http.MethodGet, "/v1/nodes/"+n.UUID+"/states", "", &st)
		return st.PowerState
	}
	before := power()
	b := f.signedIn(t, "rita") // a reader of alice's project
	resp, body := b.get("/ui/nodes")
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `<tr data-id="`+n.UUID+`">`)
	wantNotIn(t, body, `href="/ui/nodes/new"`)
	resp, body = b.get("/ui/nodes/" + n.UUID)
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `<dl id="node-detail"`)
	wantNotIn(t, body, "data-action=\"power", "data-action=\"soft", "data-action=\"reboot", `data-action="nmi"`, `data-action="boot"`,
		`data-action="attach"`, `data-action="detach"`, `data-action="decompose"`, `method="post" action="/ui/nodes/`)
	// Forms sent anyway meet the API's policy, and nothing changes.
	for _, path := range []string{"/power", "/nmi", "/delete"} {
		resp, body = b.send("/ui/nodes/"+n.UUID+path, url.Values{"target": {"power off"}})
		wantStatus(t, resp, body, http.StatusForbidden)
		wantIn(t, body, `class="flash error"`, "Policy does not allow")
	}
	resp, body = b.send("/ui/nodes", url.Values{"name": {"mine"}, "podm_id": {pm.UUID}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	state, body := b.waitJob(resp.Header.Get("Location"))
	if state != "failed" || !strings.Contains(body, "valence:node:compose") {
		t.Fatalf("a reader's compose %s:\n%s", state, body)
	}
	if got := power(); got != before {
		t.Fatalf("power %s, was %s", got, before)
	}
}

func TestAnotherProjectsNodeIsNotFound(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	pm := f.registered(t)
	n := f.composed(t, "alice", "web1", pm.UUID)
	b := f.signedIn(t, "bob") // a member of another project
	resp, body := b.get("/ui/nodes/" + n.UUID)
	wantStatus(t, resp, body, http.StatusNotFound)
	wantIn(t, body, "nothing you may see")
	wantNotIn(t, body, "web1")
	resp, body = b.send("/ui/nodes/"+n.UUID+"/power", url.Values{"target": {"power off"}})
	wantStatus(t, resp, body, http.StatusNotFound)
	_, body = b.get("/ui/nodes")
	wantNotIn(t, body, n.UUID)

	// An administrator sees every project's nodes, with the project.
	a := f.signedIn(t, "admin")
	_, body = a.get("/ui/nodes")
	wantIn(t, body, `<tr data-id="`+n.UUID+`">`, `<td data-field="project_id">p1</td>`)
}

func TestJobsBelongToTheirSession(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	pm := f.registered(t)
	alice := f.signedIn(t, "alice")
	resp, body := alice.send("/ui/nodes", url.Values{"name": {"web1"}, "podm_id": {pm.UUID}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	job := resp.Header.Get("Location")
	alice.waitJob(job)
	other := f.signedIn(t, "alice")
	resp, body = other.get(job)
	wantStatus(t, resp, body, http.StatusNotFound)
}

func TestSessionJobsAreBounded(t *testing.T) {
	now := time.Now()
	s := &session{}
	running := func() *job { return &job{id: randomID(), started: now} }
	for range MaxSessionJobs {
		if !s.addJob(running(), now) {
			t.Fatal("a job refused below the bound")
		}
	}
	if s.addJob(running(), now) {
		t.Fatal("a job past the bound while all run")
	}
	// One ends: its room is taken when needed, and it is forgotten.
	var first *job
	for _, j := range s.jobs {
		first = j
		break
	}
	first.finish(nil, valence.Errorf(valence.Conflict, "no"), now)
	if !s.addJob(running(), now) || s.job(first.id) != nil || len(s.jobs) != MaxSessionJobs {
		t.Fatalf("the ended job was not replaced: %d jobs", len(s.jobs))
	}
	// An ended job is kept for JobKept, then forgotten.
	s = &session{}
	done := running()
	done.finish(&api.Node{}, nil, now)
	s.addJob(done, now)
	s.addJob(running(), now.Add(JobKept))
	if s.job(done.id) == nil {
		t.Fatal("an ended job was forgotten early")
	}
	s.addJob(running(), now.Add(JobKept+time.Second))
	if s.job(done.id) != nil {
		t.Fatal("an ended job was kept past JobKept")
	}
}

func TestAdoptANodeComposedOutside(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	pm := f.registered(t)
	req, _ := http.NewRequest(http.MethodPost, f.stack.SimURL+"/redfish/v1/Nodes/Actions/Allocate", strings.NewReader(`{"Name":"outside"}`))
	req.SetBasicAuth(stacktest.SimUser, stacktest.SimPassword)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("Allocate on the simulator: %d", resp.StatusCode)
	}
	index := path.Base(resp.Header.Get("Location"))

	member := f.signedIn(t, "alice")
	_, body := member.get("/ui/nodes")
	wantNotIn(t, body, `data-action="adopt"`)

	b := f.signedIn(t, "admin")
	_, body = b.get("/ui/nodes")
	wantIn(t, body, `data-action="adopt"`, `<label for="f-node_index">`, `<option value="`+pm.UUID+`">pod1</option>`)
	r, body := b.send("/ui/nodes/manage", url.Values{"podm_id": {pm.UUID}, "node_index": {"999"}})
	wantStatus(t, r, body, http.StatusNotFound)
	wantIn(t, body, `data-action="adopt"`, `class="flash error"`, `value="999"`)
	r, body = b.send("/ui/nodes/manage", url.Values{"podm_id": {pm.UUID}, "node_index": {index}})
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/ui/nodes/") {
		t.Fatalf("adopt: %d %v\n%s", r.StatusCode, r.Header, body)
	}
	_, body = b.get(r.Header.Get("Location"))
	wantIn(t, body, "Node outside adopted.", `<dl id="node-detail"`)
}
