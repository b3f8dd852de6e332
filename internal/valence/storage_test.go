package valence

import (
	"slices"
	"testing"

	"github.com/google/uuid"
)

func TestVolumeIDIsStable(t *testing.T) {
	id := VolumeID("podm-1", "/redfish/v1/StorageServices/1/Volumes/1")
	if id != VolumeID("podm-1", "/redfish/v1/StorageServices/1/Volumes/1") {
		t.Errorf("VolumeID is not deterministic")
	}
	if _, err := uuid.Parse(id); err != nil {
		t.Errorf("VolumeID %q is not a uuid: %v", id, err)
	}
	others := []string{
		VolumeID("podm-2", "/redfish/v1/StorageServices/1/Volumes/1"),
		VolumeID("podm-1", "/redfish/v1/StorageServices/1/Volumes/2"),
		VolumeID("podm-1|/redfish", "/v1/StorageServices/1/Volumes/1"[8:]),
	}
	for _, o := range others {
		if o == id {
			t.Errorf("two volumes share the id %s", id)
		}
	}
}

// storageFixture is a pod manager with two volumes and a node using one.
func storageFixture(t *testing.T) (f *fixture, pm PodManager, p *fakePodm, n Node, attached, free Volume) {
	f = newFixture(t)
	pm, p = f.podm("rack1", 2)
	n = f.compose(pm, "web-1", "proj-a")
	p.set(func(p *fakePodm) {
		p.volumes = []Volume{
			{Name: "boot", ResourceURI: "/redfish/v1/StorageServices/1/Volumes/1", CapacityGiB: 10, Protocol: "iSCSI", NodeURI: n.ResourceURI},
			{Name: "data", ResourceURI: "/redfish/v1/StorageServices/1/Volumes/2", CapacityGiB: 100, Protocol: "iSCSI"},
		}
	})
	inv := must[Inventory[Volume]](t, "Volumes")(f.svc.Volumes(f.ctx, ""))
	if len(inv.Items) != 2 {
		t.Fatalf("volumes %+v", inv)
	}
	for _, v := range inv.Items {
		if v.Name == "boot" {
			attached = v
		} else {
			free = v
		}
	}
	return f, pm, p, n, attached, free
}

func TestVolumes(t *testing.T) {
	f, pm, _, n, attached, free := storageFixture(t)
	if attached.ID != VolumeID(pm.UUID, attached.ResourceURI) || attached.PodmID != pm.UUID || attached.AttachedTo != n.UUID {
		t.Errorf("attached volume %+v", attached)
	}
	if free.ID != VolumeID(pm.UUID, free.ResourceURI) || free.AttachedTo != "" {
		t.Errorf("free volume %+v", free)
	}
	got := must[Volume](t, "GetVolume")(f.svc.GetVolume(f.ctx, free.ID))
	if got.Name != "data" || got.ID != free.ID {
		t.Errorf("GetVolume: %+v", got)
	}
	_, err := f.svc.GetVolume(f.ctx, "nope")
	wantCode(t, "unknown volume", err, NotFound)
	_, err = f.svc.GetVolume(f.ctx, "")
	wantCode(t, "empty id", err, NotFound)

	on := must[[]Volume](t, "NodeVolumes")(f.svc.NodeVolumes(f.ctx, Scope{ProjectID: "proj-a"}, n.UUID))
	if len(on) != 1 || on[0].ID != attached.ID {
		t.Errorf("NodeVolumes: %+v", on)
	}
	_, err = f.svc.NodeVolumes(f.ctx, Scope{ProjectID: "proj-b"}, n.UUID)
	wantCode(t, "another project's node", err, NotFound)
}

func TestCreateVolume(t *testing.T) {
	f, pm, p, _, attached, _ := storageFixture(t)
	v, err := f.svc.CreateVolume(f.ctx, VolumeCreate{PodmID: pm.UUID, Name: "scratch", CapacityGiB: 50, StorageService: "1", Bootable: true})
	if err != nil {
		t.Fatalf("CreateVolume: %v", err)
	}
	if v.PodmID != pm.UUID || v.ID != VolumeID(pm.UUID, v.ResourceURI) || v.Name != "scratch" || v.CapacityGiB != 50 || !v.Bootable {
		t.Errorf("created %+v", v)
	}
	// The list shows it at once: the cache was dropped.
	got := must[Volume](t, "GetVolume")(f.svc.GetVolume(f.ctx, v.ID))
	if got.ResourceURI != v.ResourceURI {
		t.Errorf("GetVolume of the new volume: %+v", got)
	}

	clone := must[Volume](t, "clone")(f.svc.CreateVolume(f.ctx, VolumeCreate{PodmID: pm.UUID, Name: "copy", Source: attached.ID}))
	if calls := p.called("CreateVolume"); calls[len(calls)-1] != "CreateVolume copy  "+attached.ResourceURI {
		t.Errorf("clone asked %q, want the source's URI", calls[len(calls)-1])
	}
	if clone.ID == attached.ID {
		t.Errorf("the clone has its source's id")
	}

	refused := []struct {
		name string
		req  VolumeCreate
		code Code
	}{
		{"no pod manager", VolumeCreate{CapacityGiB: 1}, Invalid},
		{"no capacity", VolumeCreate{PodmID: pm.UUID}, Invalid},
		{"negative capacity", VolumeCreate{PodmID: pm.UUID, CapacityGiB: -1}, Invalid},
		{"unknown pod manager", VolumeCreate{PodmID: "nope", CapacityGiB: 1}, NotFound},
		{"unknown source", VolumeCreate{PodmID: pm.UUID, Source: "nope"}, NotFound},
	}
	before := len(p.called("CreateVolume"))
	for _, c := range refused {
		_, err := f.svc.CreateVolume(f.ctx, c.req)
		wantCode(t, c.name, err, c.code)
	}
	if got := p.called("CreateVolume")[before:]; len(got) != 0 {
		t.Errorf("refused creates reached the pod manager: %v", got)
	}
	p.failOn("CreateVolume", &Error{Code: Conflict, Message: "no space", ExtendedInfo: []string{"pool full"}})
	_, err = f.svc.CreateVolume(f.ctx, VolumeCreate{PodmID: pm.UUID, CapacityGiB: 1})
	wantCode(t, "pod manager out of space", err, Conflict)
}

func TestDeleteVolume(t *testing.T) {
	f, _, p, n, attached, free := storageFixture(t)
	err := f.svc.DeleteVolume(f.ctx, attached.ID)
	wantCode(t, "delete while attached", err, Conflict)
	wantMessage(t, "delete while attached", err, attached.ID, n.UUID)
	if got := p.called("DeleteVolume"); len(got) != 0 {
		t.Errorf("an attached volume was deleted: %v", got)
	}
	if err := f.svc.DeleteVolume(f.ctx, free.ID); err != nil {
		t.Fatalf("DeleteVolume: %v", err)
	}
	if got := p.called("DeleteVolume"); !slices.Equal(got, []string{"DeleteVolume " + free.ResourceURI}) {
		t.Errorf("DeleteVolume calls %v", got)
	}
	_, err = f.svc.GetVolume(f.ctx, free.ID)
	wantCode(t, "get after delete", err, NotFound)
	wantCode(t, "delete again", f.svc.DeleteVolume(f.ctx, free.ID), NotFound)
	wantCode(t, "delete of an empty id", f.svc.DeleteVolume(f.ctx, ""), NotFound)
	if got := p.called("DeleteVolume"); len(got) != 1 {
		t.Errorf("DeleteVolume calls %v, want one", got)
	}
}

func TestAttachDetach(t *testing.T) {
	f, _, p, n, attached, free := storageFixture(t)
	sc := Scope{ProjectID: "proj-a"}
	if err := f.svc.AttachVolume(f.ctx, sc, n.UUID, free.ID); err != nil {
		t.Fatalf("AttachVolume: %v", err)
	}
	if got := p.called("AttachVolume"); !slices.Equal(got, []string{"AttachVolume " + n.ResourceURI + " " + free.ResourceURI}) {
		t.Errorf("AttachVolume calls %v", got)
	}
	on := must[[]Volume](t, "NodeVolumes")(f.svc.NodeVolumes(f.ctx, sc, n.UUID))
	if len(on) != 2 {
		t.Errorf("after attaching, the node has %d volumes, want 2 (the cache must be dropped)", len(on))
	}
	if err := f.svc.DetachVolume(f.ctx, sc, n.UUID, attached.ID); err != nil {
		t.Fatalf("DetachVolume: %v", err)
	}
	if got := p.called("DetachVolume"); !slices.Equal(got, []string{"DetachVolume " + n.ResourceURI + " " + attached.ResourceURI}) {
		t.Errorf("DetachVolume calls %v", got)
	}
	on = must[[]Volume](t, "NodeVolumes")(f.svc.NodeVolumes(f.ctx, sc, n.UUID))
	if len(on) != 1 || on[0].ID != free.ID {
		t.Errorf("after detaching, the node has %+v", on)
	}
	// Detached, it may go.
	if err := f.svc.DeleteVolume(f.ctx, attached.ID); err != nil {
		t.Errorf("DeleteVolume after detach: %v", err)
	}

	// A volume of another pod manager is not found from this node.
	_, po := f.podm("rack2", 0)
	po.set(func(p *fakePodm) {
		p.volumes = []Volume{{Name: "far", ResourceURI: "/redfish/v1/StorageServices/9/Volumes/9"}}
	})
	far := VolumeID(f.podmNamed("rack2").UUID, "/redfish/v1/StorageServices/9/Volumes/9")
	must[Volume](t, "far volume exists")(f.svc.GetVolume(f.ctx, far))
	err := f.svc.AttachVolume(f.ctx, sc, n.UUID, far)
	wantCode(t, "attach a volume of another pod manager", err, NotFound)
	wantCode(t, "attach nothing", f.svc.AttachVolume(f.ctx, sc, n.UUID, ""), Invalid)
	wantCode(t, "another project's node", f.svc.AttachVolume(f.ctx, Scope{ProjectID: "proj-b"}, n.UUID, free.ID), NotFound)
	wantCode(t, "unknown node", f.svc.DetachVolume(f.ctx, sc, "nope", free.ID), NotFound)
	if got := p.called("AttachVolume"); len(got) != 1 {
		t.Errorf("refused attaches reached the pod manager: %v", got)
	}
	p.failOn("AttachVolume", Errorf(PodManagerError, "target busy"))
	wantCode(t, "pod manager refuses", f.svc.AttachVolume(f.ctx, sc, n.UUID, free.ID), PodManagerError)
}

func TestVolumesOnAPodManagerWithoutStorage(t *testing.T) {
	f := newFixture(t)
	p := f.fake("blocks", 1)
	p.set(func(p *fakePodm) { p.info.Capabilities = []string{CapSystems, CapCompose} })
	pm, err := f.svc.CreatePodManager(f.ctx, f.spec(p, "blocks"))
	if err != nil {
		t.Fatal(err)
	}
	n := f.compose(pm, "web-1", "p")
	const want = "Pod manager blocks offers no remote storage (its service root links no storage service): volumes cannot be created on it or attached to its nodes."
	for what, err := range map[string]error{
		"CreateVolume": func() error {
			_, err := f.svc.CreateVolume(f.ctx, VolumeCreate{PodmID: pm.UUID, CapacityGiB: 1})
			return err
		}(),
		"AttachVolume": f.svc.AttachVolume(f.ctx, Scope{AllProjects: true}, n.UUID, "any"),
		"DetachVolume": f.svc.DetachVolume(f.ctx, Scope{AllProjects: true}, n.UUID, "any"),
	} {
		wantCode(t, what, err, NotImplemented)
		var e *Error
		if asError(err, &e); e.Message != want {
			t.Errorf("%s: %q, want %q", what, e.Message, want)
		}
		if calls := p.called(what); len(calls) != 0 {
			t.Errorf("%s reached the pod manager: %v", what, calls)
		}
	}
}
