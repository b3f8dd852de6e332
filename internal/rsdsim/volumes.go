package rsdsim

import (
	"fmt"
	"math"
	"net/http"
	"slices"
)

// gibToBytes rounds up, so that a volume is never smaller than asked.
func gibToBytes(g float64) int64 { return int64(math.Ceil(g * (1 << 30))) }

// planRemoteDrives resolves the RemoteDrives of a template (unknown resources are a 400);
// whether they fit is checked by checkRemoteDrives once a system is found.
func (s *Simulator) planRemoteDrives(reqs []remoteDriveRequest) ([]remoteDrivePlan, *apiError) {
	var plans []remoteDrivePlan
	for i, r := range reqs {
		p := remoteDrivePlan{field: fmt.Sprintf("RemoteDrives[%d]", i)}
		if r.Resource != nil && s.ver.minor >= 3 {
			v, e := resolve[*volume](s, p.field+".Resource", r.Resource, "volume")
			if e != nil {
				return nil, e
			}
			if e := s.checkProtocol(p.field, r.Protocol); e != nil {
				return nil, e
			}
			p.existing = v
			plans = append(plans, p)
			continue
		}
		if r.Master != nil {
			mref := r.Master.Resource
			if s.ver.minor < 3 {
				mref = r.Master.Address
			}
			if mref == nil {
				return nil, errCreation(p.field + ".Master needs the volume to copy.")
			}
			m, e := resolve[*volume](s, p.field+".Master", mref, "volume")
			if e != nil {
				return nil, e
			}
			p.spec.master, p.spec.replicaType, p.spec.capacityBytes = m, "Snapshot", m.capacityBytes
			if r.Master.Type != nil {
				p.spec.replicaType = *r.Master.Type
			}
			p.spec.bootable = m.bootable
		}
		if r.ISCSIAddress != nil && s.ver.minor < 3 {
			p.spec.iqn = *r.ISCSIAddress
		}
		if r.CapacityGiB != nil {
			p.spec.capacityBytes = max(p.spec.capacityBytes, gibToBytes(*r.CapacityGiB))
		}
		if p.spec.capacityBytes <= 0 {
			return nil, errCreation(p.field + " needs CapacityGiB, a Master or a Resource.")
		}
		if e := s.checkProtocol(p.field, r.Protocol); e != nil {
			return nil, e
		}
		plans = append(plans, p)
	}
	return plans, nil
}

// servedProtocol is how the pod's remote volumes are reached: NVMe-oF in RSD 2.3, iSCSI
// targets in 2.1 and 2.2.
func (s *Simulator) servedProtocol() string {
	if s.ver.minor >= 3 {
		return "NVMeOverFabrics"
	}
	return "iSCSI"
}

// checkProtocol refuses a remote drive asked for over a protocol the pod does not serve:
// giving it a volume of another protocol would not meet the template.
func (s *Simulator) checkProtocol(field string, want *string) *apiError {
	if want == nil || *want == s.servedProtocol() {
		return nil
	}
	return errConflict("Conflict during allocation", fmt.Sprintf(
		"%s.Protocol: the storage service serves %s volumes only, not %s.", field, s.servedProtocol(), *want))
}

// checkRemoteDrives refuses, naming the item, an existing volume already in use or new
// volumes that overflow the pool; the caller holds s.mu.
func (s *Simulator) checkRemoteDrives(plans []remoteDrivePlan) *apiError {
	free := poolBytes() - s.storage.usedBytes
	taken := map[*volume]bool{}
	for _, p := range plans {
		if p.existing != nil {
			if p.existing.node != nil {
				return errConflict("Conflict during allocation", fmt.Sprintf(
					"%s.Resource: volume %s is attached to node %s.", p.field, p.existing.id, p.existing.node.id))
			}
			if taken[p.existing] {
				return errCreation(fmt.Sprintf("%s.Resource: volume %s is named twice.", p.field, p.existing.id))
			}
			taken[p.existing] = true
			continue
		}
		free -= p.spec.capacityBytes
		if free < 0 {
			return errConflict("Conflict during allocation", fmt.Sprintf(
				"%s.CapacityGiB: the storage pool has not enough free capacity.", p.field))
		}
	}
	return nil
}

// createVolume is POST on Volumes (2.3, Swordfish body) or LogicalDrives (2.1/2.2, RSS
// body); it answers 201 with Location and the new volume.
func (s *Simulator) createVolume(w http.ResponseWriter, r *http.Request, _ []string) *apiError {
	body, e := readBody(w, r)
	if e != nil {
		return e
	}
	s.mu.Lock()
	spec, e := s.parseVolumeSpec(body)
	if e == nil && spec.capacityBytes > poolBytes()-s.storage.usedBytes {
		e = errConflict("Not enough free capacity in the storage pool.",
			fmt.Sprintf("Requested %d bytes, free %d bytes.", spec.capacityBytes, poolBytes()-s.storage.usedBytes))
	}
	var p string
	if e == nil {
		p = s.volumePath(s.addVolume(spec, nil))
	}
	s.mu.Unlock()
	if e != nil {
		return e
	}
	w.Header().Set("Location", p)
	d := s.lookup(p)
	serveDoc(w, r, http.StatusCreated, d)
	return nil
}

// parseVolumeSpec reads a volume creation body of the chosen version; the caller holds s.mu.
func (s *Simulator) parseVolumeSpec(body []byte) (volumeSpec, *apiError) {
	var spec volumeSpec
	var masterRef *ref
	if s.ver.minor >= 3 {
		var req struct {
			Name            string
			CapacityBytes   *int64
			CapacitySources []struct{ ProvidingPools []ref }
			ReplicaInfos    []struct {
				ReplicaType *string
				Replica     *ref
			}
			Oem struct {
				IntelRackScale struct{ Bootable *bool } `json:"Intel_RackScale"`
			}
		}
		if err := unmarshal(body, &req); err != nil {
			return spec, errCreation("Malformed volume request: " + err.Error())
		}
		for _, src := range req.CapacitySources {
			for _, p := range src.ProvidingPools {
				if cleanPath(p.ID) != s.poolPath() {
					return spec, errCreation(fmt.Sprintf("CapacitySources: %q is not a storage pool of this service.", p.ID))
				}
			}
		}
		spec.name = req.Name
		if req.CapacityBytes != nil {
			spec.capacityBytes = *req.CapacityBytes
		}
		if len(req.ReplicaInfos) > 0 {
			masterRef, spec.replicaType = req.ReplicaInfos[0].Replica, "Snapshot"
			if t := req.ReplicaInfos[0].ReplicaType; t != nil {
				spec.replicaType = *t
			}
		}
		if b := req.Oem.IntelRackScale.Bootable; b != nil {
			spec.bootable = *b
		}
	} else {
		var req struct {
			Name        string
			CapacityGiB *float64
			Bootable    *bool
			Snapshot    *bool
			Links       struct{ MasterDrive *ref }
		}
		if err := unmarshal(body, &req); err != nil {
			return spec, errCreation("Malformed logical drive request: " + err.Error())
		}
		spec.name = req.Name
		if req.CapacityGiB != nil {
			spec.capacityBytes = gibToBytes(*req.CapacityGiB)
		}
		masterRef, spec.replicaType = req.Links.MasterDrive, "Clone"
		if req.Snapshot != nil && *req.Snapshot {
			spec.replicaType = "Snapshot"
		}
		if req.Bootable != nil {
			spec.bootable = *req.Bootable
		}
	}
	if !slices.Contains(replicaTypes, spec.replicaType) && masterRef != nil {
		return spec, errCreation(fmt.Sprintf("ReplicaType %q is not one of Snapshot, Clone.", spec.replicaType))
	}
	if masterRef != nil {
		m, e := resolve[*volume](s, "Replica", masterRef, "volume")
		if e != nil {
			return spec, e
		}
		spec.master = m
		spec.capacityBytes = max(spec.capacityBytes, m.capacityBytes)
	} else {
		spec.replicaType = ""
	}
	if spec.capacityBytes <= 0 {
		return spec, errCreation("The capacity must be positive.")
	}
	return spec, nil
}

// deleteVolume deletes an unattached volume (409 while a node uses it).
func (s *Simulator) deleteVolume(w http.ResponseWriter, r *http.Request, params []string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.storage.volumes[params[0]]
	if v == nil {
		return errNotFound(r.URL.Path)
	}
	if v.node != nil {
		return errConflict("The volume is in use.", fmt.Sprintf("Volume %s is attached to node %s.", v.id, v.node.id))
	}
	s.removeVolume(v)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
