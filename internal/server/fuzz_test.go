package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/valence"
)

// The fuzz targets of the request decoders, the PATCH merge and the list
// query. `make fuzz` runs each for FUZZTIME; `go test` runs their seeds.
// Each asserts what the server promises, not just that it returns:
// anything a decoder accepts is a JSON object of valid UTF-8 with no key
// twice and nothing after it, it re-encodes and decodes to the same, and
// once the core's check accepts the request it is within limits.go.

// hostile are bodies issue 10 found taken, or that a lenient reader takes.
var hostile = []string{
	`{"name":"n","properties":{"processor":{"count":2000000000}}}`,
	`{"name":"n","properties":{"processor":{"count":"2000000000"}}}`,
	`{"name":"n","properties":{"local_drives":[{"capacity_gib":8589934592}]}}`,
	`{"name":"x"}}`, `{"name":"x"}]`, `{"name":"x"} {"name":"y"}`, `{"name":"x"}  `, "{\"name\":\"x\"}\v", "{}\f",
	`{"name":"a","name":"b"}`, `{"name":"a","properties":{"memory":{"type":"DDR4","type":"DDR3"}}}`,
	`{"Name":"x"}`, `{"NAME":"x","name":"y"}`, `{"name":"\u017fx"}`,
	"{\"name\":\"a\xffb\"}", `{"name":"a\ud800b"}`, `{"name":"a\u0000b"}`, "{\"name\":\"a\x1b[31m\"}",
	`null`, `[]`, `"x"`, `1`, ``, `{`, `{"name":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`,
}

// fuzzBody checks one request decoder: unmarshalStrict into T. When
// validate (the core's check of the request T becomes) also accepts, limits
// asserts the bounds on it independently of the code under test.
func fuzzBody[T any](f *testing.F, seeds []string, validate func(T) error, limits func(*testing.T, T)) {
	for _, s := range append(seeds, hostile...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v T
		if err := unmarshalStrict(b, &v); err != nil {
			if valence.ErrorCode(err) != valence.Invalid {
				t.Fatalf("refused with %v, want Invalid", err)
			}
			return
		}
		if !utf8.Valid(b) || !json.Valid(b) {
			t.Fatalf("accepted a body that is not valid UTF-8 JSON: %q", b)
		}
		if k := duplicateKey(t, b); k != "" {
			t.Fatalf("accepted the key %q twice: %q", k, b)
		}
		if !bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) {
			t.Fatalf("accepted a body that is not an object: %q", b)
		}
		// What was accepted re-encodes, and decodes again to the same.
		enc, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("re-encode %+v: %v", v, err)
		}
		var again T
		if err := unmarshalStrict(enc, &again); err != nil {
			t.Fatalf("the re-encoded %s is refused: %v", enc, err)
		}
		if enc2, _ := json.Marshal(again); !bytes.Equal(enc, enc2) {
			t.Fatalf("round trip changed %s into %s", enc, enc2)
		}
		if validate != nil && validate(v) == nil {
			limits(t, v)
		}
	})
}

// duplicateKey is an oracle apart from checkJSON: the first key found twice
// in one object of the valid JSON document b, or "".
func duplicateKey(t *testing.T, b []byte) string {
	dec := json.NewDecoder(bytes.NewReader(b))
	var stack []map[string]bool // the keys of each open object; nil for an array
	expectKey := func() bool { return len(stack) > 0 && stack[len(stack)-1] != nil }
	inKey := true // the next string in an object is a key
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return ""
		}
		if err != nil {
			t.Fatalf("oracle: %v", err)
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, map[string]bool{})
			inKey = true
			continue
		case json.Delim('['):
			stack = append(stack, nil)
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			inKey = expectKey()
			continue
		}
		if expectKey() && inKey {
			k := tok.(string)
			if stack[len(stack)-1][k] {
				return k
			}
			stack[len(stack)-1][k] = true
			inKey = false
			continue
		}
		inKey = expectKey()
	}
}

// checkText is the oracle of a text field: bounded, valid UTF-8, no
// control characters.
func checkText(t *testing.T, field, s string, max int) {
	t.Helper()
	if len(s) > max || !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
		t.Fatalf("%s %q accepted: over %d bytes or not valid UTF-8", field, s, max)
	}
	for _, r := range s {
		if r < 0x20 || (r >= 0x7f && r < 0xa0) {
			t.Fatalf("%s %q accepted with the control character %U", field, s, r)
		}
	}
}

// checkUpTo is the oracle of a bounded number.
func checkUpTo(t *testing.T, field string, n, max int) {
	t.Helper()
	if n < 0 || n > max {
		t.Fatalf("%s = %d accepted, outside 0..%d", field, n, max)
	}
}

// checkProperties is the oracle of a node's requirements.
func checkProperties(t *testing.T, p valence.Properties) {
	t.Helper()
	if c := p.Processor; c != nil {
		checkUpTo(t, "processor.count", c.Count, valence.MaxProcessorCount)
		checkUpTo(t, "processor.total_cores", c.TotalCores, valence.MaxTotalCores)
		checkText(t, "processor.model", c.Model, valence.MaxNameLen)
	}
	if m := p.Memory; m != nil {
		checkUpTo(t, "memory.capacity_mib", m.CapacityMiB, valence.MaxMemoryMiB)
	}
	checkUpTo(t, "local_drives", len(p.LocalDrives), valence.MaxListItems)
	for _, d := range p.LocalDrives {
		checkUpTo(t, "local_drives.capacity_gib", d.CapacityGiB, valence.MaxCapacityGiB)
	}
	checkUpTo(t, "remote_drives", len(p.RemoteDrives), valence.MaxListItems)
	for _, d := range p.RemoteDrives {
		checkUpTo(t, "remote_drives.capacity_gib", d.CapacityGiB, valence.MaxCapacityGiB)
	}
	checkUpTo(t, "network", len(p.Network), valence.MaxListItems)
	for _, n := range p.Network {
		checkUpTo(t, "network.speed_mbps", n.SpeedMbps, valence.MaxSpeedMbps)
		checkUpTo(t, "network.vlan", n.VLAN, valence.MaxVLAN)
	}
	if d := p.PCIDevice; d != nil {
		checkUpTo(t, "pci_device.type", len(d.Type), valence.MaxListItems)
		for _, s := range d.Type {
			checkText(t, "pci_device.type", s, valence.MaxNameLen)
		}
	}
}

func checkPodManagerSpec(t *testing.T, sp valence.PodManagerSpec) {
	checkText(t, "name", sp.Name, valence.MaxNameLen)
	checkText(t, "url", sp.URL, valence.MaxURLLen)
	if u, err := url.Parse(sp.URL); err != nil || u.User != nil {
		t.Fatalf("url %q accepted with credentials, or unparsable", sp.URL)
	}
	checkText(t, "username", sp.Username, valence.MaxNameLen)
	checkUpTo(t, "password", len(sp.Password), valence.MaxPasswordLen)
	checkUpTo(t, "ca_cert", len(sp.CACert), valence.MaxCACertLen)
	checkText(t, "description", sp.Description, valence.MaxDescriptionLen)
	checkText(t, "location", sp.Location, valence.MaxDescriptionLen)
}

func checkFlavorSpec(t *testing.T, sp valence.FlavorSpec) {
	checkText(t, "name", sp.Name, valence.MaxNameLen)
	checkText(t, "description", sp.Description, valence.MaxDescriptionLen)
	checkProperties(t, sp.Properties)
}

func FuzzDecodeNodeCompose(f *testing.F) {
	fuzzBody(f, []string{
		`{"name":"web1","description":"d","podm_id":"5efef849-8b1a-4c2e-9d3f-0a1b2c3d4e5f","properties":{"processor":{"total_cores":"4","count":2,"model":"Xeon","instruction_set":"x86-64"},"memory":{"capacity_mib":4096,"type":"DDR4"},"local_drives":[{"capacity_gib":100,"type":"SSD","interface":"NVMe"}],"remote_drives":[{"capacity_gib":"10","protocol":"iSCSI"}],"network":[{"speed_mbps":10000,"vlan":"100"}],"security":{"tpm":true},"pci_device":{"type":["GPU"]}}}`,
		`{"name":"n","flavor_id":"a4914f75-1c2d-4e3f-8a9b-0c1d2e3f4a5b"}`,
	}, func(b api.NodeCompose) error { return composeIn(b).Validate() }, func(t *testing.T, b api.NodeCompose) {
		req := composeIn(b)
		checkText(t, "name", req.Name, valence.MaxNameLen)
		checkText(t, "description", req.Description, valence.MaxDescriptionLen)
		checkText(t, "podm_id", req.PodmID, valence.MaxIDLen)
		checkText(t, "flavor_id", req.FlavorID, valence.MaxIDLen)
		if req.Properties != nil {
			checkProperties(t, *req.Properties)
		}
	})
}

func FuzzDecodeNodeManage(f *testing.F) {
	fuzzBody(f, []string{
		`{"node_index":"1","podm_id":"5efef849-8b1a-4c2e-9d3f-0a1b2c3d4e5f"}`,
		`{"node_index":"1/","podm_id":"p"}`, `{"node_index":"1?x","podm_id":"p"}`, `{"node_index":"../1","podm_id":"p"}`,
	}, func(b api.NodeManage) error { return valence.CheckNodeIndex(b.NodeIndex) }, func(t *testing.T, b api.NodeManage) {
		if b.NodeIndex == "" || len(b.NodeIndex) > valence.MaxNodeIndexLen || b.NodeIndex == "." || b.NodeIndex == ".." ||
			strings.IndexFunc(b.NodeIndex, func(r rune) bool { return !strings.ContainsRune(nodeIDChars, r) }) >= 0 {
			t.Fatalf("node_index %q accepted", b.NodeIndex)
		}
	})
}

// nodeIDChars are the characters of a node Id (RFC 3986 unreserved).
const nodeIDChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"

func FuzzDecodeNodeAction(f *testing.F) {
	fuzzBody[api.NodeAction](f, []string{
		`{"Reset":{"Type":"ForceOff"}}`, `{"Boot":{"Enabled":"Once","Target":"Pxe","Mode":"UEFI"}}`,
		`{"attach":{"resource_id":"r"}}`, `{"detach":{"resource_id":"r"}}`, `{"reset":{"type":"On"}}`,
	}, nil, nil)
}

func FuzzDecodePowerTarget(f *testing.F) {
	fuzzBody[api.PowerTarget](f, []string{`{"target":"power off"}`, `{"Target":"power on"}`}, nil, nil)
}

func FuzzDecodeFlavorCreate(f *testing.F) {
	fuzzBody(f, []string{
		`{"name":"small","description":"two","properties":{"processor":{"total_cores":"4","model":"Intel"},"memory":{"capacity_mib":"4096","type":"DDR4"}}}`,
	}, func(b api.FlavorCreate) error {
		return valence.FlavorSpec{Name: b.Name, Description: b.Description, Properties: propertiesIn(b.Properties)}.Validate()
	}, func(t *testing.T, b api.FlavorCreate) {
		checkFlavorSpec(t, valence.FlavorSpec{Name: b.Name, Description: b.Description, Properties: propertiesIn(b.Properties)})
	})
}

func FuzzDecodeFlavorUpdate(f *testing.F) {
	fuzzBody[api.FlavorUpdate](f, []string{`{"name":"big","description":null,"properties":{"processor":null}}`}, nil, nil)
}

func FuzzDecodePodManagerCreate(f *testing.F) {
	fuzzBody(f, []string{
		`{"name":"podm1","url":"https://podm.example.com:8443","driver":"rsd","authentication":[{"type":"basic","auth_items":{"username":"admin","password":"secret"}}],"tls_verify":false,"ca_cert":"","description":"d","location":"row 3"}`,
		`{"name":"p","url":"http://admin:secret@podm","authentication":[{"type":"basic","auth_items":{"username":"a","password":"b"}}]}`,
	}, func(b api.PodManagerCreate) error {
		sp, err := podManagerIn(b)
		if err != nil {
			return err
		}
		return sp.Validate()
	}, func(t *testing.T, b api.PodManagerCreate) {
		checkUpTo(t, "authentication", len(b.Authentication), valence.MaxListItems)
		sp, _ := podManagerIn(b)
		checkPodManagerSpec(t, sp)
	})
}

func FuzzDecodePodManagerUpdate(f *testing.F) {
	fuzzBody[api.PodManagerUpdate](f, []string{`{"name":"p","tls_verify":null,"authentication":[{"type":"basic","auth_items":{"username":"a","password":"b"}}]}`}, nil, nil)
}

func FuzzDecodeStorageCreate(f *testing.F) {
	fuzzBody(f, []string{
		`{"podm_id":"p","capacity_gib":"10","name":"v","bootable":true,"storage_service":"/redfish/v1/Services/1","source":"s"}`,
		`{"podm_id":"p","capacity_gib":8589934592}`,
	}, func(b api.StorageCreate) error { return volumeIn(b).Validate() }, func(t *testing.T, b api.StorageCreate) {
		v := volumeIn(b)
		if v.CapacityGiB < 0 || v.CapacityGiB > valence.MaxCapacityGiB || int64(v.CapacityGiB*(1<<30)) < 0 {
			t.Fatalf("capacity_gib %v accepted", v.CapacityGiB)
		}
		checkText(t, "name", v.Name, valence.MaxNameLen)
		checkText(t, "storage_service", v.StorageService, valence.MaxURLLen)
	})
}

// FuzzMergePatch checks mergePatch against RFC 7396: members set to null are
// gone, other non-object members are the patch's, objects merge, members
// the patch does not name are the target's, and applying a patch twice
// changes nothing more.
func FuzzMergePatch(f *testing.F) {
	f.Add([]byte(`{"a":"b","c":{"d":"e","f":"g"}}`), []byte(`{"a":"z","c":{"f":null}}`))
	f.Add([]byte(`{"a":[1,2]}`), []byte(`{"a":{"b":null},"x":[null]}`))
	f.Add([]byte(`{"name":"x","properties":{"processor":{"count":1}}}`), []byte(`{"properties":{"processor":{"count":2000000000}},"Name":"y"}`))
	f.Add([]byte(`{}`), []byte(`{"a":{"b":{"c":null}}}`))
	f.Fuzz(func(t *testing.T, target, patch []byte) {
		var tv, pv, original any
		if json.Unmarshal(target, &tv) != nil || json.Unmarshal(patch, &pv) != nil {
			return
		}
		json.Unmarshal(target, &original)
		p, ok := pv.(map[string]any)
		if !ok {
			return
		}
		merged := mergePatch(tv, pv)
		m, ok := merged.(map[string]any)
		if !ok {
			t.Fatalf("merging an object patch gave %T", merged)
		}
		orig, _ := original.(map[string]any)
		for k, v := range p {
			got, present := m[k]
			switch v := v.(type) {
			case nil:
				if present {
					t.Fatalf("%q set to null is still there: %v", k, got)
				}
			case map[string]any:
				if _, ok := got.(map[string]any); !ok {
					t.Fatalf("%q: an object patch gave %T", k, got)
				}
			default:
				if !reflect.DeepEqual(got, v) {
					t.Fatalf("%q is %v, want the patch's %v", k, got, v)
				}
			}
		}
		for k, v := range orig {
			if _, named := p[k]; !named && !reflect.DeepEqual(m[k], v) {
				t.Fatalf("%q, not in the patch, changed from %v to %v", k, v, m[k])
			}
		}
		once, _ := json.Marshal(m)
		var again any
		json.Unmarshal(once, &again)
		var pv2 any
		json.Unmarshal(patch, &pv2)
		twice, _ := json.Marshal(mergePatch(again, pv2))
		if !bytes.Equal(once, twice) {
			t.Fatalf("a second application changed %s into %s", once, twice)
		}
	})
}

// fuzzPatch runs a PATCH body through the server's check and merge onto a
// stored spec; what the core's check then accepts is within the limits, and
// applying the same patch again changes nothing.
func fuzzPatch[S any](f *testing.F, current S, seeds []string, check func([]byte) error,
	merge func(S, []byte) (S, error), validate func(S) error, limits func(*testing.T, S)) {
	for _, s := range append(seeds, hostile...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, patch []byte) {
		if check(patch) != nil {
			return
		}
		next, err := merge(current, patch)
		if err != nil || validate(next) != nil {
			return
		}
		limits(t, next)
		again, err := merge(next, patch)
		if err != nil || !reflect.DeepEqual(again, next) {
			t.Fatalf("applying %q again changed %+v into %+v (%v)", patch, next, again, err)
		}
	})
}

func FuzzPatchFlavor(f *testing.F) {
	current := valence.FlavorSpec{Name: "small", Description: "d", Properties: valence.Properties{
		Processor: &valence.ProcessorReq{TotalCores: 4, Count: 1}, Memory: &valence.MemoryReq{CapacityMiB: 4096, Type: "DDR4"},
	}}
	fuzzPatch(f, current, []string{
		`{}`, `{"name":"big"}`, `{"Name":"big"}`, `{"description":null}`, `{"properties":{"processor":null,"memory":{"capacity_mib":"8192"}}}`,
		`{"properties":{"processor":{"count":65}}}`, `{"uuid":"x"}`,
	}, checkFlavorPatch, mergeFlavorPatch, valence.FlavorSpec.Validate, checkFlavorSpec)
}

func FuzzPatchPodManager(f *testing.F) {
	current := valence.PodManagerSpec{Name: "podm1", URL: "https://podm.example.com", Driver: "rsd", Username: "admin", Password: "secret", TLSVerify: true}
	fuzzPatch(f, current, []string{
		`{}`, `{"name":"p2","description":"row 3","location":null}`, `{"tls_verify":null}`, `{"Tls_Verify":false}`,
		`{"authentication":[{"type":"basic","auth_items":{"username":"u","password":"p"}}]}`, `{"url":"http://a:b@c"}`,
	}, checkPodManagerPatch, mergePodManagerPatch, valence.PodManagerSpec.Validate, checkPodManagerSpec)
}

// FuzzListQuery checks the paging and filters of a list, and the pod
// manager an inventory list is narrowed to (query or Valence's GET body).
func FuzzListQuery(f *testing.F) {
	for _, q := range []string{"", "limit=10&marker=abc", "limit=0", "limit=1001", "limit=-1", "limit=1e3", "limit=99999999999999999999",
		"name=a&name=b", "podm_id=p", "colour=red", "limit=1&limit=2", "%zz", "marker=", ";", "limit=%31"} {
		f.Add(q, []byte(`{"podm_id":"p","show_detail":true}`))
	}
	f.Fuzz(func(t *testing.T, rawQuery string, body []byte) {
		r := httptest.NewRequest("GET", "/v1/systems", bytes.NewReader(body))
		r.URL.RawQuery = rawQuery
		p, filters, err := listQuery(r)
		if err != nil {
			if valence.ErrorCode(err) != valence.Invalid {
				t.Fatalf("refused with %v", err)
			}
			return
		}
		q := r.URL.Query()
		if p.Limit < 0 || p.Limit > valence.MaxPageLimit || (p.Limit == 0) != !q.Has("limit") {
			t.Fatalf("limit %d from %q", p.Limit, rawQuery)
		}
		if p.Marker != lastValue(q, "marker") {
			t.Fatalf("marker %q from %q", p.Marker, rawQuery)
		}
		if _, ok := filters["limit"]; ok {
			t.Fatalf("limit taken as a filter: %q", rawQuery)
		}
		if _, ok := filters["marker"]; ok {
			t.Fatalf("marker taken as a filter: %q", rawQuery)
		}
		for k, v := range filters {
			if v != lastValue(q, k) {
				t.Fatalf("filter %s=%q from %q", k, v, rawQuery)
			}
		}
		podmID, err := podmFilter(r)
		if err != nil {
			return
		}
		for k := range filters {
			if k != "podm_id" {
				t.Fatalf("filter %q accepted on an inventory list", k)
			}
		}
		if q.Get("podm_id") != "" && podmID != lastValue(q, "podm_id") {
			t.Fatalf("podm_id %q, want the query's %q", podmID, lastValue(q, "podm_id"))
		}
	})
}

// lastValue is the last value of key in q: the one a list takes.
func lastValue(q url.Values, key string) string {
	vs := q[key]
	if len(vs) == 0 {
		return ""
	}
	return vs[len(vs)-1]
}
