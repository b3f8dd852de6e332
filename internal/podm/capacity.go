package podm

import (
	"cmp"
	"context"
	"fmt"
	"math"

	"github.com/stmcginnis/gofish/schemas"

	"github.com/valence-rsd/valence/internal/valence"
	"github.com/valence-rsd/valence/redfish"
)

// mibPerGiB converts memory sizes.
const mibPerGiB = 1024

// BlockCapacity counts the resource blocks of a pod manager in composition
// mode; ok is false, with no request, in the other modes. A block is free
// when a composition may take it and it is in a zone, as chooseBlocks
// weighs it.
func (c *conn) BlockCapacity(ctx context.Context) (valence.Capacity, bool, error) {
	if !c.composition {
		return valence.Capacity{}, false, nil
	}
	out, err := run(ctx, c, opCapacity, func(rc *redfish.Client) (valence.Capacity, error) {
		comp, err := rc.Composition(ctx)
		if err != nil {
			return valence.Capacity{}, err
		}
		blocks, err := rc.ResourceBlocks(ctx, comp.Service)
		if err = c.tolerateGone(opCapacity, err); err != nil {
			return valence.Capacity{}, err
		}
		return c.countBlocks(ctx, rc, blocks)
	})
	return out, err == nil, err
}

// countBlocks sums the blocks' parts: processors of Compute and Processor
// blocks, memory of Compute and Memory blocks, drives of Storage blocks, all
// read in one bounded fan-out. A device that cannot be read counts as zero
// and is named in a warning of its block.
func (c *conn) countBlocks(ctx context.Context, rc *redfish.Client, blocks []redfish.ResourceBlock) (valence.Capacity, error) {
	var links redfish.NodeLinks
	for _, b := range blocks {
		if b.Has(schemas.ComputeResourceBlockType) || b.Has(schemas.ProcessorResourceBlockType) {
			links.Processors = append(links.Processors, b.Processors...)
		}
		if b.Has(schemas.ComputeResourceBlockType) || b.Has(schemas.MemoryResourceBlockType) {
			links.Memory = append(links.Memory, b.Memory...)
		}
		if b.Has(schemas.StorageResourceBlockType) {
			links.LocalDrives = append(links.LocalDrives, b.Drives...)
		}
	}
	parts, err := rc.NodeParts(ctx, &redfish.ComposedNode{Links: links})
	if ctx.Err() != nil {
		return valence.Capacity{}, cmp.Or(err, ctx.Err())
	}
	if err != nil {
		c.log.Warn().Err(err).Msg("capacity: devices of resource blocks could not be read; counted as zero")
	}
	cores := map[string]int{}
	for _, p := range parts.Processors {
		cores[p.URI] = p.TotalCores
	}
	mib := map[string]int{}
	for _, m := range parts.Memory {
		mib[m.URI] = m.CapacityMiB
	}
	gib := map[string]float64{}
	for _, d := range parts.LocalDrives {
		gib[d.URI] = d.CapacityGiB
	}

	var out valence.Capacity
	var memMiB, storageGiB [2]float64 // total, free
	for _, b := range blocks {
		free := b.Free() && len(b.Zones) > 0
		missing := 0
		// sum adds what the devices of uris give, counting those not read.
		sum := func(uris []string, read func(string) (float64, bool)) float64 {
			var n float64
			for _, u := range uris {
				v, ok := read(u)
				if !ok {
					missing++
				}
				n += v
			}
			return n
		}
		if b.Has(schemas.ComputeResourceBlockType) {
			out.Systems.Total++
			if free {
				out.Systems.Free++
			}
		}
		var blockCores, blockMiB, blockGiB float64
		if b.Has(schemas.ComputeResourceBlockType) || b.Has(schemas.ProcessorResourceBlockType) {
			blockCores = sum(b.Processors, found(cores))
		}
		if b.Has(schemas.ComputeResourceBlockType) || b.Has(schemas.MemoryResourceBlockType) {
			blockMiB = sum(b.Memory, found(mib))
		}
		if b.Has(schemas.StorageResourceBlockType) {
			blockGiB = sum(b.Drives, found(gib))
			if len(b.Drives) == 0 && len(b.Storage)+len(b.SimpleStorage) > 0 {
				out.Warnings = append(out.Warnings, fmt.Sprintf("ResourceBlock %s: its storage is linked as Storage or SimpleStorage, not as Drives, and is not counted.", b.ID))
			}
		}
		if missing > 0 {
			out.Warnings = append(out.Warnings, fmt.Sprintf("ResourceBlock %s: %d of its devices could not be read and count as 0.", b.ID, missing))
		}
		out.Cores.Total += int64(blockCores)
		memMiB[0] += blockMiB
		storageGiB[0] += blockGiB
		if free {
			out.Cores.Free += int64(blockCores)
			memMiB[1] += blockMiB
			storageGiB[1] += blockGiB
		}
	}
	out.MemoryGiB = valence.Amount{Total: rounded(memMiB[0] / mibPerGiB), Free: rounded(memMiB[1] / mibPerGiB)}
	out.StorageGiB = valence.Amount{Total: rounded(storageGiB[0]), Free: rounded(storageGiB[1])}
	return out, nil
}

// found reads a device's value from m, saying whether it was read.
func found[T int | float64](m map[string]T) func(string) (float64, bool) {
	return func(uri string) (float64, bool) {
		v, ok := m[uri]
		return float64(v), ok
	}
}

// rounded is x to the nearest whole number.
func rounded(x float64) int64 { return int64(math.Round(x)) }
