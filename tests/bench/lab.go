package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/valence-rsd/valence/tests/internal/procs"
)

const (
	// startTimeout bounds a process's start on a loaded 2-core machine.
	startTimeout = 30 * time.Second
	// stopTimeout is how long a SIGTERM gets before SIGKILL.
	stopTimeout = 15 * time.Second
	// maxBody caps what the harness reads of one answer.
	maxBody = 256 << 20
	simUser = "admin"
	simPass = "secret"
)

// lab is the processes of a run: -podms simulators and four valence-api,
// each with every simulator as a pod manager (the first one is the pod
// manager of the scenarios about one system or node). warm keeps what it reads for an hour, so
// that its lists are served from its cache; cold keeps it for 1ns and
// never answers from an older read, so that every read of it walks the pod
// manager, and reads every resource in full (VALENCE_PODM_ETAGS=false);
// refresh is cold with the ETags of the last walk sent (If-None-Match);
// sustained keeps it for -sustain-ttl, with the default bound on
// stale answers, for the load that crosses many expiries.
type lab struct {
	s          settings
	dir        string // the run's logs and stores
	bin        string // the binaries' directory
	sims       []*proc
	simURLs    []string
	simURL     string // the first simulator's
	warm, cold *proc
	warmURL    string
	coldURL    string
	warmPodm   string
	coldPodms  []string // one per simulator, in their order
	coldPodm   string   // the first simulator's
	sustained  *proc
	sustURL    string
	refresh    *proc
	refreshURL string
	sustPodm   string
	hc         *http.Client
	// degraded counts, by URL, the answers of l.get that carried a Warning
	// (a pod manager's walk failed or was cut short, or a stale answer):
	// a fast answer that lacks systems is no measure of the walk.
	degraded sync.Map // string → *atomic.Int64
}

// proc is a process the harness started.
type proc struct {
	name   string
	cmd    *exec.Cmd
	exited chan struct{}
	err    error
}

func startLab(s settings) (l *lab, err error) {
	dir, err := os.MkdirTemp("", "valence-bench-")
	if err != nil {
		return nil, err
	}
	l = &lab{s: s, dir: dir, hc: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: maxConcurrency}}}
	defer func() {
		if err != nil {
			l.close()
		}
	}()
	l.bin = s.Bin
	if l.bin == "" {
		l.bin = dir
		fmt.Fprintln(os.Stderr, "bench: building valence-api and rsd-simulator")
		if err := procs.Build(dir, "./cmd/valence-api", "./cmd/rsd-simulator"); err != nil {
			return nil, err
		}
	}
	for i := range s.Podms {
		if err := l.startSim(i); err != nil {
			return nil, err
		}
	}
	l.simURL = l.simURLs[0]
	if l.warm, l.warmURL, err = l.startAPI("warm", "1h"); err != nil {
		return nil, err
	}
	// An older build ignores VALENCE_INVENTORY_MAX_STALE: it never answers stale.
	// The cold server also records the walk through a proxy in front of each
	// simulator, slower than the walk itself: at 4 × 2,500 systems more than
	// the default 30 s a pod manager's call may take, which cut it short.
	if l.cold, l.coldURL, err = l.startAPI("cold", "1ns", "VALENCE_INVENTORY_MAX_STALE=0s", "VALENCE_PODM_ETAGS=false", "VALENCE_PODM_TIMEOUT=5m"); err != nil {
		return nil, err
	}
	if l.refresh, l.refreshURL, err = l.startAPI("refresh", "1ns", "VALENCE_INVENTORY_MAX_STALE=0s"); err != nil {
		return nil, err
	}
	if l.sustained, l.sustURL, err = l.startAPI("sustained", s.SustainTTL.String()); err != nil {
		return nil, err
	}
	l.coldPodms = make([]string, len(l.simURLs))
	for i, sim := range l.simURLs {
		sust, err := l.register(l.sustURL, sim, i)
		if err != nil {
			return nil, err
		}
		warm, err := l.register(l.warmURL, sim, i)
		if err != nil {
			return nil, err
		}
		if l.coldPodms[i], err = l.register(l.coldURL, sim, i); err != nil {
			return nil, err
		}
		if _, err = l.register(l.refreshURL, sim, i); err != nil {
			return nil, err
		}
		if i == 0 {
			l.sustPodm, l.warmPodm, l.coldPodm = sust, warm, l.coldPodms[0]
		}
	}
	return l, nil
}

// start starts bin of the build with args and env; its stderr goes to a
// log in the run's directory, its stdout is returned.
func (l *lab) start(name, bin string, args, env []string) (*proc, io.ReadCloser, error) {
	log, err := os.Create(filepath.Join(l.dir, name+".log"))
	if err != nil {
		return nil, nil, err
	}
	defer log.Close()
	cmd := exec.Command(filepath.Join(l.bin, bin), args...)
	cmd.Env = append(procs.CleanEnv(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stderr = log
	var out io.ReadCloser
	if out, err = cmd.StdoutPipe(); err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("start %s: %v", name, err)
	}
	p := &proc{name: name, cmd: cmd, exited: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	return p, out, nil
}

// startSim starts the i-th simulator (from 0), of -systems systems.
func (l *lab) startSim(i int) error {
	p, out, err := l.start(fmt.Sprintf("rsd-simulator-%d", i), "rsd-simulator", []string{"--listen", "127.0.0.1:0", "--username", simUser, "--password", simPass,
		"--seed", fmt.Sprint(1 + i), "--systems", fmt.Sprint(l.s.Systems)}, nil)
	if err != nil {
		return err
	}
	l.sims = append(l.sims, p)
	url, err := procs.FirstLine(out, startTimeout)
	if err != nil || !strings.HasPrefix(url, "http") {
		return fmt.Errorf("rsd-simulator %d: first line %q: %v (log: %s)", i, url, err, l.dir)
	}
	l.simURLs = append(l.simURLs, url)
	return nil
}

func (l *lab) startAPI(name, ttl string, env ...string) (*proc, string, error) {
	addr, err := procs.FreeAddr()
	if err != nil {
		return nil, "", err
	}
	p, out, err := l.start("valence-api-"+name, "valence-api", nil, append([]string{
		"VALENCE_LISTEN=" + addr, "VALENCE_LOG_LEVEL=warn", "VALENCE_INVENTORY_TTL=" + ttl, fmt.Sprintf("VALENCE_PODM_PARALLELISM=%d", l.s.WalkInFlight),
		"VALENCE_STORE=bolt://" + filepath.Join(l.dir, name+".db"), fmt.Sprintf("VALENCE_PPROF=%t", l.s.Profiles != ""),
	}, env...))
	if err != nil {
		return nil, "", err
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	base := "http://" + addr
	err = procs.WaitReady(base+"/readyz", startTimeout, func() error {
		select {
		case <-p.exited:
			return fmt.Errorf("valence-api %s exited: %v (log: %s)", name, p.err, l.dir)
		default:
			return nil
		}
	})
	return p, base, err
}

// register adds the pod manager at url (the i-th simulator) to a
// valence-api and returns its uuid.
func (l *lab) register(base, url string, i int) (string, error) {
	body := fmt.Sprintf(`{"name":"bench-%d","url":%q,"authentication":[{"type":"basic","auth_items":{"username":%q,"password":%q}}]}`,
		i, url, simUser, simPass)
	b, err := l.do(http.MethodPost, base+"/v1/pod_managers", body, false, http.StatusCreated)
	if err != nil {
		return "", err
	}
	var pm struct{ UUID, Status string }
	if err := json.Unmarshal(b, &pm); err != nil || pm.Status != "Online" {
		return "", fmt.Errorf("register the simulator: %s %v", b, err)
	}
	return pm.UUID, nil
}

// do sends a request (with the simulator's credentials when redfish) and
// returns the body; an answer other than want (any 2xx when want is 0) is
// an error.
func (l *lab) do(method, url, body string, redfish bool, want int) ([]byte, error) {
	b, _, err := l.doH(method, url, body, redfish, want)
	return b, err
}

func (l *lab) doH(method, url, body string, redfish bool, want int) ([]byte, http.Header, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return nil, nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if redfish {
		req.SetBasicAuth(simUser, simPass)
	}
	resp, err := l.hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(resp.Body, maxBody)); err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != want && (want != 0 || resp.StatusCode/100 != 2) {
		return nil, nil, fmt.Errorf("%s %s: %d, want %d: %.300s", method, url, resp.StatusCode, want, buf.Bytes())
	}
	return buf.Bytes(), resp.Header, nil
}

// vmHWM is the peak resident memory of a process, in bytes, from /proc.
func vmHWM(p *proc) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb); err != nil {
				return 0, err
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}

// clockTick is the unit of a process's CPU times in /proc/PID/stat
// (USER_HZ, 100 on Linux whatever the kernel's own tick).
const clockTick = 10 * time.Millisecond

// cpuTime is the CPU a process has used so far (user and system), from /proc.
func cpuTime(p *proc) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// The fields after the command's name, which is in parentheses and may hold spaces.
	_, rest, ok := strings.Cut(string(b), ") ")
	fields := strings.Fields(rest)
	if !ok || len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %.100s", p.cmd.Process.Pid, b)
	}
	var utime, stime int64
	if _, err := fmt.Sscan(fields[11]+" "+fields[12], &utime, &stime); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// podmCalls reads from a valence-api's /metrics how many calls of one
// operation it made to its pod managers and their total duration.
func (l *lab) podmCalls(base, operation string) (n int64, total time.Duration, err error) {
	b, err := l.do(http.MethodGet, base+"/metrics", "", false, http.StatusOK)
	if err != nil {
		return 0, 0, err
	}
	label := `{operation="` + operation + `"} `
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "valence_podm_request_duration_seconds_count"+label); ok {
			if _, err := fmt.Sscan(v, &n); err != nil {
				return 0, 0, err
			}
		}
		if v, ok := strings.CutPrefix(line, "valence_podm_request_duration_seconds_sum"+label); ok {
			var secs float64
			if _, err := fmt.Sscan(v, &secs); err != nil {
				return 0, 0, err
			}
			total = time.Duration(secs * float64(time.Second))
		}
	}
	return n, total, nil
}

// close stops the processes (valence-api first, so that it closes its
// connections to the simulator) and removes the directory.
func (l *lab) close() {
	for _, p := range append([]*proc{l.sustained, l.refresh, l.cold, l.warm}, l.sims...) {
		if p == nil {
			continue
		}
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(stopTimeout):
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	}
	_ = os.RemoveAll(l.dir)
}

// profiled runs drive (a scenario served by the valence-api at base) and,
// with -profile, takes a CPU, a block and a mutex profile of that
// valence-api meanwhile, into the profile directory as name.pb.gz,
// name.block.pb.gz and name.mutex.pb.gz.
func (l *lab) profiled(name, base string, drive func() (measure, error)) (measure, error) {
	if l.s.Profiles == "" {
		return drive()
	}
	secs := max(1, int(l.s.Duration/time.Second))
	// The CPU profile, and the block and mutex profiles' growth over the
	// same seconds (where the time spent waiting goes).
	kinds := map[string]string{"profile": "", "block": ".block", "mutex": ".mutex"}
	done := make(chan error, len(kinds))
	for kind, suffix := range kinds {
		go func() {
			b, err := l.do(http.MethodGet, fmt.Sprintf("%s/debug/pprof/%s?seconds=%d", base, kind, secs), "", false, http.StatusOK)
			if err == nil {
				err = os.WriteFile(filepath.Join(l.s.Profiles, name+suffix+".pb.gz"), b, 0o644)
			}
			done <- err
		}()
	}
	m, err := drive()
	for range kinds {
		if perr := <-done; err == nil && perr != nil {
			err = fmt.Errorf("profile %s: %w", name, perr)
		}
	}
	return m, err
}

// heapProfile writes, with -profile, what the warm valence-api's heap holds
// at the end of the run (after a collection), as warm.heap.pb.gz.
func (l *lab) heapProfile() error {
	if l.s.Profiles == "" {
		return nil
	}
	b, err := l.do(http.MethodGet, l.warmURL+"/debug/pprof/heap?gc=1", "", false, http.StatusOK)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(l.s.Profiles, "warm.heap.pb.gz"), b, 0o644)
}
