package valence

import (
	"errors"
	"fmt"
)

// Code classifies a failure of the core. The HTTP layer maps each code to one
// status in one place; nothing else in the core knows about HTTP.
type Code string

// The error codes of the core.
const (
	// NotFound: the named resource does not exist (or is not visible to the caller).
	NotFound Code = "NotFound"
	// Conflict: the request clashes with the current state (duplicate name,
	// stale revision, resources in use, no free resources).
	Conflict Code = "Conflict"
	// Invalid: the request itself is malformed or violates a rule.
	Invalid Code = "Invalid"
	// PodManagerUnavailable: the pod manager could not be reached.
	PodManagerUnavailable Code = "PodManagerUnavailable"
	// PodManagerError: the pod manager answered with an error of its own.
	PodManagerError Code = "PodManagerError"
	// PodManagerAuthFailed: the pod manager refused Valence's credentials
	// for it (or their rights); its operator must fix them, not the caller.
	PodManagerAuthFailed Code = "PodManagerAuthFailed"
	// NotImplemented: the pod manager does not do what was asked, although
	// it may advertise it.
	NotImplemented Code = "NotImplemented"
	// Timeout: an operation did not finish within its deadline.
	Timeout Code = "Timeout"
	// Unauthorized: the caller did not prove who it is.
	Unauthorized Code = "Unauthorized"
	// Forbidden: the caller may not do this.
	Forbidden Code = "Forbidden"
	// TooManyRequests: the caller failed to authenticate too often and must
	// wait before it tries again.
	TooManyRequests Code = "TooManyRequests"
	// Unavailable: a dependency of the server itself (store, identity
	// service) cannot be reached.
	Unavailable Code = "Unavailable"
	// Internal: a bug or an unexpected failure; details go to the log only.
	Internal Code = "Internal"
)

// Error is the error type of the core. Message is safe to show to the caller;
// Err, when set, carries the underlying cause for the log.
type Error struct {
	Code    Code
	Message string
	// ExtendedInfo carries the pod manager's own explanation
	// (Redfish @Message.ExtendedInfo) when it gave one.
	ExtendedInfo []string
	Err          error
}

// Error implements error.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error with a formatted, caller-safe message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap builds an *Error whose cause is err; err is logged, never shown.
func Wrap(err error, code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, Internal for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code Code) bool { return ErrorCode(err) == code }

// asError is errors.As for *Error, kept short for the core's many checks.
func asError(err error, target **Error) bool { return errors.As(err, target) }
