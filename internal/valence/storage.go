package valence

import (
	"cmp"
	"context"
	"sort"

	"github.com/google/uuid"
)

// volumeNamespace roots the ids derived for volumes.
var volumeNamespace = uuid.MustParse("7f1c2a4e-3b8d-5e6f-9a0b-1c2d3e4f5a6b")

// VolumeID derives a volume's id from its pod manager and Redfish path, so
// that every replica, before and after a restart, calls it the same.
func VolumeID(podmID, uri string) string {
	return uuid.NewSHA1(volumeNamespace, []byte(podmID+"|"+uri)).String()
}

// Volumes lists the remote volumes of every pod manager, or of one.
func (s *Service) Volumes(ctx context.Context, podmID string) (Inventory[Volume], error) {
	inv, err := fanOut(ctx, s, podmID, CapStorage, func(ctx context.Context, pm PodManager, conn PodManagerConn) ([]Volume, error) {
		vols, stale := cached(ctx, s.inventories, pm.UUID, "volumes", onPodm(s, conn.Volumes))
		if stale != nil && !isStale(stale) {
			return nil, stale
		}
		uses, err := s.nodeURIs(ctx, pm.UUID)
		if err != nil {
			return nil, err
		}
		out := make([]Volume, len(vols))
		for i, v := range vols {
			v.PodmID, v.ID, v.AttachedTo = pm.UUID, VolumeID(pm.UUID, v.ResourceURI), uses[v.NodeURI]
			out[i] = v
		}
		return out, stale // the items, and a staleRead that names them old
	})
	sort.Slice(inv.Items, func(i, j int) bool { return inv.Items[i].ID < inv.Items[j].ID })
	return inv, err
}

// GetVolume returns one volume by its id.
func (s *Service) GetVolume(ctx context.Context, id string) (Volume, error) {
	inv, err := s.Volumes(ctx, "")
	if err != nil {
		return Volume{}, err
	}
	return pickOne(inv.Items, "Storage", id, func(v Volume) (string, string, string) { return v.ID, "", v.PodmID })
}

// volumeOn returns a volume of one pod manager by id.
func (s *Service) volumeOn(ctx context.Context, podmID, id string) (Volume, error) {
	inv, err := s.Volumes(ctx, podmID)
	if err != nil {
		return Volume{}, err
	}
	return pickOne(inv.Items, "Storage", id, func(v Volume) (string, string, string) { return v.ID, "", v.PodmID })
}

// VolumeCreate asks for a new volume.
type VolumeCreate struct {
	PodmID         string
	Name           string
	CapacityGiB    float64
	Bootable       bool
	StorageService string
	// Source is the id of a volume to clone.
	Source string
}

// Validate reports what is wrong with the request itself, before any pod
// manager is asked.
func (req VolumeCreate) Validate() error {
	if req.PodmID == "" {
		return Errorf(Invalid, "podm_id is required")
	}
	if req.CapacityGiB <= 0 && req.Source == "" {
		return Errorf(Invalid, "capacity_gib must be positive")
	}
	v := &validator{}
	v.text("podm_id", req.PodmID, MaxIDLen)
	v.text("name", req.Name, MaxNameLen)
	if req.CapacityGiB > MaxCapacityGiB {
		v.fail("capacity_gib must be at most %d, not %g", MaxCapacityGiB, req.CapacityGiB)
	}
	v.text("storage_service", req.StorageService, MaxURLLen)
	v.text("source", req.Source, MaxIDLen)
	return v.err()
}

// CreateVolume creates a volume on a pod manager.
func (s *Service) CreateVolume(ctx context.Context, req VolumeCreate) (Volume, error) {
	if err := req.Validate(); err != nil {
		return Volume{}, err
	}
	pm, err := s.podmByID(ctx, req.PodmID)
	if err != nil {
		return Volume{}, err
	}
	if err := needStorage(pm); err != nil {
		return Volume{}, err
	}
	vreq := VolumeRequest{Name: req.Name, StorageService: req.StorageService, CapacityGiB: req.CapacityGiB, Bootable: req.Bootable}
	if req.Source != "" {
		src, err := s.volumeOn(ctx, pm.UUID, req.Source)
		if err != nil {
			return Volume{}, err
		}
		vreq.SourceURI = src.ResourceURI
	}
	conn, err := s.connect(ctx, pm)
	if err != nil {
		return Volume{}, err
	}
	pctx, cancel := s.podmCtx(ctx)
	defer cancel()
	v, err := conn.CreateVolume(pctx, vreq)
	if err != nil {
		return Volume{}, err
	}
	s.inventories.forget(pm.UUID)
	v.PodmID, v.ID = pm.UUID, VolumeID(pm.UUID, v.ResourceURI)
	return v, nil
}

// DeleteVolume deletes a volume that no node uses.
func (s *Service) DeleteVolume(ctx context.Context, id string) error {
	v, err := s.GetVolume(ctx, id)
	if err != nil {
		return err
	}
	if v.NodeURI != "" {
		return Errorf(Conflict, "Storage %s is attached to node %s; detach it first.", id, cmp.Or(v.AttachedTo, v.NodeURI))
	}
	pm, err := s.podmByID(ctx, v.PodmID)
	if err != nil {
		return err
	}
	conn, err := s.connect(ctx, pm)
	if err != nil {
		return err
	}
	pctx, cancel := s.podmCtx(ctx)
	defer cancel()
	if err := conn.DeleteVolume(pctx, v.ResourceURI); err != nil {
		return err
	}
	s.inventories.forget(pm.UUID)
	return nil
}

// AttachVolume attaches a volume of the node's pod manager to the node.
func (s *Service) AttachVolume(ctx context.Context, sc Scope, nodeID, volumeID string) error {
	return s.attachment(ctx, sc, nodeID, volumeID, PodManagerConn.AttachVolume)
}

// DetachVolume detaches a volume from the node.
func (s *Service) DetachVolume(ctx context.Context, sc Scope, nodeID, volumeID string) error {
	return s.attachment(ctx, sc, nodeID, volumeID, PodManagerConn.DetachVolume)
}

func (s *Service) attachment(ctx context.Context, sc Scope, nodeID, volumeID string,
	op func(PodManagerConn, context.Context, string, string) error) error {
	if volumeID == "" {
		return Errorf(Invalid, "resource_id is required")
	}
	chk := &validator{}
	chk.text("resource_id", volumeID, MaxIDLen)
	if err := chk.err(); err != nil {
		return err
	}
	n, pm, err := s.node(ctx, sc, nodeID)
	if err != nil {
		return err
	}
	if err := needStorage(pm); err != nil {
		return err
	}
	conn, err := s.connect(ctx, pm)
	if err != nil {
		return err
	}
	v, err := s.volumeOn(ctx, n.PodmID, volumeID)
	if IsCode(err, NotFound) {
		return Errorf(NotFound, "Storage %s not found on the node's pod manager.", volumeID)
	}
	if err != nil {
		return err
	}
	pctx, cancel := s.podmCtx(ctx)
	defer cancel()
	if err := op(conn, pctx, n.ResourceURI, v.ResourceURI); err != nil {
		return err
	}
	s.inventories.forget(n.PodmID)
	return nil
}

// needStorage refuses a volume operation on a pod manager whose probe found
// no remote storage (a plain Redfish service, a DMTF composition service):
// NotImplemented says so, where the driver could only say "not supported"
// or "no such volume".
func needStorage(pm PodManager) error {
	if pm.lacks(CapStorage) {
		return Errorf(NotImplemented, "Pod manager %s offers no remote storage (its service root links no storage service): volumes cannot be created on it or attached to its nodes.", pm.Name)
	}
	return nil
}

// NodeVolumes lists the volumes attached to a node.
func (s *Service) NodeVolumes(ctx context.Context, sc Scope, nodeID string) ([]Volume, error) {
	n, _, err := s.node(ctx, sc, nodeID)
	if err != nil {
		return nil, err
	}
	inv, err := s.Volumes(ctx, n.PodmID)
	if err != nil {
		return nil, err
	}
	out := []Volume{}
	for _, v := range inv.Items {
		if v.NodeURI == n.ResourceURI {
			out = append(out, v)
		}
	}
	return out, nil
}
