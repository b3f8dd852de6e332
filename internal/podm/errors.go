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
	opResetSystem  op = "reset_system"
	opSystemBoot   op = "set_system_boot"
	opAttachVolume op = "attach_volume"
	opDetachVolume op = "detach_volume"
	opSystems      op = "systems"
	opGetSystem    op = "get_system"
	opRacks        op = "racks"
	opVolumes      op = "volumes"
	opCreateVolume op = "create_volume"
	opDeleteVolume op = "delete_volume"
	opCapacity     op = "capacity"
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
	opResetSystem:  "the reset",
	opSystemBoot:   "the boot override",
	opAttachVolume: "attaching the volume",
	opDetachVolume: "detaching the volume",
	opSystems:      "listing the systems",
	opGetSystem:    "reading the system",
	opRacks:        "listing the racks",
	opVolumes:      "listing the volumes",
	opCreateVolume: "creating the volume",
	opDeleteVolume: "deleting the volume",
	opCapacity:     "counting the resource blocks",
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
	case errors.Is(err, redfish.ErrTooManyMembers):
		return valence.Wrap(err, valence.PodManagerError, "Pod manager %s: %s failed: a collection lists more than %d members (VALENCE_PODM_MAX_MEMBERS).",
			c.url, words, c.cfg.MaxMembers)
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
	reason := cmp.Or(rf.Message, rf.Code, http.StatusText(rf.StatusCode))
	a := answerOf(rf.StatusCode)
	return &valence.Error{Code: a.code, Message: fmt.Sprintf(a.format, c.url, words, reason), ExtendedInfo: rf.ExtendedInfo, Err: err}
}

// answer is what one status of the pod manager's own answer means to the
// core: its code and the message the caller reads.
type answer struct {
	code valence.Code
	// format is given the pod manager's URL, the operation's words and the
	// pod manager's reason, and picks what it says by index.
	format string
}

// The messages of answers, in the words of the operation.
const (
	refused       = "Pod manager refused %[2]s: %[3]s"
	credentials   = "Pod manager %[1]s refused Valence's credentials for %[2]s (update its authentication): %[3]s"
	unimplemented = "Pod manager %[1]s does not implement %[2]s: %[3]s"
)

// answers is the one table from the status a pod manager answered with to
// the core's code. Its credentials being refused is never the caller's 401
// or 403: the API keeps those for the caller's own credentials.
var answers = map[int]answer{
	http.StatusBadRequest:     {valence.Invalid, refused},
	http.StatusUnauthorized:   {valence.PodManagerAuthFailed, credentials},
	http.StatusForbidden:      {valence.PodManagerAuthFailed, credentials},
	http.StatusNotFound:       {valence.NotFound, refused},
	http.StatusGone:           {valence.NotFound, refused},
	http.StatusConflict:       {valence.Conflict, refused},
	http.StatusNotImplemented: {valence.NotImplemented, unimplemented},
	// 405 is how Redfish refuses an action or a PATCH that the resource
	// does not offer: unsupported, as 501 is.
	http.StatusMethodNotAllowed: {valence.NotImplemented, unimplemented},
}

// answerOf looks status up in answers; any other status (every other 4xx,
// every 5xx, and a 1xx or 3xx that gofish did not follow) is the pod
// manager's own failure.
func answerOf(status int) answer {
	if a, ok := answers[status]; ok {
		return a
	}
	return answer{valence.PodManagerError, refused}
}
