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

// BenchmarkNode is a compose's cycle on the client's side (Allocate,
// Assemble, the wait, DELETE) and a node's detail (the node, then its
// parts), against the simulator with no added latency (the client's and
// the simulator's CPU per operation, on loopback) and, for the detail,
// with 2 ms added to every request (its round trips in a row).
//
//	go test -run '^$' -bench Node -benchmem ./redfish/
func BenchmarkNode(b *testing.B) {
	ctx := context.Background()
	connectSim := func(b *testing.B, latency time.Duration) *redfish.Client {
		sim, err := rsdsim.New(rsdsim.Config{RSDVersion: "2.3", Systems: 100, Seed: 1, Username: simUser, Password: simPass,
			Faults: rsdsim.Faults{Latency: latency}})
		if err != nil {
			b.Fatal(err)
		}
		c, err := redfish.Connect(ctx, redfish.Config{Endpoint: serve(b, sim), Username: simUser, Password: simPass})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = c.Close() })
		return c
	}
	compose := func(b *testing.B, c *redfish.Client) (string, *redfish.ComposedNode) {
		uri, err := c.Allocate(ctx, redfish.AllocateRequest{Name: "bench"})
		if err != nil {
			b.Fatalf("Allocate: %v", err)
		}
		if err := c.Assemble(ctx, uri); err != nil {
			b.Fatalf("Assemble: %v", err)
		}
		n, err := c.WaitAssembled(ctx, uri)
		if err != nil {
			b.Fatalf("WaitAssembled: %v", err)
		}
		return uri, n
	}
	b.Run("compose", func(b *testing.B) {
		c := connectSim(b, 0)
		for b.Loop() {
			uri, _ := compose(b, c)
			if err := c.DeleteNode(ctx, uri); err != nil {
				b.Fatalf("DeleteNode: %v", err)
			}
		}
	})
	for _, latency := range []time.Duration{0, 2 * time.Millisecond} {
		b.Run(fmt.Sprintf("detail/latency=%v", latency), func(b *testing.B) {
			c := connectSim(b, latency)
			uri, _ := compose(b, c)
			for b.Loop() {
				n, err := c.GetNode(ctx, uri)
				if err != nil {
					b.Fatalf("GetNode: %v", err)
				}
				if p, err := c.NodeParts(ctx, n); err != nil || len(p.Memory) == 0 {
					b.Fatalf("NodeParts = %+v, %v", p, err)
				}
			}
		})
	}
}
