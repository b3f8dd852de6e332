package rsdsim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
)

// route is one non-GET operation (or a GET computed on demand); every other GET is a lookup
// in the pre-rendered documents.
type route struct {
	method  string
	pattern []string // path segments; "*" matches one segment and is passed to handle
	op      string   // operation name for fault injection (see Faults.ErrorRate)
	handle  func(w http.ResponseWriter, r *http.Request, params []string) *apiError
}

func (rt *route) match(segs []string) ([]string, bool) {
	if len(segs) != len(rt.pattern) {
		return nil, false
	}
	var params []string
	for i, p := range rt.pattern {
		switch {
		case p == "*":
			params = append(params, segs[i])
		case p != segs[i]:
			return nil, false
		}
	}
	return params, true
}

// buildRoutes lists the operations of the chosen RSD version.
func (s *Simulator) buildRoutes() []route {
	r := func(method, pattern, op string, h func(http.ResponseWriter, *http.Request, []string) *apiError) route {
		return route{method: method, pattern: strings.Split(strings.TrimPrefix(pattern, "/"), "/"), op: op, handle: h}
	}
	routes := []route{
		r(http.MethodPost, sessionsPath, OpSession, s.createSession),
		r(http.MethodDelete, sessionsPath+"/*", OpSession, s.deleteSession),
		r(http.MethodPatch, systemsPath+"/*", OpPatch, s.patchSystem),
		r(http.MethodPost, systemsPath+"/*/Actions/ComputerSystem.Reset", OpReset, s.resetSystem),
		r(http.MethodPost, nodesPath+"/Actions/Allocate", OpAllocate, s.allocate),
		r(http.MethodPatch, nodesPath+"/*", OpPatch, s.patchNode),
		r(http.MethodDelete, nodesPath+"/*", OpDelete, s.deleteNode),
		r(http.MethodPost, nodesPath+"/*/Actions/ComposedNode.Assemble", OpAssemble, s.assemble),
		r(http.MethodPost, nodesPath+"/*/Actions/ComposedNode.Reset", OpReset, s.resetNode),
		r(http.MethodPost, s.volumesCollectionPath(), OpVolume, s.createVolume),
		r(http.MethodDelete, s.volumesCollectionPath()+"/*", OpVolume, s.deleteVolume),
	}
	if s.ver.minor >= 3 {
		routes = append(routes,
			r(http.MethodPost, nodesPath+"/*/Actions/ComposedNode.AttachResource", OpAttach, s.attachResource),
			r(http.MethodPost, nodesPath+"/*/Actions/ComposedNode.DetachResource", OpAttach, s.detachResource),
			r(http.MethodGet, nodesPath+"/*/Actions/AttachResourceActionInfo", OpGet, s.attachActionInfo),
			r(http.MethodGet, nodesPath+"/*/Actions/DetachResourceActionInfo", OpGet, s.detachActionInfo),
		)
	}
	if s.plain() {
		return s.plainRoutes(routes)
	}
	return routes
}

// cleanPath drops trailing slashes, so that "/redfish/v1/" and "/redfish/v1" are one resource
// and no client is ever redirected (a redirected POST loses its body in some clients).
func cleanPath(p string) string {
	for len(p) > 1 && strings.HasSuffix(p, "/") {
		p = p[:len(p)-1]
	}
	return p
}

// serve authenticates, routes and answers one Redfish request.
func (s *Simulator) serve(w http.ResponseWriter, r *http.Request) *apiError {
	path := cleanPath(r.URL.Path)
	if path != "/redfish" && !strings.HasPrefix(path, "/redfish/") {
		return errNotFound(r.URL.Path)
	}
	if !s.isPublic(r.Method, path) && !s.authorized(r) {
		return newError(http.StatusUnauthorized, codeUnauthorized, "Authentication required.",
			"Send HTTP Basic credentials or the X-Auth-Token of a session.")
	}
	if strings.HasPrefix(path, sessionServicePath) {
		// Timed-out sessions are closed on their next use or here, so that none is shown.
		s.mu.Lock()
		s.closeTimedOut(s.cfg.Now())
		s.mu.Unlock()
	}
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	method := r.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	var allow []string
	for i := range s.routes {
		rt := &s.routes[i]
		params, ok := rt.match(segs)
		if !ok {
			continue
		}
		if rt.method == method {
			if e := s.injectError(rt.op); e != nil {
				return e
			}
			return rt.handle(w, r, params)
		}
		if s.ownerExists(rt, segs) {
			allow = append(allow, rt.method)
		}
	}
	d := s.lookup(path)
	if d != nil && method == http.MethodGet {
		if e := s.injectError(OpGet); e != nil {
			return e
		}
		d, e := d.at(path, r.URL)
		if e != nil {
			return e
		}
		serveDoc(w, r, http.StatusOK, d)
		return nil
	}
	if d != nil {
		allow = append(allow, http.MethodGet, http.MethodHead)
	}
	if len(allow) == 0 {
		return errNotFound(path)
	}
	slices.Sort(allow)
	w.Header().Set("Allow", strings.Join(slices.Compact(allow), ", "))
	return newError(http.StatusMethodNotAllowed, codeInvalidHTTPMethod,
		"The HTTP method "+r.Method+" is not allowed on "+path+".")
}

// ownerExists tells whether the resource a route's last wildcard names exists, so that a
// wrong method on /Nodes/42/... is a 404 when there is no node 42, not a 405.
func (s *Simulator) ownerExists(rt *route, segs []string) bool {
	last := -1
	for i, p := range rt.pattern {
		if p == "*" {
			last = i
		}
	}
	return last < 0 || s.lookup("/"+strings.Join(segs[:last+1], "/")) != nil
}

// maxBody bounds a request body; RSD requests are a few kilobytes.
const maxBody = 1 << 20

// readBody reads a request body of at most maxBody bytes; the body is read before the lock
// is taken, so that a slow client never holds the simulator up.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return nil, errPayload("The request body could not be read: " + err.Error())
	}
	return b, nil
}

// unmarshal decodes a JSON body into v. An empty body decodes as {}, as PODM accepts an
// Allocate or Assemble without a body.
func unmarshal(b []byte, v any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	return json.Unmarshal(b, v)
}

// serveCurrent answers with the freshly rendered resource at path (PATCH answers 200 + body).
func (s *Simulator) serveCurrent(w http.ResponseWriter, r *http.Request, path string) *apiError {
	d := s.lookup(path)
	if d == nil {
		return errNotFound(path)
	}
	serveDoc(w, r, http.StatusOK, d)
	return nil
}

// checkIfMatch enforces If-Match on a PATCH or DELETE: a value that is not the resource's
// current ETag, compared as strings (weak ones included, as the BMCs that check it do), or "*",
// is answered 412. A PATCH without one is refused where Quirks.IfMatchRequired says so. The
// caller holds s.mu.
func (s *Simulator) checkIfMatch(r *http.Request, path string) *apiError {
	want := r.Header.Get("If-Match")
	if want == "" {
		return s.ifMatchMissing(r.Method)
	}
	if d := s.docs[path]; d != nil && want != "*" && want != d.etag {
		return newError(http.StatusPreconditionFailed, codePreconditionFailed,
			"The ETag in If-Match does not match the current resource.", "Current ETag: "+d.etag)
	}
	return nil
}

// ifMatchMissing returns the refusal of a request without If-Match under
// Quirks.IfMatchRequired (nil when it is off, or for another method than PATCH).
func (s *Simulator) ifMatchMissing(method string) *apiError {
	status := s.cfg.Quirks.IfMatchRequired
	if status == 0 || method != http.MethodPatch {
		return nil
	}
	code := codePreconditionRequired
	if status == http.StatusPreconditionFailed {
		code = codePreconditionFailed
	}
	return newError(status, code, "The request did not provide the required precondition, such as an If-Match header.",
		"Read the resource and send its ETag in If-Match.")
}
