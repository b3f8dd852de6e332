package rsdsim

import (
	"net/http"
	"slices"
)

// attachProtocols are the protocols AttachResource offers (rsd-lib v2_3 attach_action_info).
var attachProtocols = []string{"NVMeOverFabrics"}

// attachRequest is the body of ComposedNode.AttachResource and DetachResource (RSD 2.3).
type attachRequest struct {
	Resource *ref
	Protocol *string
}

// parseAttach reads the body and finds the volume; the caller holds s.mu.
func (s *Simulator) parseAttach(body []byte) (*volume, *apiError) {
	var req attachRequest
	if err := unmarshal(body, &req); err != nil {
		return nil, errPayload("Malformed JSON: " + err.Error())
	}
	if req.Resource == nil {
		return nil, errPayload("The action requires the parameter Resource.")
	}
	if req.Protocol != nil && !slices.Contains(attachProtocols, *req.Protocol) {
		return nil, errPayload("Protocol " + *req.Protocol + " is not supported; use NVMeOverFabrics.")
	}
	v, e := resolve[*volume](s, "Resource", req.Resource, "volume")
	if e != nil {
		return nil, errPayload(e.extended[0].Message)
	}
	return v, nil
}

// attachResource gives a free volume to a node that is Allocated or Assembled.
func (s *Simulator) attachResource(w http.ResponseWriter, r *http.Request, params []string) *apiError {
	return s.attachAction(w, r, params[0], func(n *node, v *volume) *apiError {
		if n.state != stateAllocated && n.state != stateAssembled {
			return errPayload("A volume can be attached only to an Allocated or Assembled node; node " + n.id + " is " + n.state + ".")
		}
		if v.node != nil {
			return errConflict("The volume is in use.", "Volume "+v.id+" is attached to node "+v.node.id+".")
		}
		s.attach(n, v)
		return nil
	})
}

// detachResource takes a volume back from a node; the volume is kept.
func (s *Simulator) detachResource(w http.ResponseWriter, r *http.Request, params []string) *apiError {
	return s.attachAction(w, r, params[0], func(n *node, v *volume) *apiError {
		if v.node != n {
			return errPayload("Volume " + v.id + " is not attached to node " + n.id + ".")
		}
		v.owner = nil // detached on purpose: it outlives the node
		s.detach(n, v)
		return nil
	})
}

// attachAction is the common frame of both actions: body, node, volume, then do; 204.
func (s *Simulator) attachAction(w http.ResponseWriter, r *http.Request, id string, do func(*node, *volume) *apiError) *apiError {
	body, e := readBody(w, r)
	if e != nil {
		return e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, e := s.nodeByID(r, id)
	if e != nil {
		return e
	}
	v, e := s.parseAttach(body)
	if e != nil {
		return e
	}
	if e := do(n, v); e != nil {
		return e
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// attachActionInfo and detachActionInfo are computed on each GET, as the volumes they offer
// change with every attachment anywhere in the pod.
func (s *Simulator) attachActionInfo(w http.ResponseWriter, r *http.Request, params []string) *apiError {
	return s.actionInfo(w, r, params[0], "Attach", func(n *node, v *volume) bool { return v.node == nil })
}

func (s *Simulator) detachActionInfo(w http.ResponseWriter, r *http.Request, params []string) *apiError {
	return s.actionInfo(w, r, params[0], "Detach", func(n *node, v *volume) bool { return v.node == n })
}

func (s *Simulator) actionInfo(w http.ResponseWriter, r *http.Request, id, verb string, offered func(*node, *volume) bool) *apiError {
	s.mu.RLock()
	n, e := s.nodeByID(r, id)
	if e != nil {
		s.mu.RUnlock()
		return e
	}
	var vols []string
	for _, v := range s.sortedVolumes() {
		if offered(n, v) {
			vols = append(vols, s.volumePath(v))
		}
	}
	s.mu.RUnlock()
	p := n.path() + "/Actions/" + verb + "ResourceActionInfo"
	d := resource(p, "#ActionInfo.v1_0_2.ActionInfo", verb+"ResourceActionInfo", verb+" Resource ActionInfo")
	d["Parameters"] = []obj{
		{"Name": "Resource", "Required": true, "DataType": "Object", "ObjectDataType": "#Resource.Resource",
			"AllowableValues": links(vols)},
		{"Name": "Protocol", "Required": false, "DataType": "String", "AllowableValues": attachProtocols},
	}
	serveDoc(w, r, http.StatusOK, render(p, d))
	return nil
}
