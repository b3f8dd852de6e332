package redfish

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/stmcginnis/gofish/schemas"
)

// Sentinel errors. Test for them with errors.Is.
var (
	// ErrUnreachable marks a request that got no HTTP answer: connection
	// refused or reset, DNS or TLS failure, or a transport timeout. Callers map
	// it to "pod manager unavailable" rather than to the pod manager's refusal.
	ErrUnreachable = errors.New("pod manager unreachable")

	// ErrNotSupported is returned for an operation the pod manager does not
	// offer, such as composition on a plain Redfish service.
	ErrNotSupported = errors.New("not supported by this pod manager")

	// ErrNotAllowed is returned, before any request is sent, for a value the
	// pod manager does not list among its allowable values (a reset type, a
	// boot target or mode).
	ErrNotAllowed = errors.New("value not allowed by this pod manager")

	// ErrAssemblyFailed is returned by WaitAssembled when the node reaches the
	// Failed state.
	ErrAssemblyFailed = errors.New("composed node assembly failed")
)

// Error is the one error type of this package for a request that reached the
// pod manager and was refused, or that never got an answer.
//
// StatusCode is 0 when no HTTP answer arrived; such an Error also matches
// ErrUnreachable with errors.Is, and its cause (for example
// context.DeadlineExceeded) stays reachable through errors.Is and errors.As.
type Error struct {
	// Method and URI name the request that failed.
	Method, URI string
	// StatusCode is the HTTP status of the answer, 0 if there was none.
	StatusCode int
	// Code is the Redfish MessageId of the error, e.g. "Base.1.0.ResourcesStateMismatch".
	Code string
	// Message is the Redfish error message, or the raw body when it was not a Redfish error.
	Message string
	// ExtendedInfo holds the messages of @Message.ExtendedInfo, which say why
	// the pod manager refused (for example which allocation requirement failed).
	ExtendedInfo []string

	cause error
}

// Error renders the request, the status, the code, the message and the
// extended messages on one line.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "redfish: %s %s: ", e.Method, e.URI)
	if e.StatusCode == 0 {
		fmt.Fprintf(&b, "%v: %v", ErrUnreachable, e.cause)
		return b.String()
	}
	fmt.Fprintf(&b, "%d", e.StatusCode)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if len(e.ExtendedInfo) > 0 {
		b.WriteString(" (" + strings.Join(e.ExtendedInfo, "; ") + ")")
	}
	return b.String()
}

// Unwrap exposes ErrUnreachable and the transport cause for an unanswered request.
func (e *Error) Unwrap() []error {
	if e.StatusCode != 0 {
		return nil
	}
	return []error{ErrUnreachable, e.cause}
}

// StatusCode returns the HTTP status carried by err, or 0 if err holds no
// answered *Error.
func StatusCode(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

// IsNotFound reports whether the pod manager answered 404.
func IsNotFound(err error) bool { return StatusCode(err) == http.StatusNotFound }

// IsConflict reports whether the pod manager answered 409, as it does when
// no resources match an allocation request.
func IsConflict(err error) bool { return StatusCode(err) == http.StatusConflict }

// addExtended adds one extended message, its text or else its MessageId, up
// to maxExtendedInfo of them.
func (e *Error) addExtended(message, id string) {
	if m := cmp.Or(message, id); m != "" && len(e.ExtendedInfo) < maxExtendedInfo {
		e.ExtendedInfo = append(e.ExtendedInfo, clip(m))
	}
}

// wrapErr turns what gofish returned for one request into an *Error. gofish
// reports an HTTP refusal as *schemas.Error and a transport failure as the
// raw error of net/http, which is how the two are told apart here.
func wrapErr(method, uri string, err error) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	var rf *schemas.Error
	var ue *url.Error
	switch {
	case errors.As(err, &rf) && rf.HTTPReturnedStatusCode != 0:
		e := &Error{Method: method, URI: clip(uri), StatusCode: rf.HTTPReturnedStatusCode, Code: clip(rf.Code), Message: clip(rf.Message)}
		for _, m := range rf.ExtendedInfos {
			e.addExtended(m.Message, m.MessageID)
		}
		return e
	case errors.Is(err, ErrOtherOrigin) || errors.Is(err, ErrResponseTooLarge) || errors.Is(err, ErrRedirectRefused):
		// Refused on this side, not a pod manager out of reach.
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("redfish: %s %s: %w", method, uri, err)
	case errors.As(err, &ue) && ue.Op == "parse":
		// gofish appends a link to the endpoint; only a link that is not a
		// path (an absolute URL, say) makes a URL that does not parse.
		return fmt.Errorf("redfish: %s %s: link %w", method, uri, ErrOtherOrigin)
	case errors.As(err, &ue) && !errors.Is(err, context.Canceled):
		// net/http reports every transport failure as *url.Error; a deadline
		// that expired while waiting for the answer counts as unreachable too.
		return &Error{Method: method, URI: uri, cause: err}
	default:
		// The caller's cancellation, a gofish client-side failure or a body
		// that does not decode: no pod manager status to report.
		return fmt.Errorf("redfish: %s %s: %w", method, uri, err)
	}
}

// Bounds of what an *Error keeps of the pod manager's refusal, which callers
// pass on and store (a pod manager's status reason): a whole HTML error page
// or a thousand messages say no more than their start.
const (
	maxText         = 1024
	maxExtendedInfo = 16
)

// clip cuts s to maxText bytes, at a rune boundary, marking the cut.
func clip(s string) string {
	if len(s) <= maxText {
		return s
	}
	cut := maxText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// success2xx reports whether err is gofish refusing a 2xx status it does not
// list (it accepts only 200, 201, 202 and 204); RSD says any 2xx is success.
func success2xx(err error) bool {
	var rf *schemas.Error
	return errors.As(err, &rf) && rf.HTTPReturnedStatusCode >= 200 && rf.HTTPReturnedStatusCode < 300
}
