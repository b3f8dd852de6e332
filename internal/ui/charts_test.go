package ui

import (
	"testing"

	"github.com/valence-rsd/valence/api"
)

func TestBarFreeWidth(t *testing.T) {
	for _, c := range []struct {
		free, total int64
		want        string
	}{
		{0, 0, "0"}, {5, 0, "0"}, {-1, 10, "0"}, {0, 10, "0"},
		{1, 3, "33.3"}, {960, 1024, "93.8"}, {10, 10, "100"}, {11, 10, "100"},
	} {
		if got := (bar{Amount: api.Amount{Free: c.free, Total: c.total}}).FreeWidth(); got != c.want {
			t.Errorf("%d of %d: width %s, want %s", c.free, c.total, got, c.want)
		}
	}
}

func TestCapacityBarsName(t *testing.T) {
	for unit, want := range map[string]string{"system": "Systems", "block": "Compute blocks"} {
		bars := capacityBars(&api.Capacity{Unit: unit, Systems: api.Amount{Total: 4, Free: 1}})
		if len(bars) != 4 || bars[0].Label != want || bars[0].Free != 1 || bars[2].Unit != "GiB" {
			t.Errorf("unit %s: bars %+v", unit, bars)
		}
	}
}
