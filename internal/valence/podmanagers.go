package valence

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// podmFilters are the fields a pod-manager list filters on.
var podmFilters = []string{"name", "url", "status", "driver"}

func podmIndex(p PodManager) (string, map[string]string, map[string]string) {
	return p.UUID,
		map[string]string{"name": p.Name, "url": p.URL, "service_uuid": p.ServiceUUID},
		map[string]string{"name": p.Name, "url": p.URL, "status": p.Status, "driver": p.Driver}
}

// PodManagerSpec is what a caller sets on a pod manager.
type PodManagerSpec struct {
	Name        string `json:"name"`
	URL         string `json:"url"`
	Driver      string `json:"driver"`
	Username    string `json:"username"`
	Password    string `json:"password"`
	TLSVerify   bool   `json:"tls_verify"`
	CACert      string `json:"ca_cert,omitempty"`
	Description string `json:"description,omitempty"`
	Location    string `json:"location,omitempty"`
}

// Validate reports what is wrong with the spec, as a create or update
// would, without touching the store or the pod manager.
func (sp PodManagerSpec) Validate() error { return sp.normalize() }

// normalize checks a spec and puts it in its canonical form.
func (sp *PodManagerSpec) normalize() error {
	v := &validator{}
	// The name as sent: a control character is refused even where trimming would drop it.
	v.name(sp.Name)
	sp.Name = strings.TrimSpace(sp.Name)
	v.text("url", sp.URL, MaxURLLen)
	v.text("authentication username", sp.Username, MaxNameLen)
	v.size("authentication password", sp.Password, MaxPasswordLen)
	v.pem("ca_cert", sp.CACert, MaxCACertLen)
	v.text("description", sp.Description, MaxDescriptionLen)
	v.text("location", sp.Location, MaxDescriptionLen)
	if err := v.err(); err != nil {
		return err
	}
	u, err := canonicalURL(sp.URL)
	if err != nil {
		return err
	}
	sp.URL = u
	switch sp.Driver {
	case "", driverValence:
		sp.Driver = DriverRSD
	case DriverRSD, DriverRedfish:
	default:
		return Errorf(Invalid, "driver %q is not one of rsd, redfishv1, redfish", sp.Driver)
	}
	if sp.Username == "" || sp.Password == "" {
		return Errorf(Invalid, "authentication needs a basic entry with username and password")
	}
	return nil
}

// CreatePodManager registers a pod manager. It probes the service first and
// records what it found; an unreachable one is still registered, as Offline.
func (s *Service) CreatePodManager(ctx context.Context, sp PodManagerSpec) (PodManager, error) {
	if err := sp.normalize(); err != nil {
		return PodManager{}, err
	}
	now := s.now()
	pm := PodManager{UUID: newID(), PodManagerSpec: sp, CreatedAt: now, UpdatedAt: now}
	if err := s.registeredAlready(ctx, pm); err != nil {
		return PodManager{}, err
	}
	s.probe(ctx, &pm)
	err := s.registeredAlready(ctx, pm)
	if err == nil {
		err = s.podms.create(ctx, pm)
	}
	if err != nil {
		s.conns.drop(pm.UUID)
		return PodManager{}, err
	}
	return pm, nil
}

// registeredAlready refuses a second registration of one service: the same URL (compared
// in canonical form, since records written before URLs were made canonical may hold another
// spelling) or, once probed, the same service root UUID. The store's unique indexes on both
// catch the registrations that race past this check.
func (s *Service) registeredAlready(ctx context.Context, pm PodManager) error {
	all, err := s.podms.all(ctx, nil)
	if err != nil {
		return err
	}
	for _, o := range all {
		if u, err := canonicalURL(o.URL); err == nil && u == pm.URL {
			return Errorf(Conflict, "The service at %s is registered already as pod manager %s (%s).", pm.URL, o.Name, o.UUID)
		}
		if pm.ServiceUUID != "" && o.ServiceUUID == pm.ServiceUUID {
			return Errorf(Conflict, "The service at %s is registered already as pod manager %s (%s) at %s: both service roots have the UUID %s.",
				pm.URL, o.Name, o.UUID, o.URL, pm.ServiceUUID)
		}
	}
	return nil
}

// probe connects to pm (through the cache) and records its status,
// versions and capabilities.
func (s *Service) probe(ctx context.Context, pm *PodManager) {
	ctx, cancel := s.podmCtx(ctx)
	defer cancel()
	pm.ProbedAt = s.now()
	conn, err := s.conns.get(ctx, *pm)
	if err == nil {
		var info ServiceInfo
		if info, err = conn.Probe(ctx); err == nil {
			pm.Status, pm.StatusReason = StatusOnline, ""
			pm.RedfishVersion, pm.RSDVersion, pm.Capabilities = info.RedfishVersion, info.RSDVersion, info.Capabilities
			pm.ServiceUUID = info.UUID
			if pm.Driver == DriverRedfish {
				pm.Capabilities = without(pm.Capabilities, CapCompose)
			}
			return
		}
		s.conns.drop(pm.UUID)
	}
	pm.Status, pm.StatusReason = statusOf(err), err.Error()
	var e *Error
	if asError(err, &e) {
		pm.StatusReason = e.Message
	}
}

// statusOf names the status a failed probe leaves a pod manager in.
func statusOf(err error) string {
	if IsCode(err, PodManagerAuthFailed) {
		return StatusAuthenticationFailed
	}
	return StatusOffline
}

func without(list []string, drop string) []string {
	var out []string
	for _, v := range list {
		if v != drop {
			out = append(out, v)
		}
	}
	return out
}

// GetPodManager returns a pod manager, re-probing it when its status is
// older than StatusMaxAge.
func (s *Service) GetPodManager(ctx context.Context, id string) (PodManager, error) {
	pm, _, err := s.podms.get(ctx, id)
	if err != nil {
		return pm, err
	}
	if s.fresh(pm) {
		return pm, nil
	}
	return s.refreshStatus(ctx, pm, true)
}

// fresh reports whether pm's status is recent enough to be shown unprobed.
func (s *Service) fresh(pm PodManager) bool {
	return s.opts.Now().Sub(pm.ProbedAt) < s.opts.StatusMaxAge
}

// refreshStatus probes pm and stores the result. Concurrent refreshes of one
// pod manager share one probe; ifStale skips it when a refresh that ended
// since the caller read pm stored a fresh status. The probe time is stored
// even when nothing else changed: it is what spares the next reads (of any
// replica) a probe of their own until StatusMaxAge has passed again.
func (s *Service) refreshStatus(ctx context.Context, pm PodManager, ifStale bool) (PodManager, error) {
	return s.statusFlights.do(ctx, pm.UUID, func(ctx context.Context) (PodManager, error) {
		if ifStale {
			cur, _, err := s.podms.get(ctx, pm.UUID)
			if err != nil || s.fresh(cur) {
				return cur, err
			}
			pm = cur
		}
		probed := pm
		s.probe(ctx, &probed)
		store := func(withUUID bool) (PodManager, error) {
			return s.podms.modify(ctx, pm.UUID, func(cur *PodManager) error {
				cur.Status, cur.StatusReason, cur.ProbedAt = probed.Status, probed.StatusReason, probed.ProbedAt
				cur.RedfishVersion, cur.RSDVersion, cur.Capabilities = probed.RedfishVersion, probed.RSDVersion, probed.Capabilities
				if withUUID {
					cur.ServiceUUID = probed.ServiceUUID
				}
				return nil
			})
		}
		stored, err := store(true)
		var taken *Taken
		if errors.As(err, &taken) && taken.Index == "service_uuid" {
			// Registered twice before its service UUID was known (it was
			// unreachable then): its status is still worth keeping.
			s.opts.Log.Warn().Str("podm_id", pm.UUID).Str("service_uuid", taken.Value).
				Msg("this pod manager's service is registered under another pod manager too; delete one of them")
			stored, err = store(false)
		}
		if IsCode(err, Conflict) {
			return probed, nil // other writers kept winning; a read need not fail for it
		}
		return stored, err
	})
}

// probeAll refreshes every pod manager's status.
func (s *Service) probeAll(ctx context.Context) {
	pms, err := s.podms.all(ctx, nil)
	if err != nil {
		s.opts.Log.Warn().Err(err).Msg("status refresh: cannot list pod managers")
		return
	}
	// At most DefaultFanOut at once, so that pod managers that time out do
	// not hold up the refresh of the others.
	eachAtOnce(pms, func(pm PodManager) {
		if _, err := s.refreshStatus(ctx, pm, false); err != nil && ctx.Err() == nil {
			s.opts.Log.Warn().Err(err).Str("podm_id", pm.UUID).Msg("status refresh failed")
		}
	})
}

// ListPodManagers returns a page of pod managers as last probed.
func (s *Service) ListPodManagers(ctx context.Context, filters map[string]string, p Page) ([]PodManager, bool, error) {
	if err := checkFilters(filters, podmFilters...); err != nil {
		return nil, false, err
	}
	return s.podms.list(ctx, pageOf(p, filters))
}

// UpdatePodManager applies change to a pod manager's spec, checks the
// result like a create, re-probes with the new access and stores it. The URL
// cannot change: a different URL is a different pod manager.
func (s *Service) UpdatePodManager(ctx context.Context, id string, change func(*PodManagerSpec) error) (PodManager, error) {
	pm, err := s.podms.modify(ctx, id, func(pm *PodManager) error {
		sp := pm.PodManagerSpec
		if err := change(&sp); err != nil {
			return err
		}
		if err := sp.normalize(); err != nil {
			return err
		}
		// Compared in canonical form: a record written before URLs were made canonical
		// takes that form on its first update.
		if was, err := canonicalURL(pm.URL); err != nil || sp.URL != was {
			return Errorf(Invalid, "url cannot be changed; register a new pod manager instead")
		}
		pm.PodManagerSpec = sp
		pm.UpdatedAt = s.now()
		s.probe(ctx, pm)
		return nil
	})
	if err == nil {
		s.inventories.forget(id) // cached systems carry the pod manager's name
	}
	return pm, err
}

// DeletePodManager removes a pod manager. While nodes composed on it are
// recorded it refuses, naming them, unless force, which decomposes them first.
func (s *Service) DeletePodManager(ctx context.Context, id string, force bool) error {
	pm, _, err := s.podms.get(ctx, id)
	if err != nil {
		return err
	}
	nodes, err := s.nodes.all(ctx, map[string]string{"podm_id": id})
	if err != nil {
		return err
	}
	if len(nodes) > 0 && !force {
		names := make([]string, len(nodes))
		for i, n := range nodes {
			names[i] = fmt.Sprintf("%s (%s)", n.Name, n.UUID)
		}
		return Errorf(Conflict, "Pod manager %s still has composed nodes: %s; decompose them or delete with force=true.",
			pm.Name, strings.Join(names, ", "))
	}
	for _, n := range nodes {
		if err := s.decompose(ctx, pm, n); err != nil {
			return err
		}
	}
	if err := s.podms.delete(ctx, id); err != nil {
		return err
	}
	s.conns.drop(id)
	s.inventories.forget(id)
	return nil
}

// podmByID returns a pod manager for an operation on it.
func (s *Service) podmByID(ctx context.Context, id string) (PodManager, error) {
	pm, _, err := s.podms.get(ctx, id)
	return pm, err
}

// connect returns a connection to pm, bounded by the pod-manager timeout.
func (s *Service) connect(ctx context.Context, pm PodManager) (PodManagerConn, error) {
	ctx, cancel := s.podmCtx(ctx)
	defer cancel()
	return s.conns.get(ctx, pm)
}
