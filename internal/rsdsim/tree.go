package rsdsim

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// obj is a JSON object under construction; resources are rendered once into bytes, so the
// convenience of a map costs nothing on the GET path.
type obj = map[string]any

// doc is a pre-rendered resource: its JSON body and the ETag derived from it. A doc is never
// modified after it is stored, so a GET may write it without holding the lock.
type doc struct {
	body []byte
	etag string
	// pages is set on a collection answered in pages (Quirks.PageSize), whose body is then
	// the first page; the others are rendered from it on their GET.
	pages *pages
}

const (
	rootPath     = "/redfish/v1"
	systemsPath  = rootPath + "/Systems"
	chassisPath  = rootPath + "/Chassis"
	managersPath = rootPath + "/Managers"
	nodesPath    = rootPath + "/Nodes"
	podmManager  = managersPath + "/PODM"
)

// render turns a resource into its JSON and ETag.
func render(path string, v any) *doc {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("rsdsim: rendering %s: %v", path, err)) // only maps of plain values are rendered
	}
	h := fnv.New64a()
	_, _ = h.Write(b)
	return &doc{body: b, etag: `W/"` + strconv.FormatUint(h.Sum64(), 16) + `"`}
}

// put renders v and stores it at path; the caller holds s.mu for writing (or is New, whose
// parallel start-up is why the map insert itself takes putMu).
func (s *Simulator) put(path string, v any) {
	if s.plain() {
		var ok bool
		if v, ok = s.plainDoc(path, v); !ok {
			return
		}
	}
	d := s.renderPaged(path, v)
	s.putMu.Lock()
	s.docs[path] = d
	s.putMu.Unlock()
}

// lookup returns the rendered resource at path, or nil. A part of a system not yet rendered
// is rendered here, together with the other parts of its system, and kept.
func (s *Simulator) lookup(path string) *doc {
	s.mu.RLock()
	d := s.docs[path]
	var owner *system
	if d == nil {
		owner = s.partsOwner(path)
	}
	s.mu.RUnlock()
	if owner == nil {
		return d
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !owner.partsRendered {
		s.renderSystemParts(owner)
	}
	return s.docs[path]
}

// partsOwner returns the system whose unrendered parts path may name, or nil; the caller
// holds s.mu. Parts live under /Systems/{id}/ and, for local drives, /Chassis/{blade}/Drives.
func (s *Simulator) partsOwner(path string) *system {
	if s.dmtf != nil {
		return nil // the DMTF model renders the parts under their blocks at start-up
	}
	var sys *system
	if rest, ok := strings.CutPrefix(path, systemsPath+"/"); ok {
		id, _, nested := strings.Cut(rest, "/")
		if nested {
			sys = s.systemByID(id)
		}
	} else if rest, ok := strings.CutPrefix(path, chassisPath+"/"); ok {
		id, sub, _ := strings.Cut(rest, "/")
		if c, ok := s.byPath[chassisPath+"/"+id].(*chassis); ok && c.kind == "Blade" && strings.HasPrefix(sub, "Drives") {
			sys = c.systems[0]
		}
	}
	if sys == nil || sys.partsRendered {
		return nil
	}
	return sys
}

// link is the Redfish reference {"@odata.id": path}.
func link(path string) obj { return obj{"@odata.id": path} }

// links renders a list of references; never null, since clients iterate over it.
func links(paths []string) []obj {
	out := make([]obj, len(paths))
	for i, p := range paths {
		out[i] = link(p)
	}
	return out
}

// resource starts the common part of every resource.
func resource(path, odataType, id, name string) obj {
	return obj{"@odata.id": path, "@odata.type": odataType, "Id": id, "Name": name}
}

// collection renders a Redfish resource collection of the given members.
func collection(path, odataType, name string, members []string) obj {
	return obj{
		"@odata.id":           path,
		"@odata.type":         odataType,
		"Name":                name,
		"Members@odata.count": len(members),
		"Members":             links(members),
	}
}

// pages are the members of a collection answered Quirks.PageSize at a time: each page holds
// the collection's properties, Members@odata.count the total, the members from its $skip
// and, while more remain, Members@odata.nextLink to the next page.
type pages struct {
	coll    obj // the collection as put, read only
	members []obj
	size    int
}

// renderPaged renders v, or only its first page when v is a collection and the quirks
// page collections.
func (s *Simulator) renderPaged(path string, v any) *doc {
	c, _ := v.(obj)
	members, ok := c["Members"].([]obj)
	if s.cfg.Quirks.PageSize == 0 || !ok {
		return render(path, v)
	}
	p := &pages{coll: c, members: members, size: s.cfg.Quirks.PageSize}
	d := p.page(path, 0)
	d.pages = p
	return d
}

// page renders the page of the collection at path from member skip (an empty page with no
// next link past the last member). A page is its own resource: its ETag is its body's.
func (p *pages) page(path string, skip int) *doc {
	c := maps.Clone(p.coll)
	from := min(skip, len(p.members))
	to := min(from+p.size, len(p.members))
	c["Members"] = p.members[from:to]
	if to < len(p.members) {
		c["Members@odata.nextLink"] = path + "?$skip=" + strconv.Itoa(to)
	}
	return render(path, c)
}

// at returns the page of d that u's $skip names: d itself without $skip or when d is
// not paged; a $skip that is not a count of members is a 400.
func (d *doc) at(path string, u *url.URL) (*doc, *apiError) {
	if d.pages == nil {
		return d, nil // the query of a GET not paged is not even parsed
	}
	v, ok := u.Query()["$skip"]
	if !ok {
		return d, nil
	}
	skip, err := strconv.Atoi(v[0])
	if err != nil || skip < 0 || len(v) > 1 {
		return nil, newError(http.StatusBadRequest, codeQueryParameterValue,
			"The value of the query parameter $skip is not valid.", fmt.Sprintf("$skip %q is not one number of members to skip.", strings.Join(v, ",")))
	}
	return d.pages.page(path, skip), nil
}

// statusOK is the Status of a healthy, enabled resource.
func statusOK() obj { return obj{"State": "Enabled", "Health": "OK", "HealthRollup": "OK"} }

// serveDoc writes a pre-rendered resource, honouring If-None-Match and HEAD.
func serveDoc(w http.ResponseWriter, r *http.Request, status int, d *doc) {
	h := w.Header()
	h.Set("ETag", d.etag)
	h.Set("OData-Version", "4.0")
	if status == http.StatusOK && r.Header.Get("If-None-Match") == d.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(d.body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(d.body)
	}
}
