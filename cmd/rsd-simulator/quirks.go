package main

import (
	"flag"
	"strings"

	"github.com/valence-rsd/valence/internal/rsdsim"
)

// quirkFlags declares the flags of the behaviours of real Redfish services that the
// simulator can play (rsdsim.Quirks); the simulator validates the values.
func quirkFlags(fs *flag.FlagSet, q *rsdsim.Quirks) {
	list := func(dst *[]string) func(string) error {
		return func(s string) error {
			*dst = nil
			for _, v := range strings.Split(s, ",") {
				if v = strings.TrimSpace(v); v != "" {
					*dst = append(*dst, v)
				}
			}
			return nil
		}
	}
	fs.Func("dead-links", "parts of a system whose links answer 404: processors, memory, ethernet_interfaces, simple_storage, storage (comma-separated)", list(&q.DeadLinks))
	fs.Float64Var(&q.DeadLinkShare, "dead-link-share", 0, "share of systems, spread evenly, with --dead-links (0: all)")
	fs.IntVar(&q.AbsentSockets, "absent-sockets", 0, "empty CPU sockets (Status.State Absent) added to every system")
	fs.Func("accelerators", "processors that are not CPUs added to every system: FPGA, GPU, DSP, Accelerator (comma-separated)", list(&q.Accelerators))
	fs.IntVar(&q.SharedUUID, "shared-uuid", 0, "the first N systems share one UUID")
	fs.IntVar(&q.NoUUID, "no-uuid", 0, "the last N systems have no UUID")
	fs.BoolVar(&q.NoRacks, "no-racks", false, "the racks are chassis of type Enclosure: no chassis is of type Rack")
	fs.StringVar(&q.ETags, "etags", "", "how entity tags are served: none (no ETag header) or ignored (ETags sent, If-None-Match never answered 304); empty: ETags sent and honoured")
	fs.IntVar(&q.PageSize, "page-size", 0, "answer every collection in pages of N members (1 to 10000), linked by Members@odata.nextLink (<path>?$skip=k); 0: whole collections")
	fs.IntVar(&q.IfMatchRequired, "if-match-required", 0, "answer a PATCH without If-Match with this status: 428 or 412 (0: off)")
	fs.BoolVar(&q.NoSystemNodeLink, "no-system-node-link", false, "systems do not link their composed node (Links.Oem.Intel_RackScale.ComposedNode), as on a real PODM")
	fs.BoolVar(&q.DropDescription, "drop-description", false, "the Allocate ignores the request's Description: the node keeps the default (empty), as a PODM would that did not keep it")
}
