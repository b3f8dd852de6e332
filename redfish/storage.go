package redfish

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/stmcginnis/gofish/schemas"
)

// StorageService is a pod manager's storage service: a Swordfish
// StorageServices/{id} (RSD 2.3+) or an RSS Services/{id} (RSD 2.1/2.2).
type StorageService struct {
	// ID is the service's Id and URI its @odata.id, the handle for CreateVolume.
	ID, URI, Name, Description string

	volumes string // the Volumes (2.3+) or LogicalDrives (2.1/2.2) collection
}

// Volume is a remote volume: a Swordfish Volume (RSD 2.3+) or an RSS
// logical volume (a LogicalDrive in Mode LV, RSD 2.1/2.2).
type Volume struct {
	// ID is the volume's Id and URI its @odata.id.
	ID, URI, Name string
	// ServiceURI is the storage service holding the volume.
	ServiceURI  string
	CapacityGiB float64
	// Protocol is iSCSI or NVMeOverFabrics when the pod manager says.
	Protocol string
	Bootable bool
	// Health is Status.Health, or Status.State when no health is given.
	Health string
	// NodeURI is the composed node using the volume, set by Volumes.
	NodeURI string

	targets []string // RSS remote targets exposing the volume
	luns    []string // of an RSS remote target read as a volume: the logical drives it exposes
}

// VolumeRequest describes a volume to create.
type VolumeRequest struct {
	Name        string
	CapacityGiB float64
	Bootable    bool
	// Source, if set, is the URI of the volume to copy; SourceType is
	// "Snapshot" or "Clone" (the default).
	Source     string
	SourceType string
	// Pool optionally names the storage pool (2.3+) or volume group (2.1/2.2)
	// to carve the volume from; the pod manager picks one otherwise.
	Pool string
}

type storageServiceJSON struct {
	ODataID           string `json:"@odata.id"`
	ID                string `json:"Id"`
	Name, Description string
	Volumes           schemas.Link // 2.3+
	LogicalDrives     schemas.Link // 2.1/2.2
}

type volumeJSON struct {
	ODataID       string `json:"@odata.id"`
	ID            string `json:"Id"`
	Name          string
	CapacityBytes *float64 // Swordfish
	CapacityGiB   *float64 // RSS
	Mode          string   // RSS: LV, LVG or PV
	Protocol      string   // RSS
	Bootable      *bool    // RSS
	Identifiers   []struct{ DurableNameFormat string }
	Status        struct{ State, Health string }
	Oem           struct {
		IntelRackScale struct{ Bootable bool } `json:"Intel_RackScale"`
	}
	Links struct{ Targets schemas.Links }
	// Addresses are those of an RSS remote target (2.1/2.2).
	Addresses []struct {
		ISCSI struct {
			TargetLUN []struct{ LogicalDrive schemas.Link }
		} `json:"iSCSI"`
	}
}

// volume converts the wire form; kind is the storage model of the pod manager.
func (j *volumeJSON) volume(uri, service string, kind storageKind) *Volume {
	v := &Volume{ID: j.ID, URI: cmp.Or(j.ODataID, uri), Name: j.Name, ServiceURI: service,
		Protocol: j.Protocol, Bootable: j.Oem.IntelRackScale.Bootable, targets: j.Links.Targets.ToStrings(),
		Health: cmp.Or(j.Status.Health, j.Status.State)}
	for _, a := range j.Addresses {
		for _, l := range a.ISCSI.TargetLUN {
			if l.LogicalDrive != "" {
				v.luns = append(v.luns, l.LogicalDrive.String())
			}
		}
	}
	switch {
	case j.CapacityGiB != nil:
		v.CapacityGiB = *j.CapacityGiB
	case j.CapacityBytes != nil:
		v.CapacityGiB = *j.CapacityBytes / bytesPerGiB
	}
	if j.Bootable != nil {
		v.Bootable = *j.Bootable
	}
	if kind == storageRSS {
		// RSS (2.1/2.2) serves its logical volumes over iSCSI only.
		v.Protocol = cmp.Or(v.Protocol, "iSCSI")
	}
	// A Swordfish volume may name its protocol through its identifiers.
	for _, id := range j.Identifiers {
		switch strings.ToUpper(id.DurableNameFormat) {
		case "NQN":
			v.Protocol = cmp.Or(v.Protocol, "NVMeOverFabrics")
		case "IQN":
			v.Protocol = cmp.Or(v.Protocol, "iSCSI")
		}
	}
	return v
}

func (c *Client) getService(ctx context.Context, uri string) (*StorageService, error) {
	var j storageServiceJSON
	if err := c.getJSON(ctx, uri, &j); err != nil {
		return nil, err
	}
	return &StorageService{ID: j.ID, URI: cmp.Or(j.ODataID, uri), Name: j.Name, Description: j.Description,
		volumes: firstLink(j.Volumes, j.LogicalDrives)}, nil
}

// StorageServices reads the pod manager's storage services.
func (c *Client) StorageServices(ctx context.Context) ([]*StorageService, error) {
	if err := c.need(CapStorage); err != nil {
		return nil, err
	}
	uris, err := c.members(ctx, c.links.storage)
	if err != nil {
		return nil, err
	}
	return fetchAll(ctx, c, uris, c.getService)
}

// GetVolume reads one volume by URI.
func (c *Client) GetVolume(ctx context.Context, uri string) (*Volume, error) {
	var j volumeJSON
	if err := c.getJSON(ctx, uri, &j); err != nil {
		return nil, err
	}
	return j.volume(uri, "", c.links.storageKind), nil
}

// Volumes reads the volumes of every storage service, each with the node
// using it. RSS volume groups and physical volumes are left out.
func (c *Client) Volumes(ctx context.Context) ([]*Volume, error) {
	services, err := c.StorageServices(ctx)
	if err != nil && len(services) == 0 {
		return nil, err
	}
	errs := []error{err}
	var all []*Volume
	for _, s := range services {
		uris, err := c.members(ctx, s.volumes)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		vols, err := fetchAll(ctx, c, uris, func(ctx context.Context, uri string) (*Volume, error) {
			var j volumeJSON
			if err := c.getJSON(ctx, uri, &j); err != nil || (j.Mode != "" && !strings.EqualFold(j.Mode, "LV")) {
				return nil, err
			}
			return j.volume(uri, s.URI, c.links.storageKind), nil
		})
		errs = append(errs, err)
		for _, v := range vols {
			if v != nil {
				all = append(all, v)
			}
		}
	}
	if c.info.Has(CapCompose) {
		nodes, err := c.ListNodes(ctx)
		errs = append(errs, err)
		for _, v := range all {
			for _, n := range nodes {
				if n.uses(v.URI) || slices.ContainsFunc(v.targets, n.uses) {
					v.NodeURI = n.URI
				}
			}
		}
	}
	return all, errors.Join(errs...)
}

// CreateVolume creates a volume in the storage service (by URI) and returns
// its URI.
func (c *Client) CreateVolume(ctx context.Context, service string, req VolumeRequest) (string, error) {
	if err := c.need(CapStorage); err != nil {
		return "", err
	}
	s, err := c.getService(ctx, service)
	if err != nil {
		return "", err
	}
	body := c.volumeBody(req)
	h, err := c.send(ctx, http.MethodPost, s.volumes, body)
	if err != nil {
		return "", err
	}
	return locationPath(h, http.MethodPost, s.volumes)
}

// volumeBody lays out a creation request as Swordfish (2.3+) or RSS (2.1/2.2) expects.
func (c *Client) volumeBody(req VolumeRequest) map[string]any {
	kind := cmp.Or(req.SourceType, "Clone")
	body := map[string]any{}
	if req.Name != "" {
		body["Name"] = req.Name
	}
	if c.links.storageKind == storageRSS {
		body["Type"], body["Mode"], body["Protocol"] = "LVM", "LV", "iSCSI"
		body["CapacityGiB"], body["Bootable"] = req.CapacityGiB, req.Bootable
		body["Snapshot"] = req.Source != "" && kind == "Snapshot"
		links := map[string]any{}
		if req.Pool != "" {
			links["LogicalDrives"] = []Ref{Ref(req.Pool)}
		}
		if req.Source != "" {
			links["MasterDrive"] = Ref(req.Source)
		}
		if len(links) > 0 {
			body["Links"] = links
		}
		return body
	}
	body["CapacityBytes"] = int64(req.CapacityGiB * bytesPerGiB)
	body["AccessCapabilities"] = []string{"Read", "Write"}
	body["Oem"] = map[string]any{"Intel_RackScale": map[string]bool{"Bootable": req.Bootable}}
	if req.Pool != "" {
		body["CapacitySources"] = []any{map[string]any{"ProvidingPools": []Ref{Ref(req.Pool)}}}
	}
	if req.Source != "" {
		body["ReplicaInfos"] = []any{map[string]any{"ReplicaType": kind, "Replica": Ref(req.Source)}}
	}
	return body
}

// DeleteVolume deletes a volume by URI. A volume already gone (404) is not an error.
func (c *Client) DeleteVolume(ctx context.Context, uri string) error {
	if _, err := c.send(ctx, http.MethodDelete, uri, nil); err != nil && !IsNotFound(err) {
		return err
	}
	return nil
}
