package valence

import (
	"context"
	"fmt"
	"math"
)

// Units of a Capacity: what its free counts count.
const (
	// CapacitySystem counts systems: free is a system no node uses (RSD and
	// plain Redfish).
	CapacitySystem = "system"
	// CapacityBlock counts resource blocks: free is a block a composition
	// may take (DMTF composition).
	CapacityBlock = "block"
)

// Bounds of a Capacity's warnings: how many (the last one then counts those
// left out), and how long each is, in characters.
const (
	MaxCapacityWarnings   = 20
	MaxCapacityWarningLen = 512
)

// Capacity is what one pod manager has to compose with, and how much of it
// is free.
type Capacity struct {
	PodmID string
	// Unit is CapacitySystem or CapacityBlock.
	Unit string
	// Systems counts systems, or Compute blocks in the unit CapacityBlock.
	Systems Amount
	// Cores, MemoryGiB and StorageGiB sum the parts of what Systems counts
	// (in blocks: of the Compute, Processor, Memory and Storage blocks).
	Cores, MemoryGiB, StorageGiB Amount
	// Warnings name what the pod manager did not give, counted as zero.
	Warnings []string
}

// Amount is a total and the part of it that is free.
type Amount struct{ Total, Free int64 }

// blockCapacity is a connection's BlockCapacity answer, as cached.
type blockCapacity struct {
	capacity Capacity
	ok       bool
}

// Capacity returns the free capacity of the pod manager podmID, read from
// the cached inventory: its systems (the /v1/systems cache, whose marks say
// which a node uses), or, for a pod manager that composes of resource
// blocks, its blocks as the connection counts them. A pod manager that
// cannot be asked is its own failure.
func (s *Service) Capacity(ctx context.Context, podmID string) (Capacity, error) {
	inv, err := fanOut(ctx, s, podmID, CapSystems, func(ctx context.Context, pm PodManager, conn PodManagerConn) ([]Capacity, error) {
		blocks, err := cached(ctx, s.inventories, pm.UUID, "blocks", onPodm(s, func(ctx context.Context) (blockCapacity, error) {
			c, ok, err := conn.BlockCapacity(ctx)
			return blockCapacity{c, ok}, err
		}))
		if err != nil {
			return nil, err
		}
		if blocks.ok {
			c := blocks.capacity
			c.PodmID, c.Unit, c.Warnings = pm.UUID, CapacityBlock, boundWarnings(c.Warnings)
			return []Capacity{c}, nil
		}
		systems, _, err := s.podmSystems(ctx, pm, conn)
		if err != nil {
			return nil, err
		}
		return []Capacity{systemCapacity(pm.UUID, systems)}, nil
	})
	if err != nil {
		return Capacity{}, err
	}
	if len(inv.Items) == 0 { // a pod manager without systems: nothing to compose with
		return Capacity{PodmID: podmID, Unit: CapacitySystem, Warnings: []string{}}, nil
	}
	return inv.Items[0], nil
}

// systemCapacity counts a pod manager's marked systems: free is a system no
// recorded node uses.
func systemCapacity(podmID string, systems []System) Capacity {
	c := Capacity{PodmID: podmID, Unit: CapacitySystem}
	var ram, storage [2]float64 // total, free
	for _, sys := range systems {
		free := sys.ComposedNode == ""
		c.Systems.add(1, free)
		c.Cores.add(int64(sys.CPU.Cores), free)
		ram[0] += sys.RAMGiB
		storage[0] += sys.StorageGiB
		if free {
			ram[1] += sys.RAMGiB
			storage[1] += sys.StorageGiB
		}
		for _, w := range sys.Warnings {
			c.Warnings = append(c.Warnings, fmt.Sprintf("System %s: %s", sys.ID, w))
		}
	}
	c.MemoryGiB = Amount{int64(math.Round(ram[0])), int64(math.Round(ram[1]))}
	c.StorageGiB = Amount{int64(math.Round(storage[0])), int64(math.Round(storage[1]))}
	c.Warnings = boundWarnings(c.Warnings)
	return c
}

// add counts n into the total, and into the free part when free.
func (a *Amount) add(n int64, free bool) {
	a.Total += n
	if free {
		a.Free += n
	}
}

// boundWarnings keeps the first MaxCapacityWarnings-1 warnings, each cut to
// MaxCapacityWarningLen, and one that counts the rest; never nil, so that an
// answer lists none as [].
func boundWarnings(w []string) []string {
	out := make([]string, 0, min(len(w), MaxCapacityWarnings))
	for i, s := range w {
		if i == MaxCapacityWarnings-1 && len(w) > MaxCapacityWarnings {
			return append(out, fmt.Sprintf("%d more warnings left out.", len(w)-i))
		}
		// Shortened adds one character, "…", to what it cuts.
		out = append(out, Shortened(s, MaxCapacityWarningLen-1))
	}
	return out
}
