package redfish_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/valence-rsd/valence/internal/rsdsim"
	"github.com/valence-rsd/valence/redfish"
)

// BenchmarkSystems walks the inventory of 1,000 emulated systems (about
// 8,000 requests: systems, processors, storage, NICs, chassis) with every
// request delayed 2 ms by the simulator, sequentially (MaxConcurrent=1) and
// with bounded parallelism, each resource read in full (IgnoreETags). The
// latency=0 case is the CPU cost of the walk on this machine, client and
// simulator together: the floor of the others; its refresh case is the same
// walk revalidated with the last walk's ETags, all of them unchanged.
//
//	go test -run '^$' -bench Systems -benchtime 1x ./redfish/
func BenchmarkSystems(b *testing.B) {
	const systems = 1000
	cases := []struct {
		latency time.Duration
		max     int
		refresh bool
	}{{2 * time.Millisecond, 1, false}, {2 * time.Millisecond, 16, false}, {2 * time.Millisecond, 64, false}, {0, 16, false}, {0, 16, true}}
	for _, bc := range cases {
		name := fmt.Sprintf("latency=%v/MaxConcurrent=%d", bc.latency, bc.max)
		if bc.refresh {
			name += "/refresh"
		}
		b.Run(name, func(b *testing.B) {
			sim, err := rsdsim.New(rsdsim.Config{RSDVersion: "2.3", Systems: systems, Seed: 1,
				Username: simUser, Password: simPass, Faults: rsdsim.Faults{Latency: bc.latency}})
			if err != nil {
				b.Fatal(err)
			}
			url := serve(b, sim)
			ctx := context.Background()
			c, err := redfish.Connect(ctx, redfish.Config{Endpoint: url, Username: simUser, Password: simPass, MaxConcurrent: bc.max,
				IgnoreETags: !bc.refresh})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			if bc.refresh {
				if _, err := c.Systems(ctx); err != nil {
					b.Fatal(err)
				}
			}
			for b.Loop() {
				got, err := c.Systems(ctx)
				if err != nil || len(got) != systems {
					b.Fatalf("Systems: %d, %v", len(got), err)
				}
			}
		})
	}
}
