package redfish_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/valence-rsd/valence/redfish"
)

// service serves fixed documents by path; a path missing from docs is a 404
// and one in fail answers that status.
type service struct {
	docs map[string]string
	fail map[string]int
}

func (s service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimSuffix(r.URL.Path, "/")
	if status := s.fail[p]; status != 0 {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"error":{"code":"Base.1.0.InternalError","message":"injected"}}`))
		return
	}
	d, ok := s.docs[p]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":{"code":"Base.1.0.ResourceMissingAtURI","message":"not found"}}`))
		return
	}
	_, _ = w.Write([]byte(d))
}

const sys1 = "/redfish/v1/Systems/1"

// plainSystem is a plain Redfish service of one system whose parts are the
// given documents; summary is the system's ProcessorSummary.
func plainSystem(summary string, parts map[string]string) map[string]string {
	docs := map[string]string{
		"/redfish/v1":         `{"RedfishVersion":"1.6.0","Systems":{"@odata.id":"/redfish/v1/Systems"}}`,
		"/redfish/v1/Systems": `{"Members":[{"@odata.id":"` + sys1 + `"}]}`,
		sys1: `{"@odata.id":"` + sys1 + `","Id":"1","UUID":"u-1","ProcessorSummary":` + summary + `,
			"Processors":{"@odata.id":"` + sys1 + `/Processors"},"Memory":{"@odata.id":"` + sys1 + `/Memory"},
			"SimpleStorage":{"@odata.id":"` + sys1 + `/SimpleStorage"},
			"EthernetInterfaces":{"@odata.id":"` + sys1 + `/EthernetInterfaces"}}`,
	}
	for k, v := range parts {
		docs[sys1+k] = v
	}
	return docs
}

func connectTo(t *testing.T, h http.Handler) *redfish.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := redfish.Connect(context.Background(), redfish.Config{Endpoint: srv.URL, Retry: redfish.Retry{Attempts: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// processors of public-rackmount1 and public-cxl-multiswitch together: a
// CPU, an empty socket, an FPGA and a GPU.
var processors = map[string]string{
	"/Processors": `{"Members":[{"@odata.id":"` + sys1 + `/Processors/CPU1"},{"@odata.id":"` + sys1 + `/Processors/CPU2"},
		{"@odata.id":"` + sys1 + `/Processors/FPGA1"},{"@odata.id":"` + sys1 + `/Processors/GPU1"}]}`,
	"/Processors/CPU1":    `{"Id":"CPU1","ProcessorType":"CPU","Model":"Xeon","InstructionSet":"x86-64","TotalCores":8,"Status":{"State":"Enabled"}}`,
	"/Processors/CPU2":    `{"Id":"CPU2","ProcessorType":"CPU","Status":{"State":"Absent"}}`,
	"/Processors/FPGA1":   `{"Id":"FPGA1","ProcessorType":"FPGA","Model":"Stratix10","Status":{"State":"Enabled"}}`,
	"/Processors/GPU1":    `{"Id":"GPU1","ProcessorType":"GPU","Model":"A100","Status":{"State":"Enabled"}}`,
	"/Memory":             `{"Members":[]}`,
	"/SimpleStorage":      `{"Members":[]}`,
	"/EthernetInterfaces": `{"Members":[]}`,
}

func TestSystemCountsPresentCPUs(t *testing.T) {
	for _, c := range []struct {
		name, summary string
		want          int
	}{
		{"counted", `{}`, 1},
		{"summary's count", `{"Count":2}`, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			rc := connectTo(t, service{docs: plainSystem(c.summary, processors)})
			s, err := rc.GetSystem(context.Background(), "1")
			if err != nil {
				t.Fatal(err)
			}
			if s.ProcessorCount != c.want || s.Cores != 8 || s.ProcessorModel != "Xeon" || s.Arch != "x86-64" {
				t.Errorf("count %d, cores %d, model %q, arch %q; want %d, 8, Xeon, x86-64",
					s.ProcessorCount, s.Cores, s.ProcessorModel, s.Arch, c.want)
			}
			want := []redfish.Accelerator{{Type: "FPGA", Model: "Stratix10"}, {Type: "GPU", Model: "A100"}}
			if len(s.Accelerators) != 2 || s.Accelerators[0] != want[0] || s.Accelerators[1] != want[1] {
				t.Errorf("accelerators %+v, want %+v", s.Accelerators, want)
			}
			if len(s.Warnings) != 0 {
				t.Errorf("warnings %q", s.Warnings)
			}
		})
	}
}

func TestSystemDegradesPerPart(t *testing.T) {
	// Memory, SimpleStorage and EthernetInterfaces are dead links (sushy-tools'
	// emulator answers 404 for its Memory), the processors answer 500.
	svc := service{docs: plainSystem(`{"Count":2,"Model":"Xeon"}`, nil), fail: map[string]int{sys1 + "/Processors": 500}}
	rc := connectTo(t, svc)
	s, err := rc.GetSystem(context.Background(), "1")
	if err != nil {
		t.Fatalf("GetSystem: %v, want the system with warnings", err)
	}
	if s.UUID != "u-1" || s.ProcessorCount != 2 || s.ProcessorModel != "Xeon" {
		t.Errorf("system %+v: want what the system itself says", s)
	}
	parts := []string{"processors unknown: GET " + sys1 + "/Processors: 500", "memory unknown: GET " + sys1 + "/Memory: 404",
		"storage unknown: GET " + sys1 + "/SimpleStorage: 404", "network interfaces unknown: GET " + sys1 + "/EthernetInterfaces: 404"}
	if len(s.Warnings) != len(parts) {
		t.Fatalf("warnings %q, want one for each of %q", s.Warnings, parts)
	}
	for i, p := range parts {
		if !strings.HasPrefix(s.Warnings[i], p) {
			t.Errorf("warning %d: %q, want it to start %q", i, s.Warnings[i], p)
		}
	}

	// The list keeps the system, warnings and all.
	list, err := rc.Systems(context.Background())
	if err != nil || len(list) != 1 || len(list[0].Warnings) != len(parts) {
		t.Errorf("Systems: %d systems, %v", len(list), err)
	}

	// The system's own 404 means it is gone.
	delete(svc.docs, sys1)
	if _, err := rc.GetSystem(context.Background(), "1"); !redfish.IsNotFound(err) {
		t.Errorf("GetSystem of a system gone: %v, want a 404", err)
	}
	if list, err := rc.Systems(context.Background()); len(list) != 0 || !redfish.IsNotFound(err) {
		t.Errorf("Systems with the system gone: %d systems, %v; want none and its 404", len(list), err)
	}
}

func TestSystemPartsNotReadAfterDeadline(t *testing.T) {
	rc := connectTo(t, service{docs: plainSystem(`{}`, processors)})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if s, err := rc.GetSystem(ctx, "1"); err == nil {
		t.Errorf("GetSystem on an ended context: %+v, want an error rather than a system of unknown parts", s)
	}
}

func TestRacksOnlyWithARack(t *testing.T) {
	for _, c := range []struct {
		name    string
		chassis []string // ChassisType of each member, in order
		want    bool
	}{
		{"rack-mount server", []string{"RackMount"}, false},
		{"blade enclosure", []string{"Enclosure", "Blade", "Blade"}, false},
		{"rack after a pod", []string{"Pod", "Rack", "Drawer"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			docs := plainSystem(`{}`, nil)
			docs["/redfish/v1"] = `{"RedfishVersion":"1.6.0","Systems":{"@odata.id":"/redfish/v1/Systems"},"Chassis":{"@odata.id":"/redfish/v1/Chassis"}}`
			var members []string
			for i, kind := range c.chassis {
				p := "/redfish/v1/Chassis/" + string(rune('A'+i))
				docs[p] = `{"@odata.id":"` + p + `","Id":"` + p[len(p)-1:] + `","ChassisType":"` + kind + `"}`
				members = append(members, `{"@odata.id":"`+p+`"}`)
			}
			docs["/redfish/v1/Chassis"] = `{"Members":[` + strings.Join(members, ",") + `]}`
			info := connectTo(t, service{docs: docs}).Info()
			if info.Has(redfish.CapRacks) != c.want || !info.Has(redfish.CapChassis) {
				t.Errorf("capabilities %v, want racks %v", info.Capabilities, c.want)
			}
		})
	}
}

// LocateSystem follows the system's chassis up its ContainedBy links; a
// chain it cannot read, or one that goes round, leaves Location empty with
// a warning, and the rest of the system read.
func TestLocateSystemFollowsContainedBy(t *testing.T) {
	docs := plainSystem(`{"Count":1}`, processors)
	docs[sys1] = strings.Replace(docs[sys1], `"Id":"1",`, `"Id":"1","Links":{"Chassis":[{"@odata.id":"/redfish/v1/Chassis/Sled1"}]},`, 1)
	docs["/redfish/v1/Chassis/Sled1"] = `{"Id":"Sled1","Links":{"ContainedBy":{"@odata.id":"/redfish/v1/Chassis/Drawer1"}}}`
	docs["/redfish/v1/Chassis/Drawer1"] = `{"Id":"Drawer1","Links":{"ContainedBy":{"@odata.id":"/redfish/v1/Chassis/Rack1"}}}`
	docs["/redfish/v1/Chassis/Rack1"] = `{"Id":"Rack1","Links":{}}`
	svc := service{docs: docs, fail: map[string]int{}}
	rc := connectTo(t, svc)
	s, err := rc.LocateSystem(context.Background(), "1")
	if err != nil || s.Location != "Rack1/Drawer1/Sled1" || len(s.Warnings) != 0 || s.Cores != 8 {
		t.Fatalf("LocateSystem: %+v, %v; want Location Rack1/Drawer1/Sled1, no warnings", s, err)
	}

	svc.fail["/redfish/v1/Chassis/Drawer1"] = http.StatusInternalServerError
	s, err = rc.LocateSystem(context.Background(), "1")
	if err != nil || s.Location != "" || len(s.Warnings) != 1 || !strings.HasPrefix(s.Warnings[0], "location unknown: GET /redfish/v1/Chassis/Drawer1: 500") || s.Cores != 8 {
		t.Errorf("with a chassis failing: %+v, %v; want no Location and one warning", s, err)
	}
	delete(svc.fail, "/redfish/v1/Chassis/Drawer1")

	docs["/redfish/v1/Chassis/Rack1"] = `{"Id":"Rack1","Links":{"ContainedBy":{"@odata.id":"/redfish/v1/Chassis/Sled1"}}}`
	s, err = rc.LocateSystem(context.Background(), "1")
	if err != nil || s.Location != "" || len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "goes round") {
		t.Errorf("with ContainedBy going round: %+v, %v; want no Location and one warning", s, err)
	}
}
