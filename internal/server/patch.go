package server

import (
	"encoding/json"

	"github.com/valence-rsd/valence/internal/valence"
)

// mergePatch applies an RFC 7396 JSON merge patch to target: objects merge
// key by key, null removes a key, anything else replaces.
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = mergePatch(t[k], v)
	}
	return t
}

// applyPatch merges the patch body onto current (a create body) and decodes
// the result into out, which is then validated like a create.
func applyPatch(current any, patch []byte, out any) error {
	var p any
	if err := json.Unmarshal(patch, &p); err != nil {
		return valence.Errorf(valence.Invalid, "the request body is not valid JSON")
	}
	if _, ok := p.(map[string]any); !ok {
		return valence.Errorf(valence.Invalid, "a merge patch must be a JSON object")
	}
	raw, err := json.Marshal(current)
	if err != nil {
		return valence.Wrap(err, valence.Internal, "cannot encode the current object")
	}
	var cur any
	if err := json.Unmarshal(raw, &cur); err != nil {
		return valence.Wrap(err, valence.Internal, "cannot decode the current object")
	}
	merged, err := json.Marshal(mergePatch(cur, p))
	if err != nil {
		return valence.Wrap(err, valence.Internal, "cannot encode the patched object")
	}
	return unmarshalStrict(merged, out)
}

// patchKeys returns the top-level keys of a patch body.
func patchKeys(patch []byte) map[string]bool {
	var m map[string]json.RawMessage
	_ = json.Unmarshal(patch, &m)
	keys := make(map[string]bool, len(m))
	for k := range m {
		keys[k] = true
	}
	return keys
}
