package podm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/valence-rsd/valence/internal/valence"
	"github.com/valence-rsd/valence/redfish"
)

const testURL = "https://podm.example:8443"

func testConn() *conn {
	return &conn{url: testURL, log: zerolog.Nop(), cfg: redfish.Config{MaxResponse: redfish.DefaultMaxResponse, MaxMembers: redfish.DefaultMaxMembers}}
}

func TestToError(t *testing.T) {
	refused := func(status int) *redfish.Error {
		return &redfish.Error{Method: "POST", URI: "/redfish/v1/Nodes/Actions/Allocate", StatusCode: status,
			Code: "Base.1.0.ResourcesStateMismatch", Message: "Conflict during allocation",
			ExtendedInfo: []string{"There are no computer systems available for this allocation request."}}
	}
	unreachable := fmt.Errorf("redfish: GET /redfish/v1: %w", redfish.ErrUnreachable)
	done, cancel := context.WithCancel(context.Background())
	cancel()
	own := valence.Errorf(valence.NotFound, "Pod manager has no storage service \"x\".")
	tests := []struct {
		name string
		ctx  context.Context
		op   op
		err  error
		code valence.Code
		msg  string
		ext  bool
	}{
		{"no resources", nil, opAllocate, refused(409), valence.Conflict,
			"Pod manager refused the allocation: Conflict during allocation", true},
		{"missing", nil, opGetNode, refused(404), valence.NotFound,
			"Pod manager refused reading the node: Conflict during allocation", true},
		{"malformed", nil, opAllocate, refused(400), valence.Invalid,
			"Pod manager refused the allocation: Conflict during allocation", true},
		{"credentials", nil, opConnect, refused(401), valence.PodManagerAuthFailed,
			"Pod manager " + testURL + " refused Valence's credentials for the connection (update its authentication): Conflict during allocation", true},
		{"forbidden", nil, opResetNode, refused(403), valence.PodManagerAuthFailed,
			"Pod manager " + testURL + " refused Valence's credentials for the reset (update its authentication): Conflict during allocation", true},
		{"not implemented", nil, opResetNode, refused(501), valence.NotImplemented,
			"Pod manager " + testURL + " does not implement the reset: Conflict during allocation", true},
		{"server error", nil, opAssemble, refused(500), valence.PodManagerError,
			"Pod manager refused the assembly: Conflict during allocation", true},
		{"precondition", nil, opSetBoot, refused(412), valence.PodManagerError,
			"Pod manager refused the boot override: Conflict during allocation", true},
		{"no message", nil, opDeleteNode, &redfish.Error{StatusCode: 500}, valence.PodManagerError,
			"Pod manager refused deleting the node: Internal Server Error", false},
		{"unreachable", nil, opSystems, unreachable, valence.PodManagerUnavailable,
			"Pod manager " + testURL + " cannot be reached.", false},
		{"deadline", done, opSystems, unreachable, valence.Timeout,
			"Pod manager " + testURL + " did not finish listing the systems in time.", false},
		{"waiting past the deadline", done, opWait, fmt.Errorf("waiting: %w", context.DeadlineExceeded), valence.Timeout,
			"Pod manager " + testURL + " did not finish the assembly in time.", false},
		{"answered just before the deadline", done, opAllocate, refused(409), valence.Conflict,
			"Pod manager refused the allocation: Conflict during allocation", true},
		{"not supported", nil, opAllocate, fmt.Errorf("x: %w", redfish.ErrNotSupported), valence.Invalid,
			"Pod manager " + testURL + " does not support the allocation.", false},
		{"assembly failed", nil, opWait, fmt.Errorf("x: %w", redfish.ErrAssemblyFailed), valence.PodManagerError,
			"Pod manager " + testURL + " failed the assembly.", false},
		{"undecodable", nil, opGetNode, errors.New("redfish: GET /x: decoding: EOF"), valence.PodManagerError,
			"Pod manager " + testURL + ": reading the node failed.", false},
		{"answer too large", nil, opProbe, fmt.Errorf("redfish: GET /redfish/v1: %w", redfish.ErrResponseTooLarge), valence.PodManagerError,
			"Pod manager " + testURL + ": the probe failed: its answer exceeds 4194304 bytes (VALENCE_PODM_MAX_RESPONSE).", false},
		{"too many members", nil, opSystems, fmt.Errorf("redfish: GET /redfish/v1/Systems: %w of 100000", redfish.ErrTooManyMembers), valence.PodManagerError,
			"Pod manager " + testURL + ": listing the systems failed: a collection lists more than 100000 members (VALENCE_PODM_MAX_MEMBERS).", false},
		{"other origin", nil, opSystems, fmt.Errorf("redfish: GET @evil/x: %w", redfish.ErrOtherOrigin), valence.PodManagerError,
			"Pod manager " + testURL + ": listing the systems failed: it linked or redirected away from its own address, which Valence does not follow.", false},
		{"already mapped", nil, opCreateVolume, own, valence.NotFound, own.Message, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			e := testConn().toError(ctx, tt.op, tt.err)
			if e.Code != tt.code || e.Message != tt.msg {
				t.Errorf("toError = %s %q, want %s %q", e.Code, e.Message, tt.code, tt.msg)
			}
			var rf *redfish.Error
			if tt.ext && (!errors.As(tt.err, &rf) || !reflect.DeepEqual(e.ExtendedInfo, rf.ExtendedInfo)) {
				t.Errorf("ExtendedInfo = %q, want the pod manager's", e.ExtendedInfo)
			}
			if !errors.Is(e, tt.err) {
				t.Errorf("the redfish error is not kept as the cause: %v", e.Err)
			}
		})
	}
}

func TestToErrorNotAllowedNamesTheValues(t *testing.T) {
	err := fmt.Errorf("redfish: reset type %q (allowed: [On ForceOff]): %w", "Nmi", redfish.ErrNotAllowed)
	e := testConn().toError(context.Background(), opResetNode, err)
	if e.Code != valence.Invalid || e.Message != "Pod manager "+testURL+" does not allow the reset: "+err.Error()+"." {
		t.Errorf("toError = %s %q", e.Code, e.Message)
	}
}

func TestFirstFailure(t *testing.T) {
	gone := &redfish.Error{StatusCode: http.StatusNotFound}
	failed := &redfish.Error{StatusCode: http.StatusInternalServerError}
	wrappedFailure := fmt.Errorf("reading: %w", failed)
	rest := errors.New("and 4 more failures")
	unreachable := fmt.Errorf("x: %w", redfish.ErrUnreachable)
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"nil", nil, nil},
		{"one 404", gone, nil},
		{"wrapped 404", fmt.Errorf("reading: %w", gone), nil},
		{"joined 404s", errors.Join(gone, fmt.Errorf("x: %w", gone)), nil},
		{"nested joins", errors.Join(errors.Join(gone), gone), nil},
		{"a 500 after a 404", errors.Join(gone, failed), failed},
		{"a wrapped 500 after a 404", errors.Join(gone, wrappedFailure), wrappedFailure},
		{"a 500 first", errors.Join(failed, gone), failed},
		{"an uncounted rest", errors.Join(gone, rest), rest},
		{"unreachable", unreachable, unreachable},
	}
	for _, tt := range tests {
		if got := firstFailure(tt.err); got != tt.want {
			t.Errorf("%s: firstFailure = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestAnswerOfEveryStatus walks every status a pod manager can answer with
// and checks the code the core gets: the special ones as the table says,
// every other one a PodManagerError, and never the caller's own 401 or 403.
func TestAnswerOfEveryStatus(t *testing.T) {
	special := map[int]valence.Code{
		400: valence.Invalid,
		401: valence.PodManagerAuthFailed, 403: valence.PodManagerAuthFailed,
		404: valence.NotFound, 410: valence.NotFound,
		405: valence.NotImplemented, 501: valence.NotImplemented,
		409: valence.Conflict,
	}
	for status := 100; status <= 599; status++ {
		want, ok := special[status]
		if !ok {
			want = valence.PodManagerError
		}
		rf := &redfish.Error{Method: "POST", URI: "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset",
			StatusCode: status, Message: "the reason", ExtendedInfo: []string{"more"}}
		e := testConn().toError(context.Background(), opResetSystem, rf)
		if e.Code != want {
			t.Errorf("%d: code %s, want %s", status, e.Code, want)
		}
		if e.Code == valence.Unauthorized || e.Code == valence.Forbidden {
			t.Errorf("%d: the pod manager's answer became the caller's own %s", status, e.Code)
		}
		if !strings.HasSuffix(e.Message, ": the reason") || !reflect.DeepEqual(e.ExtendedInfo, []string{"more"}) {
			t.Errorf("%d: %q %q does not carry the pod manager's explanation", status, e.Message, e.ExtendedInfo)
		}
	}
}
