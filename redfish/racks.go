package redfish

import (
	"context"
	"slices"

	"github.com/stmcginnis/gofish/schemas"
)

// maxRackScan bounds the chassis that detectRacks reads.
const maxRackScan = 256

// detectRacks drops CapRacks, which the root's Chassis link suggests, when
// no chassis is of type Rack (rack-mount servers and blade enclosures have
// none). Chassis are read in order until the first Rack; an RSD pod lists
// its racks right after the pod. When the chassis cannot be read, or there
// are more than maxRackScan, the capability stays, so that a list of racks
// says what is wrong rather than answering nothing.
func (c *Client) detectRacks(ctx context.Context) {
	if !c.info.Has(CapRacks) {
		return
	}
	uris, err := c.members(ctx, c.links.chassis)
	if err != nil || len(uris) > maxRackScan {
		return
	}
	for _, uri := range uris {
		ch, err := c.getChassis(ctx, uri)
		if err != nil || ch.Type == schemas.RackChassisType {
			return
		}
	}
	c.info.Capabilities = slices.DeleteFunc(slices.Clone(c.info.Capabilities), func(x Capability) bool { return x == CapRacks })
}
