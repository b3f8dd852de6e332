package podm

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/valence-rsd/valence/internal/valence"
	"github.com/valence-rsd/valence/redfish"
)

// op names one PodManagerConn method: the metrics' operation label and,
// through opWords, the words of the messages the caller reads.
type op string

// The operations, one per method that talks to the pod manager.
const (
	opConnect      op = "connect"
	opProbe        op = "probe"
	opAllocate     op = "allocate"
	opAssemble     op = "assemble"
	opWait         op = "wait_assembled"
	opGetNode      op = "get_node"
	opListNodes    op = "list_nodes"
	opDeleteNode   op = "delete_node"
	opResetNode    op = "reset_node"
	opSetBoot      op = "set_boot"
	opAttachVolume op = "attach_volume"
	opDetachVolume op = "detach_volume"
	opSystems      op = "systems"
	opRacks        op = "racks"
	opVolumes      op = "volumes"
	opCreateVolume op = "create_volume"
	opDeleteVolume op = "delete_volume"
)

// opWords says what each operation asked for, in "refused <words>".
var opWords = map[op]string{
	opConnect:      "the connection",
	opProbe:        "the probe",
	opAllocate:     "the allocation",
	opAssemble:     "the assembly",
	opWait:         "the assembly",
	opGetNode:      "reading the node",
	opListNodes:    "listing the nodes",
	opDeleteNode:   "deleting the node",
	opResetNode:    "the reset",
	opSetBoot:      "the boot override",
	opAttachVolume: "attaching the volume",
	opDetachVolume: "detaching the volume",
	opSystems:      "listing the systems",
	opRacks:        "listing the racks",
	opVolumes:      "listing the volumes",
	opCreateVolume: "creating the volume",
	opDeleteVolume: "deleting the volume",
}

// toError maps what redfish returned for one operation to the core's error:
// the one place where a Redfish failure gets its code. The pod manager's own
// message and @Message.ExtendedInfo are carried for the caller; the redfish
// error stays in Err for the log.
func (c *conn) toError(ctx context.Context, o op, err error) *valence.Error {
	var own *valence.Error
	if errors.As(err, &own) {
		return own // decided in this package already
	}
	words := opWords[o]
	var rf *redfish.Error
	answered := errors.As(err, &rf) && rf.StatusCode != 0
	// The caller's deadline is checked first: a request cut short by it
	// also looks unreachable to redfish.
	switch {
	case ctx.Err() != nil && !answered:
		return valence.Wrap(err, valence.Timeout, "Pod manager %s did not finish %s in time.", c.url, words)
	case errors.Is(err, redfish.ErrUnreachable):
		return valence.Wrap(err, valence.PodManagerUnavailable, "Pod manager %s cannot be reached.", c.url)
	case errors.Is(err, redfish.ErrNotSupported):
		return valence.Wrap(err, valence.Invalid, "Pod manager %s does not support %s.", c.url, words)
	case errors.Is(err, redfish.ErrNotAllowed):
		return valence.Wrap(err, valence.Invalid, "Pod manager %s does not allow %s: %v.", c.url, words, err)
	case errors.Is(err, redfish.ErrResponseTooLarge):
		return valence.Wrap(err, valence.PodManagerError, "Pod manager %s: %s failed: its answer exceeds %d bytes (VALENCE_PODM_MAX_RESPONSE).",
			c.url, words, c.cfg.MaxResponse)
	case errors.Is(err, redfish.ErrOtherOrigin), errors.Is(err, redfish.ErrRedirectRefused):
		return valence.Wrap(err, valence.PodManagerError, "Pod manager %s: %s failed: it linked or redirected away from its own address, which Valence does not follow.",
			c.url, words)
	case errors.Is(err, redfish.ErrAssemblyFailed):
		return valence.Wrap(err, valence.PodManagerError, "Pod manager %s failed %s.", c.url, words)
	case !answered:
		// A body that does not decode, a bad endpoint or CA bundle: nothing
		// the pod manager said, so no reason to pass on.
		return valence.Wrap(err, valence.PodManagerError, "Pod manager %s: %s failed.", c.url, words)
	}
	e := &valence.Error{Code: valence.PodManagerError, ExtendedInfo: rf.ExtendedInfo, Err: err}
	reason := cmp.Or(rf.Message, rf.Code, http.StatusText(rf.StatusCode))
	e.Message = fmt.Sprintf("Pod manager refused %s: %s", words, reason)
	switch rf.StatusCode {
	case http.StatusNotFound:
		e.Code = valence.NotFound
	case http.StatusConflict:
		e.Code = valence.Conflict
	case http.StatusBadRequest:
		e.Code = valence.Invalid
	case http.StatusUnauthorized, http.StatusForbidden:
		// The core reads Status 401 as "credentials refused".
		e.Status = http.StatusUnauthorized
		e.Message = fmt.Sprintf("Pod manager %s refused the credentials: %s", c.url, reason)
	}
	return e
}
