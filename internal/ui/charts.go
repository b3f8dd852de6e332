package ui

import (
	"strconv"

	"github.com/valence-rsd/valence/api"
)

// bar is a free-against-total chart of the Overview, drawn by the "bar"
// template block as an SVG of two rectangles in a 100-wide view box (no
// inline style, which the pages' Content-Security-Policy forbids).
type bar struct {
	Label string
	// Unit follows the numbers, e.g. "GiB"; empty for a count.
	Unit string
	api.Amount
}

// FreeWidth is the free part's width in the view box, 0 to 100.
func (b bar) FreeWidth() string {
	if b.Total <= 0 || b.Free <= 0 {
		return "0"
	}
	if b.Free >= b.Total {
		return "100"
	}
	return strconv.FormatFloat(float64(b.Free)*100/float64(b.Total), 'f', 1, 64)
}

// capacityBars are the charts of a pod manager's capacity; a DMTF one
// counts Compute blocks, not systems.
func capacityBars(c *api.Capacity) []bar {
	systems := "Systems"
	if c.Unit == "block" {
		systems = "Compute blocks"
	}
	return []bar{
		{Label: systems, Amount: c.Systems},
		{Label: "Cores", Amount: c.Cores},
		{Label: "Memory", Unit: "GiB", Amount: c.MemoryGiB},
		{Label: "Storage", Unit: "GiB", Amount: c.StorageGiB},
	}
}
