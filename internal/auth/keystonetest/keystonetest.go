// Package keystonetest runs a real Keystone on loopback for tests: Debian's
// keystone package (Keystone 22) with a throwaway sqlite database and fernet
// keys, served by uwsgi on a free port, one per test binary.
//
// A package using it starts and stops Keystone through TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(keystonetest.Run(m)) }
//
//	func TestSomething(t *testing.T) {
//		ks := keystonetest.Start(t) // skips where keystone is not installed (fails when CI=true)
//		svc := ks.NewUser(t, "service", "service")
//		alice := ks.NewUser(t, "rsd", "member")
//		token := ks.Token(t, alice)
//		...
//	}
//
// The recipe (and why each step is there) is in docs/keystone.md.
package keystonetest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/projects"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/roles"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/users"
)

// The bootstrap administrator of every harness Keystone.
const (
	AdminUser     = "admin"
	AdminPassword = "adminpass"
	AdminProject  = "admin"
)

// Keystone is a running Keystone. Its methods may be called from parallel
// tests.
type Keystone struct {
	// URL is the identity v3 endpoint, e.g. http://127.0.0.1:41234/v3.
	URL string

	dir   string
	port  int
	admin *gophercloud.ServiceClient
	anon  *gophercloud.ServiceClient // for password logins, which need no token

	mu       sync.Mutex
	uwsgi    *exec.Cmd
	exited   chan struct{} // closed when uwsgi exits
	projects map[string]string
	roles    map[string]string
	users    int
}

// User is a user the harness created, with one project it has roles in.
type User struct {
	ID, Name, Password     string
	ProjectID, ProjectName string
}

var (
	inMain   atomic.Bool
	startMu  sync.Mutex // guards shared and startErr, and serializes restarts
	shared   *Keystone
	startErr error
)

// Run runs the tests of m and then stops Keystone if a test started it.
// Call it from TestMain; Start refuses to run without it, so that no
// Keystone outlives its test binary.
func Run(m *testing.M) int {
	inMain.Store(true)
	code := m.Run()
	if shared != nil {
		shared.stop()
		os.RemoveAll(shared.dir)
	}
	return code
}

// Start returns the Keystone of this test binary, starting it on the first
// call (20-45 s on a busy 2-core machine). Where keystone is not installed it skips the test, or
// fails it when the environment says CI=true, so CI never skips silently.
func Start(tb testing.TB) *Keystone {
	tb.Helper()
	if !inMain.Load() {
		tb.Fatal("keystonetest.Start: call keystonetest.Run from TestMain, which stops Keystone after the tests")
	}
	for _, bin := range []string{"keystone-manage", "uwsgi_python3", "sqlite3"} {
		if _, err := exec.LookPath(bin); err != nil {
			msg := fmt.Sprintf("keystone is not installed (%s not found); apt-get install --no-install-recommends keystone", bin)
			if os.Getenv("CI") == "true" {
				tb.Fatal(msg)
			}
			tb.Skip(msg)
		}
	}
	startMu.Lock()
	defer startMu.Unlock()
	if shared == nil && startErr == nil {
		t0 := time.Now()
		shared, startErr = start()
		if startErr == nil {
			fmt.Fprintf(os.Stderr, "keystonetest: Keystone at %s ready in %s\n", shared.URL, time.Since(t0).Round(100*time.Millisecond))
		}
	}
	if startErr != nil {
		tb.Fatal(startErr)
	}
	if !shared.running() { // brought down by Down
		if err := shared.serve(); err != nil {
			tb.Fatal(err)
		}
	}
	return shared
}

const config = `[DEFAULT]
log_dir = {dir}
log_file = keystone.log
[database]
connection = sqlite:///{dir}/keystone.db
[token]
provider = fernet
expiration = 3600
[fernet_tokens]
key_repository = {dir}/fernet-keys
[fernet_receipts]
# Else fernet_setup also writes /etc/keystone/fernet-keys.
key_repository = {dir}/fernet-keys
[credential]
key_repository = {dir}/credential-keys
[identity]
# Cheap hashes: the default bcrypt cost makes every token take 0.5 s.
password_hash_rounds = 4
[cache]
# Without it one validation runs hundreds of SQL queries (0.6 s).
enabled = true
backend = dogpile.cache.memory
`

// start sets up and serves a new Keystone; on failure it leaves nothing
// behind, the logs that explain it being in the error.
func start() (_ *Keystone, err error) {
	dir, err := os.MkdirTemp("", "keystonetest-")
	if err != nil {
		return nil, err
	}
	k := &Keystone{dir: dir, projects: map[string]string{}, roles: map[string]string{}}
	defer func() {
		if err != nil {
			k.stop()
			os.RemoveAll(dir)
		}
	}()
	if k.port, err = freePort(); err != nil {
		return nil, err
	}
	k.URL = fmt.Sprintf("http://127.0.0.1:%d/v3", k.port)
	if err := k.bootstrap(); err != nil {
		return nil, err
	}
	if err := k.serve(); err != nil {
		return nil, err
	}
	if k.anon, err = identityClient(k.URL); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	provider, err := openstack.AuthenticatedClient(ctx, gophercloud.AuthOptions{
		IdentityEndpoint: k.URL, Username: AdminUser, Password: AdminPassword, DomainID: "default",
		Scope: &gophercloud.AuthScope{ProjectName: AdminProject, DomainID: "default"}, AllowReauth: true,
	})
	if err == nil {
		k.admin, err = openstack.NewIdentityV3(provider, gophercloud.EndpointOpts{})
	}
	if err != nil {
		return nil, fmt.Errorf("keystonetest: admin login: %w%s", err, k.logs())
	}
	return k, nil
}

func identityClient(url string) (*gophercloud.ServiceClient, error) {
	p, err := openstack.NewClient(url)
	if err != nil {
		return nil, err
	}
	return openstack.NewIdentityV3(p, gophercloud.EndpointOpts{})
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// bootstrap writes the configuration, creates the database and the keys and
// runs keystone-manage bootstrap (admin user, project and the roles admin,
// member and reader, each implying the next).
func (k *Keystone) bootstrap() error {
	for _, d := range []string{"fernet-keys", "credential-keys"} {
		if err := os.Mkdir(filepath.Join(k.dir, d), 0o700); err != nil { // 0700, else Keystone warns
			return err
		}
	}
	conf := filepath.Join(k.dir, "keystone.conf")
	if err := os.WriteFile(conf, []byte(strings.ReplaceAll(config, "{dir}", k.dir)), 0o600); err != nil {
		return err
	}
	manage := func(args ...string) error {
		return k.run("keystone-manage", append([]string{"--config-file", conf}, args...)...)
	}
	// Each keystone-manage costs seconds of Python start-up; the key set-ups
	// touch no database, so they run beside db_sync.
	errs := make(chan error, 3)
	go func() { errs <- manage("db_sync") }()
	go func() { errs <- manage("fernet_setup", "--keystone-user", "root", "--keystone-group", "root") }()
	go func() { errs <- manage("credential_setup", "--keystone-user", "root", "--keystone-group", "root") }()
	if err := errors.Join(<-errs, <-errs, <-errs); err != nil {
		return err
	}
	// sqlite's rollback journal makes concurrent requests fail with
	// "database is locked" (HTTP 500); WAL does not. The mode persists.
	if err := k.run("sqlite3", filepath.Join(k.dir, "keystone.db"), "PRAGMA journal_mode=WAL;"); err != nil {
		return err
	}
	return manage("bootstrap", "--bootstrap-password", AdminPassword,
		"--bootstrap-username", AdminUser, "--bootstrap-project-name", AdminProject,
		"--bootstrap-role-name", "admin", "--bootstrap-service-name", "keystone",
		"--bootstrap-region-id", "RegionOne",
		"--bootstrap-admin-url", k.URL, "--bootstrap-internal-url", k.URL, "--bootstrap-public-url", k.URL)
}

// run runs a command, returning its output in the error when it fails.
func (k *Keystone) run(name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("keystonetest: %s %s: %w\n%s", name, args[len(args)-1], err, tail(out))
	}
	return nil
}

// serve starts uwsgi, one process and one thread (Keystone's memory cache is
// per process; more threads bring sqlite's thread errors back), and waits
// until GET /v3 answers.
func (k *Keystone) serve() error {
	cmd := exec.Command("uwsgi_python3",
		"--http-socket", "127.0.0.1:"+strconv.Itoa(k.port),
		"--wsgi-file", "/usr/bin/keystone-wsgi-public",
		"--master", "--processes", "1", "--threads", "1", "--die-on-term", "--buffer-size", "65535",
		// uwsgi's http-socket closes the connection after each answer
		// without saying so; a client that reuses it sends its next POST
		// into a dead socket ("connection reset by peer").
		"--add-header", "Connection: close",
		"--logto", filepath.Join(k.dir, "uwsgi.log"))
	// The WSGI app reads these instead of /etc/keystone/keystone.conf.
	cmd.Env = append(os.Environ(), "OS_KEYSTONE_CONFIG_DIR="+k.dir, "OS_KEYSTONE_CONFIG_FILES=keystone.conf")
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("keystonetest: uwsgi: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	k.mu.Lock()
	k.uwsgi, k.exited = cmd, exited
	k.mu.Unlock()

	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("keystonetest: uwsgi exited at start%s", k.logs())
		case <-time.After(200 * time.Millisecond):
		}
		if resp, err := http.Get(k.URL); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	k.stop()
	return fmt.Errorf("keystonetest: Keystone did not answer within 60 s%s", k.logs())
}

// stop ends uwsgi (--die-on-term: the master takes its worker along).
func (k *Keystone) stop() {
	k.mu.Lock()
	cmd, exited := k.uwsgi, k.exited
	k.uwsgi = nil
	k.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(sysTerm)
	select {
	case <-exited:
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// Down stops Keystone, to see what its clients do when it is unreachable.
// The next Start brings it back (3-10 s), with the same URL, users and
// keys, so tokens issued before stay valid; restarting lazily costs nothing
// when Down is the last use. Not for tests running in parallel with others
// that use Keystone.
func (k *Keystone) Down(tb testing.TB) {
	tb.Helper()
	k.stop()
}

func (k *Keystone) running() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.uwsgi != nil
}

func (k *Keystone) logs() string {
	var s string
	for _, f := range []string{"uwsgi.log", "keystone.log"} {
		if b, err := os.ReadFile(filepath.Join(k.dir, f)); err == nil {
			s += "\n--- " + f + ":\n" + tail(b)
		}
	}
	return s
}

func tail(b []byte) string {
	const n = 3000
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

func ctxFor(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

// Project returns the id of the project named name, creating it first.
func (k *Keystone) Project(tb testing.TB, name string) string {
	tb.Helper()
	k.mu.Lock()
	defer k.mu.Unlock()
	if id, ok := k.projects[name]; ok {
		return id
	}
	p, err := projects.Create(ctxFor(tb), k.admin, projects.CreateOpts{Name: name, DomainID: "default"}).Extract()
	if err != nil {
		tb.Fatalf("keystonetest: create project %s: %v", name, err)
	}
	k.projects[name] = p.ID
	return p.ID
}

// role returns the id of the role named name, creating it if it does not
// exist (bootstrap makes admin, member and reader; "service" is made here).
// The caller holds k.mu.
func (k *Keystone) role(tb testing.TB, name string) string {
	tb.Helper()
	if id, ok := k.roles[name]; ok {
		return id
	}
	pages, err := roles.List(k.admin, roles.ListOpts{Name: name}).AllPages(ctxFor(tb))
	if err != nil {
		tb.Fatalf("keystonetest: list roles: %v", err)
	}
	found, err := roles.ExtractRoles(pages)
	if err != nil {
		tb.Fatalf("keystonetest: list roles: %v", err)
	}
	var id string
	if len(found) > 0 {
		id = found[0].ID
	} else {
		r, err := roles.Create(ctxFor(tb), k.admin, roles.CreateOpts{Name: name}).Extract()
		if err != nil {
			tb.Fatalf("keystonetest: create role %s: %v", name, err)
		}
		id = r.ID
	}
	k.roles[name] = id
	return id
}

// NewUser creates a user with the given roles in the project named project
// (created if need be). Names are unique per Keystone, so tests sharing it
// never collide; the password is derived from the name.
func (k *Keystone) NewUser(tb testing.TB, project string, roleNames ...string) User {
	tb.Helper()
	projectID := k.Project(tb, project)
	k.mu.Lock()
	defer k.mu.Unlock()
	k.users++
	name := fmt.Sprintf("%s-%s-%d", project, firstOr(roleNames, "none"), k.users)
	u := User{Name: name, Password: name + "-pass", ProjectID: projectID, ProjectName: project}
	created, err := users.Create(ctxFor(tb), k.admin, users.CreateOpts{Name: name, Password: u.Password, DomainID: "default"}).Extract()
	if err != nil {
		tb.Fatalf("keystonetest: create user %s: %v", name, err)
	}
	u.ID = created.ID
	for _, r := range roleNames {
		err := roles.Assign(ctxFor(tb), k.admin, k.role(tb, r), roles.AssignOpts{UserID: u.ID, ProjectID: projectID}).ExtractErr()
		if err != nil {
			tb.Fatalf("keystonetest: assign %s to %s: %v", r, name, err)
		}
	}
	return u
}

func firstOr(s []string, def string) string {
	if len(s) == 0 {
		return def
	}
	return s[0]
}

// Token returns a token of u scoped to its project.
func (k *Keystone) Token(tb testing.TB, u User) string {
	tb.Helper()
	tok, err := tokens.Create(ctxFor(tb), k.anon, &tokens.AuthOptions{
		Username: u.Name, Password: u.Password, DomainID: "default",
		Scope: tokens.Scope{ProjectID: u.ProjectID},
	}).ExtractTokenID()
	if err != nil {
		tb.Fatalf("keystonetest: token of %s: %v", u.Name, err)
	}
	return tok
}

// DeleteUser deletes u; Keystone revokes its tokens with it.
func (k *Keystone) DeleteUser(tb testing.TB, u User) {
	tb.Helper()
	if err := users.Delete(ctxFor(tb), k.admin, u.ID).ExtractErr(); err != nil {
		tb.Fatalf("keystonetest: delete user %s: %v", u.Name, err)
	}
}

// Clock is a settable clock for the token cache (auth.KeystoneConfig.Now),
// safe for the server's goroutines: a test moves it past the cache's TTL
// instead of sleeping past it.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a Clock set to t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
