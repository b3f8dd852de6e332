// Package valence is the core of Valence: its domain types (pod managers,
// flavors, composed nodes, systems, racks, volumes), its error codes, and the
// operations on them (compose, decompose, adopt, reset, boot, attach,
// inventory). It knows no HTTP, no database and no Redfish: it reaches the
// records through the Store interface and the pod managers through the
// Connector interface, both defined here and implemented elsewhere.
package valence
