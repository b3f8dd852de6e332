package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/valence-rsd/valence/api"
)

// RequestIDHeader carries the id of a request on every response.
const RequestIDHeader = "X-OpenStack-Request-Id"

type requestIDKey struct{}

// RequestID returns the id of the request that ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// requestID mints req-<uuid4> for every request, sends it back in
// X-OpenStack-Request-Id and keeps it in the context for logs and errors. A
// request whose context has an id already is an in-process call of the
// dashboard, made on its page's context: it keeps the page's id, which so
// ties the page's access line to its API calls' (a request from the
// network never has one; its header is not read).
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := RequestID(r.Context())
		if id == "" {
			id = "req-" + uuid.NewString()
		}
		w.Header().Set(RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// accessNote carries what inner middleware learns for the access line.
type accessNote struct{ user, project string }

type accessNoteKey struct{}

// noteCaller records the authenticated caller for the access line; it runs
// after authentication, deeper than accessLog.
func noteCaller(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if note, ok := r.Context().Value(accessNoteKey{}).(*accessNote); ok {
			c := caller(r)
			note.user, note.project = c.UserName, c.ProjectID
		}
		next.ServeHTTP(w, r)
	})
}

// accessLog puts a request-scoped logger in the context and writes one line
// per request once it is answered.
func accessLog(base zerolog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			log := base.With().Str("request_id", RequestID(r.Context())).Logger()
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			note := &accessNote{}
			defer func() {
				ev := log.Info()
				if ww.Status() >= 500 {
					ev = log.Error()
				}
				ev.Str("method", r.Method).
					Str("route", routePattern(r)).
					Int("status", statusOf(ww)).
					Int("bytes", ww.BytesWritten()).
					Dur("duration", time.Since(start)).
					Str("remote", r.RemoteAddr).
					Str("user", note.user).
					Str("project", note.project).
					Msg("request")
			}()
			ctx := context.WithValue(log.WithContext(r.Context()), accessNoteKey{}, note)
			next.ServeHTTP(ww, r.WithContext(ctx))
		})
	}
}

// routePattern is the pattern that matched (never the raw path, which would
// explode the cardinality of metrics and leak ids into them).
func routePattern(r *http.Request) string {
	if rctx := chi.RouteContext(r.Context()); rctx != nil {
		if p := rctx.RoutePattern(); p != "" {
			return p
		}
	}
	return "unmatched"
}

// statusOf is the status sent, 200 when the handler wrote a body without one.
func statusOf(ww middleware.WrapResponseWriter) int {
	if s := ww.Status(); s != 0 {
		return s
	}
	return http.StatusOK
}

// recoverer turns a panic in a handler into a logged stack and a JSON 500.
func recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler {
				panic(p) // the server's own signal to drop the connection
			}
			zerolog.Ctx(r.Context()).Error().Str("panic", fmt.Sprint(p)).Bytes("stack", debug.Stack()).Msg("handler panicked")
			writeErrorBody(w, r, http.StatusInternalServerError, api.Error{
				Code: "InternalServerError", Title: "Internal server error",
				Detail: "The server failed while handling the request; its log has the details under this request id.",
			})
		}()
		next.ServeHTTP(w, r)
	})
}

// limitBody refuses bodies over max bytes: at once when Content-Length says
// so, and while reading when the body is chunked. Either way, what remains of
// the body is then discarded within bounds (discardRest).
func limitBody(max int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > max {
				writeErrorBody(w, r, http.StatusRequestEntityTooLarge, tooLarge(max))
				discardRest(w, r, r.Body)
				return
			}
			body := r.Body
			limited := &limitedBody{ReadCloser: http.MaxBytesReader(w, body, max)}
			r.Body = limited
			next.ServeHTTP(w, r)
			if limited.hit {
				discardRest(w, r, body)
			}
		})
	}
}

// limitedBody notes whether the limit of the body it reads was hit.
type limitedBody struct {
	io.ReadCloser
	hit bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		b.hit = true
	}
	return n, err
}

// Bounds of what discardRest reads and drops of a refused body.
const (
	discardMaxBytes = 8 << 20
	discardTimeout  = 5 * time.Second
)

// discardRest sends the answer already written, then reads and drops what
// remains of the body, at most discardMaxBytes and for at most
// discardTimeout. Clients that write the whole body before reading (Python's
// urllib, any Connection: close client) would otherwise never see a 413:
// closing a socket with unread data makes the kernel reset the connection,
// which destroys the answer before the client reads it. HTTP/2 refuses a
// stream on its own, so only HTTP/1 needs this.
func discardRest(w http.ResponseWriter, r *http.Request, body io.Reader) {
	if r.ProtoMajor != 1 {
		return
	}
	rc := http.NewResponseController(w)
	if rc.Flush() != nil {
		return
	}
	_ = rc.SetReadDeadline(time.Now().Add(discardTimeout))
	_, _ = io.CopyN(io.Discard, body, discardMaxBytes)
}

func tooLarge(max int64) api.Error {
	return api.Error{
		Code: "RequestEntityTooLarge", Title: "Request body too large",
		Detail: fmt.Sprintf("The request body is larger than %d bytes.", max),
	}
}
