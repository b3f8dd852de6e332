package server

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/valence"
)

// specLimits are the bounds api/openapi.yaml states for request bodies, by
// the place they are stated at ("Schema.property[].property keyword"), and
// the constant of internal/valence/limits.go each must equal.
var specLimits = map[string]int{
	"Authentication.auth_items.username maxLength":        valence.MaxNameLen,
	"Authentication.auth_items.password maxLength":        valence.MaxPasswordLen,
	"PodManagerCreate.name maxLength":                     valence.MaxNameLen,
	"PodManagerCreate.url maxLength":                      valence.MaxURLLen,
	"PodManagerCreate.authentication maxItems":            valence.MaxListItems,
	"PodManagerCreate.ca_cert maxLength":                  valence.MaxCACertLen,
	"PodManagerCreate.description maxLength":              valence.MaxDescriptionLen,
	"PodManagerCreate.location maxLength":                 valence.MaxDescriptionLen,
	"PodManagerUpdate.name maxLength":                     valence.MaxNameLen,
	"PodManagerUpdate.authentication maxItems":            valence.MaxListItems,
	"PodManagerUpdate.ca_cert maxLength":                  valence.MaxCACertLen,
	"PodManagerUpdate.description maxLength":              valence.MaxDescriptionLen,
	"PodManagerUpdate.location maxLength":                 valence.MaxDescriptionLen,
	"FlavorCreate.name maxLength":                         valence.MaxNameLen,
	"FlavorCreate.description maxLength":                  valence.MaxDescriptionLen,
	"FlavorUpdate.name maxLength":                         valence.MaxNameLen,
	"FlavorUpdate.description maxLength":                  valence.MaxDescriptionLen,
	"FlavorPropertiesInput.processor.total_cores maximum": valence.MaxTotalCores,
	"FlavorPropertiesInput.processor.model maxLength":     valence.MaxNameLen,
	"FlavorPropertiesInput.processor.count maximum":       valence.MaxProcessorCount,
	// The core takes only the names RSD knows here, none of them longer.
	"FlavorPropertiesInput.processor.instruction_set maxLength":  valence.MaxNameLen,
	"FlavorPropertiesInput.memory.type maxLength":                valence.MaxNameLen,
	"FlavorPropertiesInput.memory.capacity_mib maximum":          valence.MaxMemoryMiB,
	"FlavorPropertiesInput.local_drives maxItems":                valence.MaxListItems,
	"FlavorPropertiesInput.local_drives[].capacity_gib maximum":  valence.MaxCapacityGiB,
	"FlavorPropertiesInput.remote_drives maxItems":               valence.MaxListItems,
	"FlavorPropertiesInput.remote_drives[].capacity_gib maximum": valence.MaxCapacityGiB,
	"FlavorPropertiesInput.network maxItems":                     valence.MaxListItems,
	"FlavorPropertiesInput.network[].speed_mbps maximum":         valence.MaxSpeedMbps,
	"FlavorPropertiesInput.network[].vlan maximum":               valence.MaxVLAN,
	"PCIDeviceRequirement.type maxItems":                         valence.MaxListItems,
	"PCIDeviceRequirement.type[] maxLength":                      valence.MaxNameLen,
	"NodeCompose.name maxLength":                                 valence.MaxNameLen,
	"NodeCompose.description maxLength":                          valence.MaxDescriptionLen,
	"NodeCompose.podm_id maxLength":                              valence.MaxIDLen,
	"NodeCompose.flavor_id maxLength":                            valence.MaxIDLen,
	"NodeManage.node_index maxLength":                            valence.MaxNodeIndexLen,
	"NodeManage.podm_id maxLength":                               valence.MaxIDLen,
	"AttachAction.resource_id maxLength":                         valence.MaxIDLen,
	"StorageCreate.podm_id maxLength":                            valence.MaxIDLen,
	"StorageCreate.capacity_gib maximum":                         valence.MaxCapacityGiB,
	"StorageCreate.name maxLength":                               valence.MaxNameLen,
	"StorageCreate.storage_service maxLength":                    valence.MaxURLLen,
	"StorageCreate.source maxLength":                             valence.MaxIDLen,
	"Limit maximum":                                              valence.MaxPageLimit,
}

// TestSpecLimitsMatchTheCode holds api/openapi.yaml and limits.go together:
// every bound the document states for a request is the constant the core
// checks, and every number, string and list a request can carry is bounded
// in the document (a string by maxLength or an enum).
func TestSpecLimitsMatchTheCode(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	w := &limitWalker{found: map[string]int{}, seen: map[string]bool{}}
	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
		for method, op := range doc.Paths.Value(path).Operations() {
			if op.RequestBody == nil {
				continue
			}
			for ct, mt := range op.RequestBody.Value.Content {
				w.walk(mt.Schema, method+" "+path+" "+ct)
			}
		}
	}
	w.walk(&openapi3.SchemaRef{Value: doc.Components.Parameters["Limit"].Value.Schema.Value}, "Limit")
	checkParamLimits(t, doc)
	for at, n := range w.found {
		want, ok := specLimits[at]
		switch {
		case !ok:
			t.Errorf("openapi.yaml bounds %s to %d, which no constant of limits.go stands for (add it to specLimits)", at, n)
		case n != want:
			t.Errorf("openapi.yaml bounds %s to %d, the code to %d", at, n, want)
		}
	}
	for at := range specLimits {
		if _, ok := w.found[at]; !ok {
			t.Errorf("openapi.yaml does not state %s", at)
		}
	}
	for _, at := range w.unbounded {
		t.Errorf("openapi.yaml leaves %s of a request unbounded", at)
	}
}

// limitWalker collects the bounds of request schemas and what lacks one.
type limitWalker struct {
	found     map[string]int
	unbounded []string
	seen      map[string]bool // components already walked
}

func (w *limitWalker) walk(ref *openapi3.SchemaRef, at string) {
	if name, ok := strings.CutPrefix(ref.Ref, "#/components/schemas/"); ok {
		if name == "FlexInt" {
			// Unbounded by itself: each use wraps it in an allOf with a maximum.
			w.unbounded = append(w.unbounded, at+" (FlexInt without a maximum)")
			return
		}
		if w.seen[name] {
			return
		}
		w.seen[name], at = true, name
	}
	s := ref.Value
	note := func(keyword string, v any) {
		switch n := v.(type) {
		case *uint64:
			w.found[at+" "+keyword] = int(*n)
		case *float64:
			w.found[at+" "+keyword] = int(*n)
		}
	}
	bounded := true
	if s.MaxLength != nil {
		note("maxLength", s.MaxLength)
	}
	if s.Max != nil {
		note("maximum", s.Max)
	}
	if s.MaxItems != nil {
		note("maxItems", s.MaxItems)
	}
	switch {
	case len(s.AllOf) == 1 && s.AllOf[0].Ref == "#/components/schemas/FlexInt":
		bounded = s.Max != nil
	case s.Type.Is("string"):
		bounded = s.MaxLength != nil || len(s.Enum) > 0
	case s.Type.Is("integer") || s.Type.Is("number"):
		bounded = s.Max != nil
	case s.Type.Is("array"):
		bounded = s.MaxItems != nil
		w.walk(s.Items, at+"[]")
	case s.Type.Is("object"):
		for _, k := range slices.Sorted(maps.Keys(s.Properties)) {
			w.walk(s.Properties[k], fmt.Sprintf("%s.%s", at, k))
		}
	default:
		for _, sub := range s.AllOf {
			w.walk(sub, at)
		}
	}
	if !bounded {
		w.unbounded = append(w.unbounded, at)
	}
}

// checkParamLimits holds every path and query parameter of api/openapi.yaml
// to the bound checkParams applies: a string's maxLength is paramLimit's,
// and a string without one is an enum within MaxQueryParamLen.
func checkParamLimits(t *testing.T, doc *openapi3.T) {
	t.Helper()
	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			for _, ref := range append(slices.Clone(item.Parameters), op.Parameters...) {
				p := ref.Value
				s := p.Schema.Value
				at := fmt.Sprintf("%s %s: %s parameter %s", method, path, p.In, p.Name)
				switch {
				case !s.Type.Is("string"):
				case s.MaxLength != nil && int(*s.MaxLength) != paramLimit(p.Name):
					t.Errorf("%s: openapi.yaml says maxLength %d, the server checks %d", at, *s.MaxLength, paramLimit(p.Name))
				case s.MaxLength == nil && len(s.Enum) == 0:
					t.Errorf("%s: unbounded in openapi.yaml (the server checks %d)", at, paramLimit(p.Name))
				case s.MaxLength == nil:
					for _, e := range s.Enum {
						if v, _ := e.(string); len(v) > paramLimit(p.Name) {
							t.Errorf("%s: the value %q is longer than the server takes", at, v)
						}
					}
				}
			}
		}
	}
}
