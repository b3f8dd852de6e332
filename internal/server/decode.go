package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/valence-rsd/valence/internal/valence"
)

// errTooLarge marks a body that passed the Content-Length check but grew
// past the limit while being read (a chunked body).
var errTooLarge = errors.New("request body too large")

// readBody reads a request body within the limit set by limitBody.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, errTooLarge
	}
	if err != nil {
		return nil, valence.Wrap(err, valence.Invalid, "the request body could not be read")
	}
	return b, nil
}

// decodeJSON reads the body into v strictly: it must be one JSON object,
// with no field that v does not know.
func decodeJSON(r *http.Request, v any) error {
	b, err := readBody(r)
	if err != nil {
		return err
	}
	return unmarshalStrict(b, v)
}

// unmarshalStrict decodes b into v and explains a failure in the caller's terms.
func unmarshalStrict(b []byte, v any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return valence.Errorf(valence.Invalid, "the request needs a JSON body")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return valence.Errorf(valence.Invalid, "%s", explainJSON(err))
	}
	if dec.More() {
		return valence.Errorf(valence.Invalid, "the request body holds more than one JSON value")
	}
	return nil
}

// explainJSON turns encoding/json's errors into sentences about the body.
func explainJSON(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return "the request body is not valid JSON"
	case errors.As(err, &typ):
		if typ.Field == "" {
			return fmt.Sprintf("the request body must be a JSON object, not %s", typ.Value)
		}
		return fmt.Sprintf("field %q must be %s, not %s", typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	// Errors of the wire types' own UnmarshalJSON (e.g. a number given as
	// "four") are already phrased for the caller.
	return strings.TrimPrefix(err.Error(), "json: ")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "int", "int64", "float64", "uint", "int32":
		return "a number"
	case "bool":
		return "true or false"
	case "slice":
		return "a list"
	case "struct", "map":
		return "an object"
	}
	return "a " + goKind
}
