package rsdsim

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/google/uuid"
)

// Remote storage is one storage service with one pool. RSD 2.3 shows it as Swordfish
// (StorageServices/{id}/Volumes, StoragePools, Drives); 2.1 and 2.2 as RSS (Services/{id}
// with LogicalDrives in a volume group and one iSCSI RemoteTarget per logical volume).
const (
	poolDrives     = 8
	poolDriveBytes = int64(4) << 40 // 4 TiB
	goldenGiB      = 100            // the bootable image volume present at start
)

// storageService is the remote storage of the pod.
type storageService struct {
	usedBytes int64
	volumes   map[string]*volume
	seq       int
}

// volume is a Swordfish volume (2.3) or an RSS logical volume with its target (2.1/2.2).
type volume struct {
	id            string
	name          string // as requested; empty names it by its Id
	uuid          string
	capacityBytes int64
	bootable      bool
	master        *volume
	replicaType   string
	iqn           string // 2.1/2.2: the target's IQN (Allocate's iSCSIAddress), or generated
	node          *node  // attached to
	owner         *node  // created by this node's Allocate, and deleted with it
}

// volumeSpec is what a new volume needs.
type volumeSpec struct {
	name          string
	capacityBytes int64
	bootable      bool
	master        *volume
	replicaType   string
	iqn           string
}

// remoteDrivePlan is one RemoteDrives item of a template: an existing volume or a new one.
type remoteDrivePlan struct {
	field    string
	existing *volume
	spec     volumeSpec
}

func (s *Simulator) storageRootPath() string {
	if s.ver.minor >= 3 {
		return rootPath + "/StorageServices"
	}
	return rootPath + "/Services"
}

func (s *Simulator) storageServicePath() string {
	if s.ver.minor >= 3 {
		return s.storageRootPath() + "/SS1"
	}
	return s.storageRootPath() + "/RSS1"
}

// volumesCollectionPath is where volumes are created: Volumes (2.3) or LogicalDrives (2.1/2.2).
func (s *Simulator) volumesCollectionPath() string {
	if s.ver.minor >= 3 {
		return s.storageServicePath() + "/Volumes"
	}
	return s.storageServicePath() + "/LogicalDrives"
}

func (s *Simulator) volumePath(v *volume) string { return s.volumesCollectionPath() + "/" + v.id }

func (s *Simulator) targetPath(v *volume) string { return s.storageServicePath() + "/Targets/" + v.id }

func (s *Simulator) poolPath() string {
	if s.ver.minor >= 3 {
		return s.storageServicePath() + "/StoragePools/Pool1"
	}
	return s.volumesCollectionPath() + "/vg1"
}

// remoteDrivePath is what a node links as a RemoteDrive: the volume (2.3) or its target.
func (s *Simulator) remoteDrivePath(v *volume) string {
	if s.ver.minor >= 3 {
		return s.volumePath(v)
	}
	return s.targetPath(v)
}

func poolBytes() int64 { return poolDrives * poolDriveBytes }

// renderStorage creates the storage service with its golden image and renders it.
func (s *Simulator) renderStorage() {
	s.storage = &storageService{volumes: map[string]*volume{}}
	root := s.storageRootPath()
	s.put(root, collection(root, "#StorageServiceCollection.StorageServiceCollection", "Storage Services Collection",
		[]string{s.storageServicePath()}))
	sp := s.storageServicePath()
	svc := resource(sp, "#StorageService.v1_0_0.StorageService", sp[len(root)+1:], "Storage Service")
	svc["Description"] = "Emulated remote storage"
	svc["Status"] = statusOK()
	svc["Drives"] = link(sp + "/Drives")
	drives := make([]string, poolDrives)
	for i := range drives {
		drives[i] = fmt.Sprintf("%s/Drives/%d", sp, i+1)
		d := resource(drives[i], "#Drive.v1_1_0.Drive", strconv.Itoa(i+1), "Pool drive "+strconv.Itoa(i+1))
		d["MediaType"], d["Protocol"], d["CapacityBytes"], d["Status"] = "SSD", "NVMe", poolDriveBytes, statusOK()
		s.put(drives[i], d)
	}
	s.put(sp+"/Drives", collection(sp+"/Drives", "#DriveCollection.DriveCollection", "Drive Collection", drives))
	if s.ver.minor >= 3 {
		svc["Volumes"] = link(sp + "/Volumes")
		svc["StoragePools"] = link(sp + "/StoragePools")
		s.put(sp+"/StoragePools", collection(sp+"/StoragePools", "#StoragePoolCollection.StoragePoolCollection",
			"Storage Pools Collection", []string{s.poolPath()}))
	} else {
		svc["RemoteTargets"] = link(sp + "/Targets")
		svc["LogicalDrives"] = link(sp + "/LogicalDrives")
	}
	s.put(sp, svc)
	s.addVolume(volumeSpec{capacityBytes: goldenGiB << 30, bootable: true}, nil)
}

// renderVolumes re-renders what depends on the set of volumes: the collections and the pool.
func (s *Simulator) renderVolumes() {
	vols := s.sortedVolumes()
	paths := make([]string, len(vols))
	for i, v := range vols {
		paths[i] = s.volumePath(v)
	}
	cp := s.volumesCollectionPath()
	capacity := obj{"Data": obj{"AllocatedBytes": poolBytes(), "ConsumedBytes": s.storage.usedBytes}}
	if s.ver.minor >= 3 {
		s.put(cp, collection(cp, "#VolumeCollection.VolumeCollection", "Volumes Collection", paths))
		pool := resource(s.poolPath(), "#StoragePool.v1_0_0.StoragePool", "Pool1", "Storage Pool 1")
		pool["Status"] = statusOK()
		pool["Capacity"] = capacity
		pool["CapacitySources"] = []obj{{"ProvidingDrives": links(s.poolDrivePaths())}}
		pool["AllocatedVolumes"] = link(s.poolPath() + "/AllocatedVolumes")
		s.put(s.poolPath(), pool)
		s.put(s.poolPath()+"/AllocatedVolumes", collection(s.poolPath()+"/AllocatedVolumes",
			"#VolumeCollection.VolumeCollection", "Allocated Volumes", paths))
		return
	}
	targets := make([]string, len(vols))
	for i, v := range vols {
		targets[i] = s.targetPath(v)
	}
	s.put(cp, collection(cp, "#LogicalDriveCollection.LogicalDriveCollection", "Logical Drives Collection",
		append([]string{s.poolPath()}, paths...)))
	tp := s.storageServicePath() + "/Targets"
	s.put(tp, collection(tp, "#RemoteTargetCollection.RemoteTargetCollection", "Remote Targets Collection", targets))
	vg := resource(s.poolPath(), "#LogicalDrive.v1_0_0.LogicalDrive", "vg1", "Volume group")
	vg["Type"], vg["Mode"], vg["Protected"], vg["Status"] = "LVM", "LVG", false, statusOK()
	vg["CapacityGiB"] = poolBytes() >> 30
	vg["Links"] = obj{"LogicalDrives": links(paths), "PhysicalDrives": links(s.poolDrivePaths()), "MasterDrive": nil,
		"UsedBy": []obj{}, "Targets": []obj{}}
	s.put(s.poolPath(), vg)
}

func (s *Simulator) poolDrivePaths() []string {
	out := make([]string, poolDrives)
	for i := range out {
		out[i] = fmt.Sprintf("%s/Drives/%d", s.storageServicePath(), i+1)
	}
	return out
}

func (s *Simulator) sortedVolumes() []*volume {
	vols := make([]*volume, 0, len(s.storage.volumes))
	for _, v := range s.storage.volumes {
		vols = append(vols, v)
	}
	slices.SortFunc(vols, func(a, b *volume) int { return byNumber(a.id, b.id) })
	return vols
}

// renderVolume renders one volume (and, in 2.1/2.2, its iSCSI target).
func (s *Simulator) renderVolume(v *volume) {
	p := s.volumePath(v)
	var master any
	if v.master != nil {
		master = link(s.volumePath(v.master))
	}
	if s.ver.minor >= 3 {
		d := resource(p, "#Volume.v1_1_0.Volume", v.id, cmp.Or(v.name, "Volume "+v.id))
		d["Status"] = statusOK()
		d["CapacityBytes"] = v.capacityBytes
		d["Capacity"] = obj{"Data": obj{"AllocatedBytes": v.capacityBytes}}
		d["AccessCapabilities"] = []string{"Read", "Write"}
		d["CapacitySources"] = []obj{{"ProvidingPools": links([]string{s.poolPath()})}}
		// RSD 2.3 serves its volumes over NVMe-oF: the NQN names the protocol.
		d["Identifiers"] = []obj{{"DurableNameFormat": "UUID", "DurableName": v.uuid},
			{"DurableNameFormat": "NQN", "DurableName": "nqn.2026-11.org.rsd-simulator:volume-" + v.uuid}}
		d["ReplicaInfos"] = []obj{}
		if v.master != nil {
			d["ReplicaInfos"] = []obj{{"ReplicaReadOnlyAccess": "SourceElement", "ReplicaType": v.replicaType,
				"ReplicaRole": "Target", "Replica": master}}
		}
		d["Links"] = obj{"Drives": []obj{}, "Oem": obj{"Intel_RackScale": obj{"@odata.type": "#Intel.Oem.VolumeLinks",
			"Endpoints": []obj{}}}}
		d["Oem"] = obj{"Intel_RackScale": obj{"@odata.type": "#Intel.Oem.Volume", "Bootable": v.bootable,
			"Erased": true, "EraseOnDetach": false}}
		s.put(p, d)
		return
	}
	d := resource(p, "#LogicalDrive.v1_0_0.LogicalDrive", v.id, cmp.Or(v.name, "Logical volume "+v.id))
	d["Type"], d["Mode"], d["Protected"], d["Status"] = "LVM", "LV", false, statusOK()
	d["CapacityGiB"] = v.capacityBytes >> 30
	d["Image"] = nil
	d["Bootable"] = v.bootable
	d["Snapshot"] = v.replicaType == "Snapshot"
	d["Links"] = obj{"LogicalDrives": []obj{}, "PhysicalDrives": []obj{}, "MasterDrive": master,
		"UsedBy": links([]string{s.poolPath()}), "Targets": links([]string{s.targetPath(v)})}
	s.put(p, d)
	initiator := ""
	if v.node != nil {
		initiator = "iqn.2026-11.org.rsd-simulator:node-" + v.node.id
	}
	t := resource(s.targetPath(v), "#RemoteTarget.v1_1_0.RemoteTarget", v.id, "iSCSI target "+v.id)
	t["Type"], t["Status"] = "Network Storage", statusOK()
	t["Addresses"] = []obj{{"iSCSI": obj{"TargetLUN": []obj{{"LUN": 1, "LogicalDrive": link(p)}},
		"TargetIQN": v.iqn, "TargetPortalIP": "10.0.2.10",
		"TargetPortalPort": 3260, "CHAP": obj{"Type": nil}}}}
	t["Initiator"] = []obj{{"iSCSI": obj{"InitiatorIQN": initiator}}}
	s.put(s.targetPath(v), t)
}

// addVolume creates a volume; owner is the node whose Allocate created it, or nil.
func (s *Simulator) addVolume(spec volumeSpec, owner *node) *volume {
	st := s.storage
	st.seq++
	v := &volume{id: strconv.Itoa(st.seq), name: spec.name, uuid: uuid.NewString(), capacityBytes: spec.capacityBytes,
		bootable: spec.bootable, master: spec.master, replicaType: spec.replicaType, iqn: spec.iqn, owner: owner}
	if v.iqn == "" {
		v.iqn = "iqn.2026-11.org.rsd-simulator:target-" + v.id
	}
	st.volumes[v.id] = v
	st.usedBytes += v.capacityBytes
	s.byPath[s.volumePath(v)] = v
	if s.ver.minor < 3 {
		s.byPath[s.targetPath(v)] = v
	}
	s.renderVolume(v)
	s.renderVolumes()
	return v
}

func (s *Simulator) removeVolume(v *volume) {
	delete(s.storage.volumes, v.id)
	s.storage.usedBytes -= v.capacityBytes
	for _, p := range []string{s.volumePath(v), s.targetPath(v)} {
		delete(s.byPath, p)
		delete(s.docs, p)
	}
	s.renderVolumes()
}

// attach and detach connect a volume and a node; the caller holds s.mu.
func (s *Simulator) attach(n *node, v *volume) {
	v.node = n
	n.volumes = append(n.volumes, v)
	s.renderVolume(v)
	s.renderNode(n)
}

func (s *Simulator) detach(n *node, v *volume) {
	v.node = nil
	n.volumes = slices.DeleteFunc(n.volumes, func(x *volume) bool { return x == v })
	s.renderVolume(v)
	s.renderNode(n)
}
