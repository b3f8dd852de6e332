package redfish_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"time"

	"github.com/stmcginnis/gofish/schemas"

	"github.com/valence-rsd/valence/internal/rsdsim"
	"github.com/valence-rsd/valence/redfish"
)

// Connect to a pod manager (here an emulated one), compose a node, and power it on.
func Example() {
	sim, err := rsdsim.New(rsdsim.Config{RSDVersion: "2.3", Username: "admin", Password: "secret"})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	defer sim.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := redfish.Connect(ctx, redfish.Config{Endpoint: srv.URL, Username: "admin", Password: "secret"})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	fmt.Println("RSD", c.Info().RSDVersion, "composes:", c.Info().Has(redfish.CapCompose))

	uri, err := c.Allocate(ctx, redfish.AllocateRequest{
		Name:       "web-1",
		Processors: []redfish.ProcessorRequest{{TotalCores: 2, InstructionSet: "x86-64"}},
		Memory:     []redfish.MemoryRequest{{CapacityMiB: 8192}},
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := c.Assemble(ctx, uri); err != nil {
		log.Fatal(err)
	}
	node, err := c.WaitAssembled(ctx, uri)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(node.URI, node.Name, node.State, node.PowerState)

	if err := c.Reset(ctx, uri, schemas.OnResetType); err != nil {
		log.Fatal(err)
	}
	node, err = c.GetNode(ctx, uri)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("after reset:", node.PowerState)
	// Output:
	// RSD 2.3.0 composes: true
	// /redfish/v1/Nodes/1 web-1 Assembled Off
	// after reset: On
}
