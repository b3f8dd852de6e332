package redfish_test

import (
	"context"
	"io"
	"net/http"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/valence-rsd/valence/redfish"
)

// TestNodePartsReadsKindsAtOnce: the node's processor and its memory are
// read at the same time, not one kind after the other. Each answers only
// once the other has been asked for; read kind after kind, the processor
// would give up waiting (a guard, not a timing assertion) and answer 404.
func TestNodePartsReadsKindsAtOnce(t *testing.T) {
	ctx := context.Background()
	asked := map[string]chan struct{}{"cpu": make(chan struct{}), "dimm": make(chan struct{})}
	once := map[string]*sync.Once{"cpu": {}, "dimm": {}}
	meet := func(me, other, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			once[me].Do(func() { close(asked[me]) })
			select {
			case <-asked[other]:
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, body)
			case <-time.After(10 * time.Second):
				w.WriteHeader(http.StatusNotFound)
			}
		}
	}
	_, srv := newFixture(t, map[string]string{
		"/redfish/v1":         "rsd24_root.json",
		"/redfish/v1/Systems": "empty_systems.json",
		"/redfish/v1/Nodes/7": "rsd24_node.json",
	}, map[string]http.HandlerFunc{
		"GET /redfish/v1/Systems/s1/Processors/CPU1": meet("cpu", "dimm",
			`{"@odata.id":"/redfish/v1/Systems/s1/Processors/CPU1","Id":"CPU1","Model":"Xeon","TotalCores":8}`),
		"GET /redfish/v1/Systems/s1/Memory/Dimm1": meet("dimm", "cpu",
			`{"@odata.id":"/redfish/v1/Systems/s1/Memory/Dimm1","Id":"Dimm1","CapacityMiB":16384}`),
	})
	c := connect(t, srv, redfish.Config{Username: "admin", Password: "secret"})
	n, err := c.GetNode(ctx, "7")
	if err != nil {
		t.Fatal(err)
	}
	// The interface and the volume are not served: their 404s are joined
	// in the error, beside what was read.
	p, _ := c.NodeParts(ctx, n)
	if len(p.Processors) != 1 || p.Processors[0].TotalCores != 8 || len(p.Memory) != 1 || p.Memory[0].CapacityMiB != 16384 {
		t.Errorf("parts = %+v; want the processor and the memory, read at once", p)
	}
}

// TestNodePartsDecodeOnlyWhatTheyShow: a part whose properties the node
// detail does not show break the schema (a string where an array or an
// object belongs, as pod managers' own extensions do) is still read, with
// the fields it shows; gofish's typed structs, which decode every property
// of the schema, failed the whole part. A processor, a DIMM, an interface
// with its VLAN and a local drive, each so broken.
func TestNodePartsDecodeOnlyWhatTheyShow(t *testing.T) {
	ctx := context.Background()
	serve := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, body)
		}
	}
	const sys = "/redfish/v1/Systems/s1"
	_, srv := newFixture(t, map[string]string{
		"/redfish/v1":         "rsd24_root.json",
		"/redfish/v1/Systems": "empty_systems.json",
	}, map[string]http.HandlerFunc{
		"GET /redfish/v1/Nodes/7": serve(`{"@odata.id":"/redfish/v1/Nodes/7","Id":"7","ComposedNodeState":"Assembled","Links":{
			"Processors":[{"@odata.id":"` + sys + `/Processors/CPU1"}],"Memory":[{"@odata.id":"` + sys + `/Memory/Dimm1"}],
			"EthernetInterfaces":[{"@odata.id":"` + sys + `/EthernetInterfaces/LAN1"}],"LocalDrives":[{"@odata.id":"/redfish/v1/Chassis/c1/Drives/d1"}]}}`),
		"GET " + sys + "/Processors/CPU1": serve(`{"Id":"CPU1","Model":"Xeon","InstructionSet":"x86-64","MaxSpeedMHz":3700,"TotalCores":8,
			"ProcessorId":"0x50654","TotalThreads":"16"}`),
		"GET " + sys + "/Memory/Dimm1": serve(`{"Id":"Dimm1","MemoryDeviceType":"DDR4","CapacityMiB":16384,"OperatingSpeedMhz":2400,"DataWidthBits":64,
			"AllowedSpeedsMHz":"2400","MemoryLocation":"A1"}`),
		"GET " + sys + "/EthernetInterfaces/LAN1": serve(`{"Id":"LAN1","MACAddress":"aa:bb:cc:dd:ee:01","SpeedMbps":10000,"Status":{"State":"Enabled"},
			"IPv4Addresses":[{"Address":"10.0.0.5","SubnetMask":"255.255.255.0","Gateway":"10.0.0.1","AddressOrigin":7}],
			"VLANs":{"@odata.id":"` + sys + `/EthernetInterfaces/LAN1/VLANs"},"LinkStatus":["LinkUp"]}`),
		"GET " + sys + "/EthernetInterfaces/LAN1/VLANs":   serve(`{"Members":[{"@odata.id":"` + sys + `/EthernetInterfaces/LAN1/VLANs/1"}]}`),
		"GET " + sys + "/EthernetInterfaces/LAN1/VLANs/1": serve(`{"Id":"1","VLANId":10,"VLANEnable":true,"VLANPriority":"high"}`),
		"GET /redfish/v1/Chassis/c1/Drives/d1": serve(`{"Id":"d1","Name":"Drive 1","CapacityBytes":1073741824,"MediaType":"SSD","Protocol":"NVMe",
			"RotationSpeedRPM":"n/a"}`),
	})
	c := connect(t, srv, redfish.Config{Username: "admin", Password: "secret"})
	n, err := c.GetNode(ctx, "7")
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.NodeParts(ctx, n)
	if err != nil {
		t.Fatalf("NodeParts: %v", err)
	}
	want := &redfish.NodeParts{
		Processors: []redfish.Processor{{URI: sys + "/Processors/CPU1", Model: "Xeon", InstructionSet: "x86-64", MaxSpeedMHz: 3700, TotalCores: 8}},
		Memory:     []redfish.MemoryModule{{URI: sys + "/Memory/Dimm1", MemoryDeviceType: "DDR4", CapacityMiB: 16384, OperatingSpeedMHz: 2400, DataWidthBits: 64}},
		EthernetInterfaces: []redfish.EthernetInterface{{URI: sys + "/EthernetInterfaces/LAN1", MACAddress: "aa:bb:cc:dd:ee:01", SpeedMbps: 10000, State: "Enabled",
			IPv4: []redfish.IPv4Address{{Address: "10.0.0.5", SubnetMask: "255.255.255.0", Gateway: "10.0.0.1"}}, VLANs: []redfish.VLAN{{ID: 10, Enabled: true}}}},
		LocalDrives:  []redfish.Drive{{URI: "/redfish/v1/Chassis/c1/Drives/d1", Name: "Drive 1", CapacityGiB: 1, Type: "SSD", Interface: "NVMe"}},
		RemoteDrives: []redfish.Drive{},
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("NodeParts =\n%+v\nwant\n%+v", p, want)
	}
}
