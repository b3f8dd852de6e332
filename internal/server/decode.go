package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"

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

// requireJSON refuses a POST, PUT or PATCH whose body is not declared as
// JSON (415): a browser sends a cross-site form as text/plain or
// application/x-www-form-urlencoded without asking first, so the media type
// is what keeps such forms from composing or powering off nodes. A write
// without a body (inject_nmi) needs no type; GET and DELETE bodies are
// ignored anyway.
func requireJSON(r *http.Request) error {
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		if ct := r.Header.Get("Content-Type"); hasBody(r) && !jsonMediaType(ct, r.Method == http.MethodPatch) {
			return valence.Errorf(unsupportedMediaType, "the request body must be sent as Content-Type: application/json, not %q", ct)
		}
	}
	return nil
}

// hasBody reports whether r carries at least one byte of body; for a body of
// unknown length (chunked) it reads the first byte and puts it back.
func hasBody(r *http.Request) bool {
	if r.ContentLength >= 0 || r.Body == nil || r.Body == http.NoBody {
		return r.ContentLength > 0
	}
	br := bufio.NewReaderSize(r.Body, 16)
	_, err := br.Peek(1)
	r.Body = struct {
		io.Reader
		io.Closer
	}{br, r.Body}
	return err == nil
}

// jsonMediaType accepts application/json, with a UTF-8 charset if any, and
// for a PATCH also application/merge-patch+json (RFC 7396).
func jsonMediaType(header string, patch bool) bool {
	mt, params, err := mime.ParseMediaType(header)
	if err != nil {
		return false
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return false
	}
	return mt == "application/json" || (patch && mt == "application/merge-patch+json")
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

// unmarshalStrict decodes b into v and explains a failure in the caller's
// terms. Beyond encoding/json it refuses what a lenient reader would take
// silently: invalid UTF-8 (which decoding turns into U+FFFD), a key given
// twice at any depth (last would win), a key in another case than the
// field's (encoding/json matches case-insensitively), anything but space
// after the value (`{"name":"x"}}`), and a top level that is not an object.
func unmarshalStrict(b []byte, v any) error {
	if len(bytes.Trim(b, jsonSpace)) == 0 {
		return valence.Errorf(valence.Invalid, "the request needs a JSON body")
	}
	if err := checkJSON(b, reflect.TypeOf(v)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return valence.Errorf(valence.Invalid, "%s", explainJSON(err))
	}
	return nil
}

// jsonSpace is JSON's whitespace (RFC 8259), narrower than Go's: a trailing
// \v or \f is data after the value.
const jsonSpace = " \t\r\n"

// maxDepth bounds the nesting of a body; Valence's bodies nest at most 4
// levels deep, and the check below recurses once per level.
const maxDepth = 32

// checkJSON walks the tokens of the JSON document b along the Go type t it
// will be decoded into, and refuses what unmarshalStrict documents.
func checkJSON(b []byte, t reflect.Type) error {
	if !utf8.Valid(b) {
		return valence.Errorf(valence.Invalid, "the request body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	first, err := dec.Token()
	if err != nil {
		return valence.Errorf(valence.Invalid, "the request body is not valid JSON")
	}
	if first != json.Delim('{') {
		return valence.Errorf(valence.Invalid, "the request body must be a JSON object")
	}
	if err := checkValue(dec, first, t, "", 1); err != nil {
		return err
	}
	if rest := bytes.Trim(b[dec.InputOffset():], jsonSpace); len(rest) > 0 {
		return valence.Errorf(valence.Invalid, "the request body holds more than one JSON value (%d bytes after the first)", len(rest))
	}
	return nil
}

// checkValue checks the value that starts with tok; t is the type it decodes
// into (nil when any key is fine) and path names it in messages.
func checkValue(dec *json.Decoder, tok json.Token, t reflect.Type, path string, depth int) error {
	delim, ok := tok.(json.Delim)
	if !ok {
		return nil // a scalar: its type is for the decoder to check
	}
	if depth > maxDepth {
		return valence.Errorf(valence.Invalid, "the request body nests deeper than %d levels", maxDepth)
	}
	t = deref(t)
	switch delim {
	case '{':
		fields := jsonFields(t)
		seen := map[string]bool{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return valence.Errorf(valence.Invalid, "the request body is not valid JSON")
			}
			key := k.(string) // within an object, the decoder yields keys as strings
			name := key
			if path != "" {
				name = path + "." + key
			}
			if seen[key] {
				return valence.Errorf(valence.Invalid, "key %q is given twice", name)
			}
			seen[key] = true
			var ft reflect.Type
			switch {
			case fields != nil:
				f, known := fields[key]
				if !known {
					return valence.Errorf(valence.Invalid, "unknown field %q", name)
				}
				ft = f
			case t != nil && t.Kind() == reflect.Map:
				ft = t.Elem()
			}
			if err := checkNext(dec, ft, name, depth); err != nil {
				return err
			}
		}
	case '[':
		var et reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			et = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if err := checkNext(dec, et, fmt.Sprintf("%s[%d]", path, i), depth); err != nil {
				return err
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing delimiter
		return valence.Errorf(valence.Invalid, "the request body is not valid JSON")
	}
	return nil
}

// checkNext reads the next value and checks it one level deeper.
func checkNext(dec *json.Decoder, t reflect.Type, path string, depth int) error {
	tok, err := dec.Token()
	if err != nil {
		return valence.Errorf(valence.Invalid, "the request body is not valid JSON")
	}
	return checkValue(dec, tok, t, path, depth+1)
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// deref is t without its pointers; nil for a type that decodes itself
// (FlexInt) or takes anything, whose keys are then not checked.
func deref(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	return t
}

// jsonFields maps the exact JSON names of a struct's fields to their types,
// as encoding/json names them (tag name, else the Go name; embedded structs
// promote theirs); nil when t is not a struct.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	out := map[string]reflect.Type{}
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			if inner := jsonFields(deref(f.Type)); inner != nil {
				for k, v := range inner {
					if _, own := out[k]; !own {
						out[k] = v
					}
				}
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// explainJSON turns encoding/json's errors into sentences about the body.
func explainJSON(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return "the request body is not valid JSON"
	case errors.As(err, &typ):
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
