package rsdsim

import (
	"encoding/json"
	"net/http"
)

// Redfish error codes used by the RSD Pod Manager (PODM 2.2 rest/error/ErrorType.java), so that
// a client written against a real PODM sees the same codes here.
const (
	codeInvalidEndpoint       = "Base.1.0.InvalidEndpoint"
	codeResourcesMismatch     = "Base.1.0.ResourcesStateMismatch"
	codeInvalidHTTPMethod     = "Base.1.0.InvalidHttpMethod"
	codeInvalidPayload        = "Base.1.0.InvalidPayload"
	codeUnsupportedCreation   = "Base.1.0.UnsupportedCreationRequest"
	codeUnauthorized          = "Base.1.0.Unauthorized"
	codePreconditionFailed    = "Base.1.0.PreconditionFailed"
	codePreconditionRequired  = "Base.1.0.PreconditionRequired" // not PODM's: for Quirks.IfMatchRequired
	codeUnknownException      = "Base.1.0.UnknownException"
	codeServiceUnavailable    = "Base.1.0.ServiceUnavailable"
	codeActionNotSupported    = "Base.1.0.ActionNotSupported"
	codeInsufficientPrivilege = "Base.1.0.InsufficientPrivilege"
	// codeQueryParameterValue is the Base registry's: no error of PODM's names a query.
	codeQueryParameterValue   = "Base.1.0.QueryParameterValueTypeError"
	messageNoSystemsAvailable = "There are no computer systems available for this allocation request."
)

// apiError is a Redfish error answer; handlers return it instead of writing, so that the
// status, code and messages are decided in one place and tested as values.
type apiError struct {
	status   int
	code     string
	message  string
	extended []extendedInfo
}

// extendedInfo is one entry of @Message.ExtendedInfo.
type extendedInfo struct {
	MessageID         string   `json:"MessageId,omitempty"`
	Message           string   `json:"Message"`
	Severity          string   `json:"Severity,omitempty"`
	RelatedProperties []string `json:"RelatedProperties,omitempty"`
}

// Error implements error, for the tests and the log.
func (e *apiError) Error() string { return e.code + ": " + e.message }

// newError builds an apiError whose extended info repeats each detail as a message.
func newError(status int, code, message string, details ...string) *apiError {
	e := &apiError{status: status, code: code, message: message}
	for _, d := range details {
		e.extended = append(e.extended, extendedInfo{MessageID: code, Message: d, Severity: "Warning"})
	}
	return e
}

func errNotFound(path string) *apiError {
	return newError(http.StatusNotFound, codeInvalidEndpoint, "Service recognized no resource at "+path+".",
		"The resource "+path+" does not exist.")
}

func errPayload(details ...string) *apiError {
	return newError(http.StatusBadRequest, codeInvalidPayload, "The request payload is invalid.", details...)
}

func errCreation(details ...string) *apiError {
	return newError(http.StatusBadRequest, codeUnsupportedCreation,
		"Unable to create machine due to error in machine template or bad creation request", details...)
}

func errConflict(message string, details ...string) *apiError {
	return newError(http.StatusConflict, codeResourcesMismatch, message, details...)
}

// writeError renders e as {"error":{"code","message","@Message.ExtendedInfo"}}.
func writeError(w http.ResponseWriter, e *apiError) {
	if e.extended == nil {
		e.extended = []extendedInfo{}
	}
	body := map[string]any{"error": map[string]any{
		"code":                  e.code,
		"message":               e.message,
		"@Message.ExtendedInfo": e.extended,
	}}
	b, _ := json.Marshal(body)
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("OData-Version", "4.0")
	if e.status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Basic realm="rsd-simulator"`)
	}
	w.WriteHeader(e.status)
	_, _ = w.Write(b)
}
