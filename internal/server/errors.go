package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/rs/zerolog"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/valence"
)

// wireError is how one core error code is shown on the wire.
type wireError struct {
	status int
	code   string
	title  string
}

// unsupportedMediaType is the code of a write whose body is not JSON. It is
// the HTTP layer's own: the core never sees a media type.
const unsupportedMediaType valence.Code = "UnsupportedMediaType"

// wireErrors maps each core error code to its HTTP status, wire code and
// title: the one place where the core's failures become HTTP.
var wireErrors = map[valence.Code]wireError{
	valence.NotFound:              {http.StatusNotFound, "NotFound", "Resource could not be found"},
	valence.Conflict:              {http.StatusConflict, "Conflict", "Conflict with the current state"},
	valence.Invalid:               {http.StatusBadRequest, "BadRequest", "Bad Request"},
	valence.PodManagerUnavailable: {http.StatusServiceUnavailable, "PodManagerUnavailable", "Pod manager unavailable"},
	valence.PodManagerError:       {http.StatusBadGateway, "PodManagerError", "Pod manager error"},
	valence.PodManagerAuthFailed:  {http.StatusBadGateway, "PodManagerAuthFailed", "Pod manager refused Valence's credentials"},
	valence.NotImplemented:        {http.StatusNotImplemented, "NotImplemented", "Not implemented by the pod manager"},
	valence.Timeout:               {http.StatusGatewayTimeout, "Timeout", "Operation timed out"},
	valence.Unauthorized:          {http.StatusUnauthorized, "Unauthorized", "Authentication required"},
	valence.Forbidden:             {http.StatusForbidden, "Forbidden", "Operation not permitted"},
	valence.TooManyRequests:       {http.StatusTooManyRequests, "TooManyRequests", "Too many failed attempts"},
	valence.Unavailable:           {http.StatusServiceUnavailable, "ServiceUnavailable", "Service unavailable"},
	valence.Internal:              {http.StatusInternalServerError, "InternalServerError", "Internal server error"},
	unsupportedMediaType:          {http.StatusUnsupportedMediaType, "UnsupportedMediaType", "Unsupported media type"},
}

// renderError writes err in the error format of the API. A core *Error shows
// its message; anything else is an internal failure whose cause is logged and
// never shown.
func renderError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errTooLarge) {
		writeErrorBody(w, r, http.StatusRequestEntityTooLarge, tooLarge(MaxBodyBytes))
		return
	}
	var e *valence.Error
	if !errors.As(err, &e) {
		e = valence.Wrap(err, valence.Internal, "the server could not handle the request")
	}
	we, ok := wireErrors[e.Code]
	if !ok {
		we = wireErrors[valence.Internal]
	}
	status := we.status
	ev := zerolog.Ctx(r.Context()).Warn()
	if status >= 500 {
		ev = zerolog.Ctx(r.Context()).Error()
	}
	ev.Err(e.Err).Str("code", string(e.Code)).Msg(e.Message)
	writeErrorBody(w, r, status, api.Error{Code: we.code, Title: we.title, Detail: e.Message, ExtendedInfo: e.ExtendedInfo})
}

// writeErrorBody completes body with the status and request id and writes it.
func writeErrorBody(w http.ResponseWriter, r *http.Request, status int, body api.Error) {
	body.Status = status
	body.RequestID = RequestID(r.Context())
	writeJSON(w, status, body)
}

// writeJSON writes v as the JSON body of a response with status, and its
// Content-Length: an answer flushed early (a 413, see discardRest) is then
// complete at once, and the client need not send the rest of its body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	writeBody(w, status, encodeJSON(v))
}

// encodeJSON is v in JSON with a final newline, as answers are written.
func encodeJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only a bug gets here (a value JSON cannot hold); recoverer logs
		// it and answers 500.
		panic(fmt.Sprintf("server: cannot encode the answer: %v", err))
	}
	return append(b, '\n')
}

// writeBody writes b, JSON, as the body of a response with status.
func writeBody(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	// The status is sent; a write failure here can only be a broken
	// connection, which there is no one left to tell.
	_, _ = w.Write(b)
}
