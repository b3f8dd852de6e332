package podm

import (
	"context"
	"net/http"
	"strings"

	"github.com/stmcginnis/gofish/schemas"

	"github.com/valence-rsd/valence/internal/valence"
	"github.com/valence-rsd/valence/redfish"
)

// none is the result of the operations that return only an error.
type none = struct{}

// Allocate asks the pod manager for a node, its Description marked with
// the compose (composeMark), and returns the node's path and whether the
// node is known to keep the mark: a composed system always does; an RSD
// node does where this connection has seen its pod manager keep it.
func (c *conn) Allocate(ctx context.Context, req valence.AllocateRequest) (valence.Allocation, error) {
	return run(ctx, c, opAllocate, func(rc *redfish.Client) (valence.Allocation, error) {
		if err := c.needCompose(); err != nil {
			return valence.Allocation{}, err
		}
		if c.composition {
			uri, err := c.compositionAllocate(ctx, rc, req)
			return valence.Allocation{URI: uri, Marked: err == nil && req.ComposeID != ""}, err
		}
		uri, err := rc.Allocate(ctx, allocateRequest(req))
		if err != nil {
			return valence.Allocation{}, err
		}
		return valence.Allocation{URI: uri, Marked: c.markKept(ctx, rc, uri, req)}, nil
	})
}

// Assemble starts the assembly of an allocated node.
func (c *conn) Assemble(ctx context.Context, nodeURI string) error {
	return c.nodeOp(ctx, opAssemble, func(rc *redfish.Client) error {
		if c.composition {
			return nil // a composed system is whole when its POST answers
		}
		return rc.Assemble(ctx, nodeURI)
	})
}

// WaitAssembled returns the node's identity and state (Index, URI, Name,
// Description, State, PowerState, Health), as its last poll read them,
// without its links, boot settings or parts, once it is Assembled; a
// node that ends Failed is a PodManagerError, ctx's end a Timeout.
func (c *conn) WaitAssembled(ctx context.Context, nodeURI string) (valence.PodmNode, error) {
	return run(ctx, c, opWait, func(rc *redfish.Client) (valence.PodmNode, error) {
		if err := c.needCompose(); err != nil {
			return valence.PodmNode{}, err
		}
		if c.composition {
			// Whole since its POST answered: one read says what it is.
			cs, err := c.composedSystem(ctx, rc, nodeURI)
			if err != nil {
				return valence.PodmNode{}, err
			}
			return composedNode(cs), nil
		}
		n, err := rc.WaitAssembled(ctx, nodeURI)
		if err != nil {
			return valence.PodmNode{}, err
		}
		return podmNode(n, nil), nil
	})
}

// GetNode reads a node and the parts it is made of.
func (c *conn) GetNode(ctx context.Context, nodeURI string) (valence.PodmNode, error) {
	return run(ctx, c, opGetNode, func(rc *redfish.Client) (valence.PodmNode, error) {
		if err := c.needCompose(); err != nil {
			return valence.PodmNode{}, err
		}
		if c.composition {
			return c.compositionNode(ctx, rc, nodeURI)
		}
		n, err := rc.GetNode(ctx, nodeURI)
		if err != nil {
			return valence.PodmNode{}, err
		}
		parts, err := rc.NodeParts(ctx, n)
		if err = c.tolerateGone(opGetNode, err); err != nil {
			return valence.PodmNode{}, err
		}
		return podmNode(n, parts), nil
	})
}

// ListNodes lists the pod manager's composed nodes, without their parts.
func (c *conn) ListNodes(ctx context.Context) ([]valence.PodmNode, error) {
	return run(ctx, c, opListNodes, func(rc *redfish.Client) ([]valence.PodmNode, error) {
		if err := c.needCompose(); err != nil {
			return nil, err
		}
		if c.composition {
			return c.compositionNodes(ctx, rc)
		}
		nodes, err := rc.ListNodes(ctx)
		if err = c.tolerateGone(opListNodes, err); err != nil {
			return nil, err
		}
		return convertAll(nodes, func(n *redfish.ComposedNode) valence.PodmNode { return podmNode(n, nil) }), nil
	})
}

// DeleteNode removes the node; one already gone is not an error.
func (c *conn) DeleteNode(ctx context.Context, nodeURI string) error {
	return c.nodeOp(ctx, opDeleteNode, func(rc *redfish.Client) error {
		if c.composition {
			return compositionDelete(ctx, rc, nodeURI)
		}
		return rc.DeleteNode(ctx, nodeURI)
	})
}

// ResetNode sends ComposedNode.Reset.
func (c *conn) ResetNode(ctx context.Context, nodeURI, resetType string) error {
	return c.nodeOp(ctx, opResetNode, func(rc *redfish.Client) error {
		if c.composition {
			return rc.ResetSystem(ctx, nodeURI, schemas.ResetType(resetType))
		}
		return rc.Reset(ctx, nodeURI, schemas.ResetType(resetType))
	})
}

// SetBoot sets the node's boot override; empty fields are left as they are.
func (c *conn) SetBoot(ctx context.Context, nodeURI string, boot valence.Boot) error {
	return c.nodeOp(ctx, opSetBoot, func(rc *redfish.Client) error {
		if c.composition {
			return rc.SetSystemBoot(ctx, nodeURI, bootSettings(boot))
		}
		return rc.SetBoot(ctx, nodeURI, bootSettings(boot))
	})
}

// AttachVolume attaches a volume to the node. No protocol is named: the
// pod manager picks the one the volume is exported with.
func (c *conn) AttachVolume(ctx context.Context, nodeURI, volumeURI string) error {
	return c.nodeOp(ctx, opAttachVolume, func(rc *redfish.Client) error {
		return rc.AttachVolume(ctx, nodeURI, volumeURI, "")
	})
}

// DetachVolume detaches a volume from the node; the volume is kept.
func (c *conn) DetachVolume(ctx context.Context, nodeURI, volumeURI string) error {
	return c.nodeOp(ctx, opDetachVolume, func(rc *redfish.Client) error {
		return rc.DetachVolume(ctx, nodeURI, volumeURI)
	})
}

// nodeOp runs an operation on a node that returns only an error, unless
// the driver forbids composition.
func (c *conn) nodeOp(ctx context.Context, o op, call func(*redfish.Client) error) error {
	_, err := run(ctx, c, o, func(rc *redfish.Client) (none, error) {
		if err := c.needCompose(); err != nil {
			return none{}, err
		}
		return none{}, call(rc)
	})
	return err
}

// Systems lists the pod manager's systems, each with the node using it.
func (c *conn) Systems(ctx context.Context) ([]valence.System, error) {
	return run(ctx, c, opSystems, func(rc *redfish.Client) ([]valence.System, error) {
		systems, err := rc.Systems(ctx)
		if err = c.tolerateGone(opSystems, err); err != nil {
			return nil, err
		}
		return convertAll(systems, system), nil
	})
}

// System reads one system by its Id (its path under the Systems
// collection), with its Location from its chassis' ContainedBy links and
// the node its own links name, if they do.
func (c *conn) System(ctx context.Context, id string) (valence.System, error) {
	return run(ctx, c, opGetSystem, func(rc *redfish.Client) (valence.System, error) {
		s, err := rc.LocateSystem(ctx, id)
		if err != nil {
			return valence.System{}, err
		}
		out := system(s)
		// Where nodes are RSD nodes, only they may name their system.
		out.NodeUnknown = !s.NodeLinked && rc.Info().Has(redfish.CapCompose)
		return out, nil
	})
}

// ResetSystem sends ComputerSystem.Reset to a system, for every driver: a
// system needs no composition.
func (c *conn) ResetSystem(ctx context.Context, systemURI, resetType string) error {
	_, err := run(ctx, c, opResetSystem, func(rc *redfish.Client) (none, error) {
		return none{}, rc.ResetSystem(ctx, systemURI, schemas.ResetType(resetType))
	})
	return err
}

// SetSystemBoot sets a system's boot override; empty fields are left as they are.
func (c *conn) SetSystemBoot(ctx context.Context, systemURI string, boot valence.Boot) error {
	_, err := run(ctx, c, opSystemBoot, func(rc *redfish.Client) (none, error) {
		return none{}, rc.SetSystemBoot(ctx, systemURI, bootSettings(boot))
	})
	return err
}

// Racks lists the chassis of type Rack with the UUIDs of their systems.
// redfish names a rack's systems by path only, so the systems are read too.
func (c *conn) Racks(ctx context.Context) ([]valence.Rack, error) {
	return run(ctx, c, opRacks, func(rc *redfish.Client) ([]valence.Rack, error) {
		racks, err := rc.Racks(ctx)
		if err = c.tolerateGone(opRacks, err); err != nil {
			return nil, err
		}
		systems, err := rc.Systems(ctx)
		if err = c.tolerateGone(opRacks, err); err != nil {
			return nil, err
		}
		uuids := make(map[string]string, len(systems))
		for _, s := range systems {
			uuids[s.URI] = s.UUID
		}
		return convertAll(racks, func(r *redfish.Chassis) valence.Rack { return rack(r, uuids) }), nil
	})
}

// Volumes lists the volumes of every storage service.
func (c *conn) Volumes(ctx context.Context) ([]valence.Volume, error) {
	return run(ctx, c, opVolumes, func(rc *redfish.Client) ([]valence.Volume, error) {
		vols, err := rc.Volumes(ctx)
		if err = c.tolerateGone(opVolumes, err); err != nil {
			return nil, err
		}
		return convertAll(vols, volume), nil
	})
}

// CreateVolume creates a volume and reads it back. The storage service may
// be named by path or by Id; with none, the pod manager's first is used.
func (c *conn) CreateVolume(ctx context.Context, req valence.VolumeRequest) (valence.Volume, error) {
	return run(ctx, c, opCreateVolume, func(rc *redfish.Client) (valence.Volume, error) {
		service, err := c.storageService(ctx, rc, req.StorageService)
		if err != nil {
			return valence.Volume{}, err
		}
		uri, err := rc.CreateVolume(ctx, service, volumeRequest(req))
		if err != nil {
			return valence.Volume{}, err
		}
		v, err := rc.GetVolume(ctx, uri)
		if err != nil {
			return valence.Volume{}, err
		}
		v.ServiceURI = service // GetVolume cannot know it
		return volume(v), nil
	})
}

// storageService resolves the storage service a volume is created in.
func (c *conn) storageService(ctx context.Context, rc *redfish.Client, name string) (string, error) {
	if strings.HasPrefix(name, "/") {
		return name, nil
	}
	services, err := rc.StorageServices(ctx)
	if err != nil {
		return "", err
	}
	for _, s := range services {
		if name == "" || s.ID == name {
			return s.URI, nil
		}
	}
	return "", valence.Errorf(valence.NotFound, "Pod manager %s has no storage service %q.", c.url, name)
}

// DeleteVolume deletes a volume; one already gone is not an error.
func (c *conn) DeleteVolume(ctx context.Context, volumeURI string) error {
	_, err := run(ctx, c, opDeleteVolume, func(rc *redfish.Client) (none, error) {
		return none{}, rc.DeleteVolume(ctx, volumeURI)
	})
	return err
}

// tolerateGone returns the failure of a read that counts: none when every
// failure in err is a 404, since a resource deleted between reading its
// collection and reading it (a node decomposed during a listing) is not a
// failure of the listing; otherwise the first other failure, so that a 404
// met first does not make the whole listing a NotFound. The rest is logged.
func (c *conn) tolerateGone(o op, err error) error {
	f := firstFailure(err)
	if f != err {
		c.log.Debug().Err(err).Str("operation", string(o)).Msg("partial read: missing resources left out")
	}
	return f
}

// firstFailure returns the first error in err, wrapped or joined, that is
// not a 404, or nil when there is none.
func firstFailure(err error) error {
	switch e := err.(type) {
	case nil:
		return nil
	case *redfish.Error:
		if e.StatusCode == http.StatusNotFound {
			return nil
		}
		return e
	case interface{ Unwrap() []error }:
		for _, inner := range e.Unwrap() {
			if f := firstFailure(inner); f != nil {
				return f
			}
		}
		return nil
	case interface{ Unwrap() error }:
		if firstFailure(e.Unwrap()) == nil {
			return nil
		}
		return err
	}
	return err
}
