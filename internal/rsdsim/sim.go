package rsdsim

import (
	"cmp"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Config chooses the RSD version, the generated inventory, the credentials and the faults.
type Config struct {
	// RSDVersion is "2.1", "2.2" or "2.3" (or with a patch digit, "2.3.0"); empty means "2.3";
	// VersionNone is plain Redfish without RSD extensions.
	RSDVersion string
	// Racks, DrawersPerRack and SystemsPerDrawer give the layout; zero means 2, 4 and 4.
	Racks, DrawersPerRack, SystemsPerDrawer int
	// Systems, when > 0, overrides the layout: systems are placed SystemsPerDrawer to a
	// drawer and DrawersPerRack drawers to a rack, adding racks as needed (Racks is ignored).
	Systems int
	// Seed varies cores, memory, drives, NICs and security features deterministically.
	Seed int64
	// Quirks are the odd behaviours of real services to play; see Quirks.
	Quirks Quirks
	// Username and Password guard everything but the service root (HTTP Basic or a
	// session token); an empty Username means no authentication is required.
	Username, Password string
	// AssembleDelay is how long a node stays Assembling; zero assembles at once.
	AssembleDelay time.Duration
	// ComposeDelay (ModelDMTF) is how long the answer to a composition comes after the
	// system is composed; a client that leaves meanwhile loses the answer, not the system,
	// as with a real service that carries out what it received.
	ComposeDelay time.Duration
	// ComposeTask (ModelDMTF), when set, makes a composition a task of that length: the POST
	// is answered 202 with a task monitor, the composition's own answer comes from the monitor
	// once the task has ended (see dmtf_task.go).
	ComposeTask time.Duration
	// SharedStorage (ModelDMTF) lists each Storage block in its rack's zone and in the next
	// rack's, as a drive enclosure cabled to two racks is.
	SharedStorage bool
	// Faults are the faults active from the start; see SetFaults.
	Faults Faults
	// ServiceUUID is the service root's UUID; empty draws a random one, since every running
	// service has its own (two simulators with one ServiceUUID are one service at two addresses).
	ServiceUUID string
	// UnimplementedResets are reset types that systems and nodes advertise but answer 501
	// to, as sushy-tools does for Nmi.
	UnimplementedResets []string
	// SessionTimeout is how long a session may go unused before the service closes it, as
	// Redfish's SessionService.SessionTimeout says (rendered there in whole seconds, rounded
	// up); zero means DefaultSessionTimeout. A request with a closed session's token is a 401,
	// as after a restart, which forgets every session.
	SessionTimeout time.Duration
	// Now, when set, replaces time.Now for session expiry, so that tests move time on.
	Now func() time.Time
	// Model is ModelRSD (the default when empty) or ModelDMTF, DMTF composability over the
	// same generated pod (see dmtf.go); RSDVersion must then be empty.
	Model string
	// Composition (ModelDMTF) is the form of composition the Systems collection offers:
	// CompositionSpecific, CompositionConstrained or CompositionBoth (the default when
	// empty), as real services offer one form, the other or both.
	Composition string
	// Journal, when set, receives a line for every request that changed the state, so that
	// a simulator started again replays it (Replay) and keeps the nodes and volumes, as a
	// real Pod Manager does across a restart.
	Journal io.Writer
}

// apiVersion holds what differs between RSD 2.1, 2.2 and 2.3.
type apiVersion struct {
	minor   int    // 1, 2 or 3
	api     string // Oem.Intel_RackScale.ApiVersion; empty for plain Redfish
	redfish string // RedfishVersion
}

func parseVersion(v string) (apiVersion, error) {
	switch v {
	case "", "2.3", "2.3.0":
		return apiVersion{3, "2.3.0", "1.1.0"}, nil
	case "2.2", "2.2.0":
		return apiVersion{2, "2.2.0", "1.1.0"}, nil
	case "2.1", "2.1.0":
		return apiVersion{1, "2.1.0", "1.0.2"}, nil
	case VersionNone:
		// The hardware of the newest RSD version, without its extensions (see plain).
		return apiVersion{3, "", plainRedfishVersion}, nil
	}
	return apiVersion{}, fmt.Errorf("rsdsim: unsupported RSD version %q (want 2.1, 2.2, 2.3 or %s)", v, VersionNone)
}

// Simulator is an emulated RSD Pod Manager; it is an http.Handler and safe for concurrent use.
type Simulator struct {
	cfg Config
	ver apiVersion
	// serviceUUID is the service root's UUID (Config.ServiceUUID or a random one).
	serviceUUID string
	routes      []route
	faults      faultState

	// mu guards everything below. A GET only looks up rendered JSON in docs under the read
	// lock (the parts of a system are rendered on their first GET, see lookup); every change
	// holds the write lock and re-renders what it touched, which is also what makes two
	// concurrent Allocates pick different systems.
	mu       sync.RWMutex
	docs     map[string]*doc
	putMu    sync.Mutex // see put
	systems  []*system
	byPath   map[string]any // @odata.id of a system, processor, DIMM, drive, NIC or chassis → its value
	chassis  []*chassis
	nodes    map[string]*node
	nodeSeq  int
	storage  *storageService
	sessions map[string]*session
	// dmtf is the state of ModelDMTF, nil in the RSD model; dmtfCapabilities is the
	// @Redfish.CollectionCapabilities of its Systems collection.
	dmtf             *dmtfPool
	dmtfCapabilities []obj

	done      chan struct{} // closed by Close: releases hung requests and pending assemblies
	closeOnce sync.Once

	journalMu sync.Mutex // one journaled request at a time
	replaying bool       // set while Replay runs, before serving: assemblies end at once
}

// New builds the inventory and renders the systems, chassis and collections, so that later
// GETs only copy bytes.
func New(cfg Config) (*Simulator, error) {
	ver, err := parseVersion(cfg.RSDVersion)
	switch {
	case err != nil:
		return nil, err
	case cfg.Model == ModelDMTF && cfg.RSDVersion != "":
		return nil, fmt.Errorf("rsdsim: an RSD version (%q) applies to the %s model only", cfg.RSDVersion, ModelRSD)
	case cfg.Model == ModelDMTF:
		ver = apiVersion{3, "", dmtfRedfishVersion} // plain Redfish, which put strips of RSD's Oem
	case cfg.Model != "" && cfg.Model != ModelRSD:
		return nil, fmt.Errorf("rsdsim: unknown model %q (want %s or %s)", cfg.Model, ModelRSD, ModelDMTF)
	}
	if err := cfg.validateModel(); err != nil {
		return nil, err
	}
	if err := cfg.Faults.validate(); err != nil {
		return nil, err
	}
	if err := cfg.Quirks.validate(); err != nil {
		return nil, err
	}
	if err := validateUnimplemented(cfg.UnimplementedResets); err != nil {
		return nil, err
	}
	if cfg.SessionTimeout < 0 {
		return nil, fmt.Errorf("rsdsim: negative session timeout %s", cfg.SessionTimeout)
	}
	cfg.SessionTimeout = cmp.Or(cfg.SessionTimeout, DefaultSessionTimeout)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	serviceUUID, err := newServiceUUID(cfg.ServiceUUID)
	if err != nil {
		return nil, err
	}
	lay, err := newLayout(cfg)
	if err != nil {
		return nil, err
	}
	s := &Simulator{
		cfg:         cfg,
		ver:         ver,
		serviceUUID: serviceUUID,
		docs:        make(map[string]*doc),
		byPath:      make(map[string]any),
		nodes:       make(map[string]*node),
		sessions:    make(map[string]*session),
		done:        make(chan struct{}),
	}
	s.faults.set(cfg.Faults)
	s.generate(lay)
	if cfg.Model == ModelDMTF {
		s.dmtf = newDMTFPool(s.systems, cfg.SharedStorage)
		s.routes = s.dmtfRoutes()
		s.renderDMTF()
		return s, nil
	}
	s.routes = s.buildRoutes()
	s.renderAll()
	return s, nil
}

// SetFaults replaces the active faults at run time (also reachable through PUT /admin/faults).
func (s *Simulator) SetFaults(f Faults) { s.faults.set(f) }

// CurrentFaults returns the active faults.
func (s *Simulator) CurrentFaults() Faults { return s.faults.get() }

// Close releases requests held by the "hang" fault and stops pending assemblies; call it
// before shutting the HTTP server down so that Shutdown does not wait for hung requests.
func (s *Simulator) Close() { s.closeOnce.Do(func() { close(s.done) }) }

// ServeHTTP answers /redfish/v1/... as a Pod Manager and /admin/faults as the fault console.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == adminFaultsPath {
		s.serveAdmin(w, r)
		return
	}
	if !s.applyConnectionFaults(w, r) {
		return
	}
	w, r = s.etagQuirk(w, r)
	if s.cfg.Journal != nil && journaled(r) {
		s.serveJournaled(w, r)
		return
	}
	if e := s.serve(w, r); e != nil {
		writeError(w, e)
	}
}

// SystemCount is the number of generated systems.
func (s *Simulator) SystemCount() int { return len(s.systems) }
