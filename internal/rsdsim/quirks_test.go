package rsdsim

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestQuirkDeadLinks(t *testing.T) {
	ts := newTestServer(t, Config{Systems: 8, Quirks: Quirks{DeadLinks: []string{PartMemory, PartProcessors}, DeadLinkShare: 0.25}})
	for n, dead := range map[string]bool{"System1": false, "System3": false, "System4": true, "System8": true} {
		p := systemsPath + "/" + n
		sys := ts.do(http.MethodGet, p, nil).mustStatus(t, http.StatusOK)
		// The system links every part, dead or not.
		if get(sys.body, "Memory", "@odata.id") != p+"/Memory" || get(sys.body, "Processors", "@odata.id") != p+"/Processors" {
			t.Errorf("%s does not link its parts: %s", n, sys.raw)
		}
		want := http.StatusOK
		if dead {
			want = http.StatusNotFound
		}
		for _, part := range []string{"/Memory", "/Processors"} {
			if got := ts.do(http.MethodGet, p+part, nil).status; got != want {
				t.Errorf("GET %s%s: %d, want %d", n, part, got, want)
			}
		}
		ts.do(http.MethodGet, p+"/EthernetInterfaces", nil).mustStatus(t, http.StatusOK)
	}
}

func TestQuirkProcessors(t *testing.T) {
	ts := newTestServer(t, Config{Systems: 1, Quirks: Quirks{AbsentSockets: 1, Accelerators: []string{AccelFPGA, AccelGPU}}})
	p := systemsPath + "/System1"
	sys := ts.do(http.MethodGet, p, nil).mustStatus(t, http.StatusOK)
	cpus := get(sys.body, "ProcessorSummary", "Count").(float64)
	coll := ts.do(http.MethodGet, p+"/Processors", nil).mustStatus(t, http.StatusOK)
	members := get(coll.body, "Members").([]any)
	if len(members) != int(cpus)+3 {
		t.Fatalf("%d processors for %v CPUs, want the CPUs, an empty socket, an FPGA and a GPU", len(members), cpus)
	}
	var kinds []string
	for _, m := range members {
		d := ts.do(http.MethodGet, m.(map[string]any)["@odata.id"].(string), nil).mustStatus(t, http.StatusOK)
		kind := get(d.body, "ProcessorType").(string)
		if get(d.body, "Status", "State") == "Absent" {
			kind = "Absent"
		}
		kinds = append(kinds, kind)
	}
	want := slices.Repeat([]string{"CPU"}, int(cpus))
	want = append(want, "Absent", "FPGA", "GPU")
	if !slices.Equal(kinds, want) {
		t.Errorf("processors %v, want %v", kinds, want)
	}
}

func TestQuirkUUIDs(t *testing.T) {
	ts := newTestServer(t, Config{Systems: 5, Quirks: Quirks{SharedUUID: 3, NoUUID: 1}})
	uuids := map[string]any{}
	for _, n := range []string{"System1", "System2", "System3", "System4", "System5"} {
		uuids[n] = get(ts.do(http.MethodGet, systemsPath+"/"+n, nil).mustStatus(t, http.StatusOK).body, "UUID")
	}
	if uuids["System1"] == nil || uuids["System2"] != uuids["System1"] || uuids["System3"] != uuids["System1"] {
		t.Errorf("the first three do not share a UUID: %v", uuids)
	}
	if uuids["System4"] == nil || uuids["System4"] == uuids["System1"] || uuids["System5"] != nil {
		t.Errorf("System4 should have its own UUID and System5 none: %v", uuids)
	}
}

func TestQuirkNoRacks(t *testing.T) {
	ts := newTestServer(t, Config{Systems: 2, Quirks: Quirks{NoRacks: true}})
	coll := ts.do(http.MethodGet, chassisPath, nil).mustStatus(t, http.StatusOK)
	for _, m := range get(coll.body, "Members").([]any) {
		c := ts.do(http.MethodGet, m.(map[string]any)["@odata.id"].(string), nil).mustStatus(t, http.StatusOK)
		if kind := get(c.body, "ChassisType"); kind == "Rack" {
			t.Errorf("%s is a Rack", c.raw)
		}
	}
	if kind := get(ts.do(http.MethodGet, chassisPath+"/Rack1", nil).mustStatus(t, http.StatusOK).body, "ChassisType"); kind != "Enclosure" {
		t.Errorf("Rack1 is a %v, want an Enclosure", kind)
	}
}

func TestQuirksValidated(t *testing.T) {
	for _, q := range []Quirks{
		{DeadLinks: []string{"bios"}},
		{DeadLinkShare: 1.5},
		{AbsentSockets: -1},
		{AbsentSockets: maxAbsentSockets + 1},
		{Accelerators: []string{"TPU"}},
		{SharedUUID: -1},
		{NoUUID: maxSystems + 1},
		{ETags: "weak"},
		{IfMatchRequired: http.StatusBadRequest},
		{IfMatchRequired: http.StatusPreconditionRequired, ETags: ETagsNone},
	} {
		if _, err := New(Config{Systems: 1, Quirks: q}); err == nil {
			t.Errorf("New accepted %+v", q)
		}
	}
}

func TestQuirkNoSystemNodeLink(t *testing.T) {
	for _, quirk := range []bool{false, true} {
		ts := newTestServer(t, Config{Systems: 2, Quirks: Quirks{NoSystemNodeLink: quirk}})
		node := ts.do(http.MethodPost, "/redfish/v1/Nodes/Actions/Allocate", map[string]any{}).mustStatus(t, http.StatusCreated)
		loc, _ := url.Parse(node.header.Get("Location"))
		sysPath := get(ts.do(http.MethodGet, loc.Path, nil).mustStatus(t, http.StatusOK).body, "Links", "ComputerSystem", "@odata.id").(string)
		oem := get(ts.do(http.MethodGet, sysPath, nil).mustStatus(t, http.StatusOK).body, "Links", "Oem", "Intel_RackScale").(map[string]any)
		if _, linked := oem["ComposedNode"]; linked == quirk {
			t.Errorf("NoSystemNodeLink %t: the system's Intel_RackScale links are %v", quirk, oem)
		}
	}
}

// The RSD Allocate keeps the request's Description on the node, whole (a compose's mark and
// the longest description Valence takes); DropDescription plays a pod manager that does not.
func TestQuirkDropDescription(t *testing.T) {
	description := "valence-compose:0b7e4a52-2c9f-4a39-9a53-4b9f3e1c2d10 " + strings.Repeat("é", 512)
	for _, quirk := range []bool{false, true} {
		ts := newTestServer(t, Config{Systems: 1, Quirks: Quirks{DropDescription: quirk}})
		node := ts.do(http.MethodPost, "/redfish/v1/Nodes/Actions/Allocate", map[string]any{"Name": "web-1", "Description": description}).mustStatus(t, http.StatusCreated)
		loc, _ := url.Parse(node.header.Get("Location"))
		body := ts.do(http.MethodGet, loc.Path, nil).mustStatus(t, http.StatusOK).body
		want := description
		if quirk {
			want = ""
		}
		if got := get(body, "Description"); got != want || get(body, "Name") != "web-1" {
			t.Errorf("DropDescription %t: the node's Name %v, Description %q; want web-1, %q", quirk, get(body, "Name"), got, want)
		}
	}
}

func TestQuirkETags(t *testing.T) {
	for _, tc := range []struct {
		mode        string
		tagged      bool // the answers carry an ETag
		notModified bool // a GET naming the current one is answered 304
	}{
		{"", true, true},
		{ETagsNone, false, false},
		{ETagsIgnored, true, false},
	} {
		ts := newTestServer(t, Config{Systems: 2, Quirks: Quirks{ETags: tc.mode}})
		// A resource and a collection: both carry the tidy service's ETag.
		for _, p := range []string{systemsPath + "/System1", systemsPath} {
			tidy := `W/"x"`
			first := ts.do(http.MethodGet, p, nil).mustStatus(t, http.StatusOK)
			if tag := first.header.Get("ETag"); (tag != "") != tc.tagged {
				t.Errorf("ETags %q: GET %s has ETag %q", tc.mode, p, tag)
			} else if tag != "" {
				tidy = tag
			}
			again := ts.do(http.MethodGet, p, nil, "If-None-Match", tidy)
			want := http.StatusOK
			if tc.notModified {
				want = http.StatusNotModified
			}
			if again.status != want || (want == http.StatusOK && !bytes.Equal(again.raw, first.raw)) {
				t.Errorf("ETags %q: GET %s with If-None-Match %s: %d %s, want %d", tc.mode, p, tidy, again.status, again.raw, want)
			}
		}
	}
}

// ifMatchTarget is a resource that takes a PATCH of Boot in one of the models.
type ifMatchTarget struct {
	name string
	cfg  Config
	path func(ts *testServer) string
}

var ifMatchTargets = []ifMatchTarget{
	{"RSD node", Config{}, func(ts *testServer) string { return ts.allocate(m{}) }},
	{"plain system", Config{RSDVersion: VersionNone}, func(*testServer) string { return systemsPath + "/System1" }},
	{"DMTF composed system", Config{Model: ModelDMTF}, func(ts *testServer) string {
		for _, b := range ts.zoneBlocks("1") {
			if strings.Contains(b, "/Compute") {
				return ts.do("POST", systemsPath, m{"Name": "patched", "Links": blockRefs(b)}).mustStatus(ts.t, http.StatusCreated).header.Get("Location")
			}
		}
		ts.t.Fatal("no Compute block in zone 1")
		return ""
	}},
}

// Whatever the quirk, an If-Match that is not the current ETag (weak or strong, compared as
// strings) is refused 412; the quirk refuses a PATCH without one; a refusal changes nothing.
func TestQuirkIfMatchRequired(t *testing.T) {
	for _, target := range ifMatchTargets {
		for _, status := range []int{0, http.StatusPreconditionRequired, http.StatusPreconditionFailed} {
			cfg := target.cfg
			cfg.Quirks.IfMatchRequired = status
			ts := newTestServer(t, cfg)
			p := target.path(ts)
			boot := func(target string) m {
				return m{"Boot": m{"BootSourceOverrideEnabled": "Once", "BootSourceOverrideTarget": target}}
			}
			before := ts.do("GET", p, nil).mustStatus(t, http.StatusOK)
			etag := before.header.Get("ETag")
			type refusal struct {
				ifMatch string
				status  int
				code    string
			}
			refusals := []refusal{
				{`W/"0"`, http.StatusPreconditionFailed, codePreconditionFailed},
				{strings.TrimPrefix(etag, "W/"), http.StatusPreconditionFailed, codePreconditionFailed},
			}
			switch status {
			case http.StatusPreconditionRequired:
				refusals = append(refusals, refusal{"", status, codePreconditionRequired})
			case http.StatusPreconditionFailed:
				refusals = append(refusals, refusal{"", status, codePreconditionFailed})
			}
			for _, c := range refusals {
				r := ts.do("PATCH", p, boot("Pxe"), "If-Match", c.ifMatch)
				if r.status != c.status || r.errorCode(t) != c.code {
					t.Errorf("%s, quirk %d, If-Match %q: %d %s, want %d %s", target.name, status, c.ifMatch, r.status, r.raw, c.status, c.code)
				}
				if after := ts.do("GET", p, nil); !bytes.Equal(after.raw, before.raw) {
					t.Errorf("%s, quirk %d: a PATCH refused for If-Match %q changed %s", target.name, status, c.ifMatch, p)
				}
			}
			ts.do("PATCH", p, boot("Pxe"), "If-Match", etag).mustStatus(t, http.StatusOK)
			r := ts.do("PATCH", p, boot("Hdd"), "If-Match", "*").mustStatus(t, http.StatusOK)
			if got := get(r.body, "Boot", "BootSourceOverrideTarget"); got != "Hdd" || r.header.Get("ETag") == etag {
				t.Errorf("%s, quirk %d: after PATCHes with the ETag and *: target %v, ETag %s", target.name, status, got, r.header.Get("ETag"))
			}
			if status == 0 {
				ts.do("PATCH", p, boot("Pxe")).mustStatus(t, http.StatusOK)
			}
		}
	}
}
