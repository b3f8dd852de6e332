// Package redfish is a client for Intel Rack Scale Design (RSD) 2.x Pod
// Managers and plain Redfish services, built on github.com/stmcginnis/gofish:
// the Go counterpart of OpenStack's rsd-lib.
//
// gofish does the requests and the standard resources (systems, processors,
// memory, storage); this package keeps the Redfish session (logging in again
// when the pod manager forgets it, see Config.OnRelogin) and adds what RSD
// adds: detection of the RSD version and capabilities, composed nodes
// (Allocate, Assemble, Reset, boot override, volume attach and detach,
// delete), RSD storage (Swordfish volumes in 2.3+, RSS logical drives in
// 2.1/2.2), an inventory summed the way an operator reads it and fetched
// with bounded parallelism, and one error type, *Error, that carries the pod
// manager's reasons.
//
// The inventory degrades per part: a part of a system that cannot be read is
// left zero and named in System.Warnings. Reads (GET, HEAD) that get no
// answer, a 5xx or a 429 are retried with a jittered backoff within the
// request's deadline (see Retry); writes never are.
//
// Operations take a node, system or volume by URI; nodes and systems also by Id.
// A plain Redfish service (no Oem.Intel_RackScale) serves systems, chassis
// and ResetSystem; RSD composition on it fails with ErrNotSupported.
//
// A service whose root links a DMTF CompositionService (CapComposition) is
// read and composed on by composition.go: Composition tells from the Systems
// collection's @Redfish.CollectionCapabilities whether it composes by named
// blocks (specific) or by requirements (constrained); ResourceBlocks and
// ResourceZones read the pool; ComposeSystem POSTs to Systems and
// DecomposeSystem DELETEs the composed system.
//
// Every request stays on the origin of Config.Endpoint: a link or redirect
// that leads elsewhere fails with ErrOtherOrigin before anything is sent,
// and an answer over Config.MaxResponse fails with ErrResponseTooLarge.
// A collection answered in pages (Members@odata.nextLink) is read to its
// last page; more than Config.MaxMembers members fail with
// ErrTooManyMembers, pages that loop or run empty with ErrBadPaging.
package redfish
