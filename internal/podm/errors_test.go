package podm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"testing"

	"github.com/rs/zerolog"

	"github.com/valence-rsd/valence/internal/valence"
	"github.com/valence-rsd/valence/redfish"
)

const testURL = "https://podm.example:8443"

func testConn() *conn {
	return &conn{url: testURL, log: zerolog.Nop(), cfg: redfish.Config{MaxResponse: redfish.DefaultMaxResponse}}
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
		name   string
		ctx    context.Context
		op     op
		err    error
		code   valence.Code
		status int
		msg    string
		ext    bool
	}{
		{"no resources", nil, opAllocate, refused(409), valence.Conflict, 0,
			"Pod manager refused the allocation: Conflict during allocation", true},
		{"missing", nil, opGetNode, refused(404), valence.NotFound, 0,
			"Pod manager refused reading the node: Conflict during allocation", true},
		{"malformed", nil, opAllocate, refused(400), valence.Invalid, 0,
			"Pod manager refused the allocation: Conflict during allocation", true},
		{"credentials", nil, opConnect, refused(401), valence.PodManagerError, 401,
			"Pod manager " + testURL + " refused the credentials: Conflict during allocation", true},
		{"forbidden", nil, opSystems, refused(403), valence.PodManagerError, 401,
			"Pod manager " + testURL + " refused the credentials: Conflict during allocation", true},
		{"server error", nil, opAssemble, refused(500), valence.PodManagerError, 0,
			"Pod manager refused the assembly: Conflict during allocation", true},
		{"precondition", nil, opSetBoot, refused(412), valence.PodManagerError, 0,
			"Pod manager refused the boot override: Conflict during allocation", true},
		{"no message", nil, opDeleteNode, &redfish.Error{StatusCode: 500}, valence.PodManagerError, 0,
			"Pod manager refused deleting the node: Internal Server Error", false},
		{"unreachable", nil, opSystems, unreachable, valence.PodManagerUnavailable, 0,
			"Pod manager " + testURL + " cannot be reached.", false},
		{"deadline", done, opSystems, unreachable, valence.Timeout, 0,
			"Pod manager " + testURL + " did not finish listing the systems in time.", false},
		{"waiting past the deadline", done, opWait, fmt.Errorf("waiting: %w", context.DeadlineExceeded), valence.Timeout, 0,
			"Pod manager " + testURL + " did not finish the assembly in time.", false},
		{"answered just before the deadline", done, opAllocate, refused(409), valence.Conflict, 0,
			"Pod manager refused the allocation: Conflict during allocation", true},
		{"not supported", nil, opAllocate, fmt.Errorf("x: %w", redfish.ErrNotSupported), valence.Invalid, 0,
			"Pod manager " + testURL + " does not support the allocation.", false},
		{"assembly failed", nil, opWait, fmt.Errorf("x: %w", redfish.ErrAssemblyFailed), valence.PodManagerError, 0,
			"Pod manager " + testURL + " failed the assembly.", false},
		{"undecodable", nil, opGetNode, errors.New("redfish: GET /x: decoding: EOF"), valence.PodManagerError, 0,
			"Pod manager " + testURL + ": reading the node failed.", false},
		{"answer too large", nil, opProbe, fmt.Errorf("redfish: GET /redfish/v1: %w", redfish.ErrResponseTooLarge), valence.PodManagerError, 0,
			"Pod manager " + testURL + ": the probe failed: its answer exceeds 4194304 bytes (VALENCE_PODM_MAX_RESPONSE).", false},
		{"other origin", nil, opSystems, fmt.Errorf("redfish: GET @evil/x: %w", redfish.ErrOtherOrigin), valence.PodManagerError, 0,
			"Pod manager " + testURL + ": listing the systems failed: it linked or redirected away from its own address, which Valence does not follow.", false},
		{"already mapped", nil, opCreateVolume, own, valence.NotFound, 0, own.Message, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			e := testConn().toError(ctx, tt.op, tt.err)
			if e.Code != tt.code || e.Status != tt.status || e.Message != tt.msg {
				t.Errorf("toError = %s/%d %q, want %s/%d %q", e.Code, e.Status, e.Message, tt.code, tt.status, tt.msg)
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
