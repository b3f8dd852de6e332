package redfish_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/valence-rsd/valence/internal/rsdsim"
	"github.com/valence-rsd/valence/redfish"
)

// BenchmarkSystems walks the inventory of 1,000 emulated systems, each
// request delayed 2 ms by the simulator, sequentially (MaxConcurrent=1) and
// with bounded parallelism.
//
//	go test -run '^$' -bench Systems -benchtime 3x ./redfish/
func BenchmarkSystems(b *testing.B) {
	const systems = 1000
	for _, max := range benchConcurrency {
		b.Run(fmt.Sprintf("MaxConcurrent=%d", max), func(b *testing.B) {
			sim, err := rsdsim.New(rsdsim.Config{RSDVersion: "2.3", Systems: systems, Seed: 1,
				Username: simUser, Password: simPass, Faults: rsdsim.Faults{Latency: 2 * time.Millisecond}})
			if err != nil {
				b.Fatal(err)
			}
			url := serve(b, sim)
			ctx := context.Background()
			c, err := redfish.Connect(ctx, redfish.Config{Endpoint: url, Username: simUser, Password: simPass, MaxConcurrent: max})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			b.ResetTimer()
			for b.Loop() {
				got, err := c.Systems(ctx)
				if err != nil || len(got) != systems {
					b.Fatalf("Systems: %d, %v", len(got), err)
				}
			}
		})
	}
}

var benchConcurrency = []int{1, 16, 64}
