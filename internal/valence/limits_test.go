package valence

import (
	"fmt"
	"strings"
	"testing"
)

// TestComposeOverTheLimitsAsksNothing is issue 10's out-of-memory compose:
// a processor count of two billion is refused, naming the field and its
// limit, before any intent is written or any pod manager asked.
func TestComposeOverTheLimitsAsksNothing(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 1)
	cases := []struct {
		name  string
		props Properties
		says  []string
	}{
		{"processor count", Properties{Processor: &ProcessorReq{Count: 2_000_000_000}}, []string{"processor.count", fmt.Sprint(MaxProcessorCount), "2000000000"}},
		{"total cores", Properties{Processor: &ProcessorReq{TotalCores: MaxTotalCores + 1}}, []string{"processor.total_cores", fmt.Sprint(MaxTotalCores)}},
		{"memory", Properties{Memory: &MemoryReq{CapacityMiB: MaxMemoryMiB + 1}}, []string{"memory.capacity_mib", fmt.Sprint(MaxMemoryMiB)}},
		{"local drive", Properties{LocalDrives: []LocalDriveReq{{CapacityGiB: 1 << 33}}}, []string{"local_drives.capacity_gib", fmt.Sprint(MaxCapacityGiB)}},
		{"remote drive", Properties{RemoteDrives: []RemoteDriveReq{{CapacityGiB: MaxCapacityGiB + 1}}}, []string{"remote_drives.capacity_gib"}},
		{"speed", Properties{Network: []NetworkReq{{SpeedMbps: MaxSpeedMbps + 1}}}, []string{"network.speed_mbps"}},
		{"too many drives", Properties{LocalDrives: make([]LocalDriveReq, MaxListItems+1)}, []string{"local_drives", fmt.Sprint(MaxListItems)}},
		{"model", Properties{Processor: &ProcessorReq{Model: strings.Repeat("x", MaxNameLen+1)}}, []string{"processor.model", fmt.Sprint(MaxNameLen)}},
		{"pci type", Properties{PCIDevice: &PCIDeviceReq{Type: []string{"GPU\n"}}}, []string{"pci_device.type", "control"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.Compose(f.ctx, ComposeRequest{Name: "n", PodmID: pm.UUID, Properties: &c.props})
			wantCode(t, "Compose", err, Invalid)
			wantMessage(t, "Compose", err, c.says...)
			_, err = f.svc.CreateFlavor(f.ctx, FlavorSpec{Name: "f", Properties: c.props})
			wantCode(t, "CreateFlavor", err, Invalid)
			wantMessage(t, "CreateFlavor", err, c.says...)
		})
	}
	if calls := p.called("Allocate"); len(calls) != 0 {
		t.Errorf("a compose over the limits reached the pod manager: %v", calls)
	}
	if n := len(f.store.ids(KindIntent)) + len(f.store.ids(KindFlavor)); n != 0 {
		t.Errorf("%d records written", n)
	}
}

// TestLimitsAreInclusive checks that every maximum itself is accepted.
func TestLimitsAreInclusive(t *testing.T) {
	at := Properties{
		Processor:    &ProcessorReq{TotalCores: MaxTotalCores, Count: MaxProcessorCount, Model: strings.Repeat("é", MaxNameLen/2)},
		Memory:       &MemoryReq{CapacityMiB: MaxMemoryMiB},
		LocalDrives:  make([]LocalDriveReq, MaxListItems),
		RemoteDrives: []RemoteDriveReq{{CapacityGiB: MaxCapacityGiB}},
		Network:      []NetworkReq{{SpeedMbps: MaxSpeedMbps, VLAN: MaxVLAN}},
	}
	req := ComposeRequest{
		Name: strings.Repeat("n", MaxNameLen), Description: strings.Repeat("d", MaxDescriptionLen),
		PodmID: strings.Repeat("p", MaxIDLen), Properties: &at,
	}
	if err := req.Validate(); err != nil {
		t.Errorf("a request at every limit: %v", err)
	}
	vol := VolumeCreate{PodmID: "p", CapacityGiB: MaxCapacityGiB, Name: strings.Repeat("v", MaxNameLen)}
	if err := vol.Validate(); err != nil {
		t.Errorf("a volume at the limits: %v", err)
	}
}

// TestComposeFromAFlavorOverTheLimits: a flavor stored before the limits
// existed cannot be composed either.
func TestComposeFromAFlavorOverTheLimits(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 1)
	old := Flavor{UUID: newID(), FlavorSpec: FlavorSpec{Name: "old", Properties: Properties{Processor: &ProcessorReq{Count: 1_000_000}}}}
	if err := f.svc.flavors.create(f.ctx, old); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.Compose(f.ctx, ComposeRequest{Name: "n", PodmID: pm.UUID, FlavorID: old.UUID})
	wantCode(t, "Compose", err, Invalid)
	wantMessage(t, "Compose", err, "processor.count")
	if calls := p.called("Allocate"); len(calls) != 0 {
		t.Errorf("allocated: %v", calls)
	}
}

// TestTextLimits: names and descriptions are bounded and hold neither
// control characters nor invalid UTF-8, on every kind that has them.
func TestTextLimits(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 1)
	// desc is the description's own complaint, when it differs.
	bad := []struct{ name, value, says, desc string }{
		{"too long", strings.Repeat("x", MaxNameLen+1), fmt.Sprint(MaxNameLen), fmt.Sprint(MaxDescriptionLen)},
		{"newline", "a\nb", "control", "control"},
		{"escape", "a\x1b[31mb", "control", "control"},
		{"C1 control", "a\u0085b", "control", "control"},
		// Names are stored trimmed; a control character at the edge is refused all the same.
		{"trailing tab", "web1\t", "control", "control"},
		{"invalid UTF-8", "a\xffb", "UTF-8", "UTF-8"},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			_, err := f.svc.CreateFlavor(f.ctx, FlavorSpec{Name: b.value})
			wantMessage(t, "flavor name", err, "name", b.says)
			_, err = f.svc.CreateFlavor(f.ctx, FlavorSpec{Name: "f", Description: b.value + strings.Repeat("d", MaxDescriptionLen-MaxNameLen)})
			wantMessage(t, "flavor description", err, "description", b.desc)
			_, err = f.svc.Compose(f.ctx, ComposeRequest{Name: b.value, PodmID: pm.UUID})
			wantMessage(t, "node name", err, "name", b.says)
			sp := f.spec(p, b.value)
			_, err = f.svc.CreatePodManager(f.ctx, sp)
			wantMessage(t, "pod manager name", err, "name", b.says)
			_, err = f.svc.CreateVolume(f.ctx, VolumeCreate{PodmID: pm.UUID, Name: b.value, CapacityGiB: 1})
			wantMessage(t, "volume name", err, "name", b.says)
		})
	}
	if calls := p.called("Allocate"); len(calls) != 0 {
		t.Errorf("allocated: %v", calls)
	}
	if calls := p.called("CreateVolume"); len(calls) != 0 {
		t.Errorf("volume created: %v", calls)
	}
}

func TestVolumeCapacityCannotOverflow(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 1)
	// 2^33 GiB is 2^63 bytes: an int64 of bytes would turn negative.
	_, err := f.svc.CreateVolume(f.ctx, VolumeCreate{PodmID: pm.UUID, CapacityGiB: 1 << 33})
	wantCode(t, "CreateVolume", err, Invalid)
	wantMessage(t, "CreateVolume", err, "capacity_gib", fmt.Sprint(MaxCapacityGiB))
	if calls := p.called("CreateVolume"); len(calls) != 0 {
		t.Errorf("volume created: %v", calls)
	}
}

func TestPodManagerSpecLimits(t *testing.T) {
	f := newFixture(t)
	p := f.fake("rack1", 1)
	cases := []struct {
		name   string
		change func(*PodManagerSpec)
		says   []string
	}{
		{"url too long", func(sp *PodManagerSpec) { sp.URL += "/" + strings.Repeat("a", MaxURLLen) }, []string{"url", fmt.Sprint(MaxURLLen)}},
		{"password too long", func(sp *PodManagerSpec) { sp.Password = strings.Repeat("p", MaxPasswordLen+1) }, []string{"password", fmt.Sprint(MaxPasswordLen)}},
		{"user name with a newline", func(sp *PodManagerSpec) { sp.Username = "admin\r\nX-Injected: 1" }, []string{"username", "control"}},
		{"ca_cert too long", func(sp *PodManagerSpec) { sp.CACert = strings.Repeat("c", MaxCACertLen+1) }, []string{"ca_cert", fmt.Sprint(MaxCACertLen)}},
		{"location", func(sp *PodManagerSpec) { sp.Location = "row\t3" }, []string{"location", "control"}},
		{"ca_cert not PEM", func(sp *PodManagerSpec) { sp.CACert = "MIIBszCCAVmgAwIBAgIU" }, []string{"ca_cert", "no PEM certificate"}},
		{"ca_cert a key", func(sp *PodManagerSpec) {
			sp.CACert = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n"
		}, []string{"ca_cert", "no PEM certificate"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sp := f.spec(p, "podm")
			c.change(&sp)
			_, err := f.svc.CreatePodManager(f.ctx, sp)
			wantCode(t, "CreatePodManager", err, Invalid)
			wantMessage(t, "CreatePodManager", err, c.says...)
		})
	}
	if calls := p.called("Probe"); len(calls) != 0 {
		t.Errorf("an invalid pod manager was probed: %v", calls)
	}
}

// TestPodManagerURLWithCredentials: a password in the URL is refused
// without being shown back, on create and (by the same check) on update.
func TestPodManagerURLWithCredentials(t *testing.T) {
	f := newFixture(t)
	p := f.fake("rack1", 1)
	for _, u := range []string{
		strings.Replace(p.url, "https://", "https://admin:hunter2@", 1),
		strings.Replace(p.url, "https://", "https://admin@", 1),
		"https://admin:hun ter2@rack1.test", // does not even parse
	} {
		sp := f.spec(p, "podm")
		sp.URL = u
		_, err := f.svc.CreatePodManager(f.ctx, sp)
		wantCode(t, u, err, Invalid)
		wantMessage(t, u, err, "url", "credentials", "authentication")
		if strings.Contains(err.Error(), "hunter") || strings.Contains(err.Error(), "admin@") {
			t.Errorf("the refusal shows the credentials: %v", err)
		}
	}
	if n := len(f.store.ids(KindPodManager)); n != 0 {
		t.Errorf("%d pod managers recorded", n)
	}
}

// TestAdoptNormalisesTheIndex: only a plain node Id is taken, so one node
// cannot be recorded twice under two spellings.
func TestAdoptNormalisesTheIndex(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 2)
	index := p.compose("outside")
	for _, alias := range []string{index + "/", index + "?x", index + "#x", "./" + index, "../Nodes/" + index, "%3" + index, "..", "a b", "é"} {
		_, err := f.svc.Adopt(f.ctx, admin, pm.UUID, alias, "proj-a")
		wantCode(t, "adopt "+alias, err, Invalid)
		wantMessage(t, "adopt "+alias, err, "node_index")
	}
	_, err := f.svc.Adopt(f.ctx, admin, pm.UUID, strings.Repeat("1", MaxNodeIndexLen+1), "proj-a")
	wantMessage(t, "a long index", err, "node_index", fmt.Sprint(MaxNodeIndexLen))
	if calls := p.called("GetNode"); len(calls) != 0 {
		t.Errorf("refused indexes were asked for: %v", calls)
	}

	// A pod manager that answers for another spelling of the Id: the record
	// takes the Id it reports, so the node is not adopted twice.
	p.set(func(p *fakePodm) { p.nodes[fakeNodes+"N"+index] = p.nodes[fakeNodes+index] })
	n, err := f.svc.Adopt(f.ctx, admin, pm.UUID, "N"+index, "proj-a")
	if err != nil {
		t.Fatalf("Adopt: %v", err)
	}
	if n.Index != index || n.ResourceURI != fakeNodes+index {
		t.Errorf("adopted as index %q at %q, want %q", n.Index, n.ResourceURI, index)
	}
	_, err = f.svc.Adopt(f.ctx, admin, pm.UUID, index, "proj-a")
	wantCode(t, "adopt the same node by its Id", err, Conflict)
	if n := len(f.store.ids(KindNode)); n != 1 {
		t.Errorf("%d node records, want 1", n)
	}
}

func TestShortenedCutsAtARuneBoundary(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"short", 5, "short"},
		{"longer", 3, "lon…"},
		{"ééé", 3, "é…"}, // 3 bytes would split the second é
		{"ééé", 4, "éé…"},
	} {
		if got := Shortened(c.in, c.max); got != c.want {
			t.Errorf("Shortened(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}
