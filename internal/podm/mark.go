package podm

import (
	"context"
	"strings"

	"github.com/valence-rsd/valence/internal/valence"
	"github.com/valence-rsd/valence/redfish"
)

// composeMark starts the Description of a node or composed system that
// Valence makes, followed by the compose's id and, after a space, the
// caller's description, so that recovery recognises the node of a compose
// that died or whose answer was lost (valence.PodmNode.ComposeID). Both
// drivers' requests carry a Description: DMTF's capabilities objects allow
// Name and Description, and RSD's Allocate (RSD 2.1 to 2.4) takes both. A
// DMTF service surely keeps it; whether an RSD pod manager does is
// verified once per connection (conn.markKept).
const composeMark = "valence-compose:"

// marked is the Description of the node made for req.
func marked(req valence.AllocateRequest) string {
	switch {
	case req.ComposeID == "":
		return req.Description
	case req.Description == "":
		return composeMark + req.ComposeID
	}
	return composeMark + req.ComposeID + " " + req.Description
}

// unmarked splits a node's Description into the compose that made it
// (empty when no compose of Valence did) and the caller's description.
func unmarked(description string) (composeID, rest string) {
	tail, ok := strings.CutPrefix(description, composeMark)
	if !ok {
		return "", description
	}
	id, rest, _ := strings.Cut(tail, " ")
	if id == "" {
		return "", description
	}
	return id, rest
}

// What a connection knows of whether its RSD pod manager keeps the mark an
// Allocate sends (conn.marks): learnt once, by reading back the first node
// it allocates, and kept for the connection's life (a connection is remade
// when the pod manager's record changes).
const (
	markUnknown int32 = iota // not seen yet, or the read failed
	markKept
	markDropped
)

// markKept reports whether the node at uri, just allocated for req, is
// known to carry req's mark: the first time, by reading it (one light GET);
// after that, from what that read showed. A read that fails teaches
// nothing: this node is not known to be marked, and the next Allocate reads
// again.
func (c *conn) markKept(ctx context.Context, rc *redfish.Client, uri string, req valence.AllocateRequest) bool {
	if req.ComposeID == "" {
		return false // nothing was marked
	}
	switch c.marks.Load() {
	case markKept:
		return true
	case markDropped:
		return false
	}
	n, err := rc.NodeState(ctx, uri)
	if err != nil {
		c.log.Warn().Err(err).Str("node_uri", uri).Msg("cannot read the node allocated to learn whether the pod manager keeps its Description; its compose commits the node's URI")
		return false
	}
	id, _ := unmarked(n.Description)
	learnt := markDropped
	if id == req.ComposeID {
		learnt = markKept
	}
	if c.marks.CompareAndSwap(markUnknown, learnt) {
		c.log.Info().Bool("kept", learnt == markKept).Str("node_uri", uri).
			Msg("learnt whether the pod manager keeps the compose mark in a node's Description")
	}
	return learnt == markKept
}
