package etcd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/valence-rsd/valence/internal/store/etcd/etcdtest"
	"github.com/valence-rsd/valence/internal/store/storetest"
	"github.com/valence-rsd/valence/internal/valence"
)

// prefixes numbers test prefixes, so tests share one server without
// seeing each other's keys.
var prefixes atomic.Int64

// openAt opens a store on endpoints under prefix, closed with t.
func openAt(t *testing.T, endpoints []string, prefix string) *Store {
	t.Helper()
	s, err := Open(t.Context(), Config{Endpoints: endpoints, Prefix: prefix})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newPrefix returns a prefix no other test uses.
func newPrefix() string {
	return fmt.Sprintf("/test-%d", prefixes.Add(1))
}

// TestEtcd runs every test that needs a server against one etcd, started
// once for the package.
func TestEtcd(t *testing.T) {
	endpoints := etcdtest.Start(t)
	t.Run("Contract", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) valence.Store {
			s, err := Open(t.Context(), Config{Endpoints: endpoints, Prefix: newPrefix()})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			return s // storetest.Run closes it
		})
		storetest.RunOwners(t, func(t *testing.T) func() valence.Store {
			prefix := newPrefix()
			return func() valence.Store {
				s, err := Open(t.Context(), Config{Endpoints: endpoints, Prefix: prefix})
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				return s
			}
		}, true)
	})
	t.Run("OwnerDies", func(t *testing.T) { testOwnerDies(t, endpoints) })
	t.Run("KeyLayout", func(t *testing.T) { testKeyLayout(t, endpoints) })
	t.Run("TwoReplicasCreate", func(t *testing.T) { testTwoReplicasCreate(t, endpoints) })
	t.Run("TwoReplicasUpdate", func(t *testing.T) { testTwoReplicasUpdate(t, endpoints) })
	t.Run("TwoReplicasList", func(t *testing.T) { testTwoReplicasList(t, endpoints) })
	t.Run("TooLarge", func(t *testing.T) { testTooLarge(t, endpoints) })
}

// testTooLarge checks that a record over the 1 MiB limit is Invalid, where
// etcd's client would otherwise fail it as a gRPC ResourceExhausted.
func testTooLarge(t *testing.T, endpoints []string) {
	s := openAt(t, endpoints, newPrefix())
	big := json.RawMessage(`"` + strings.Repeat("x", 2<<20) + `"`)
	_, err := s.Create(t.Context(), valence.Record{Kind: valence.KindNode, ID: "big", Data: big})
	if !valence.IsCode(err, valence.Invalid) {
		t.Errorf("Create of a 2 MiB record: %v, want Invalid", err)
	}
}

// testKeyLayout pins the documented key layout, which operators rely on
// when they inspect or back up a cluster with etcdctl.
func testKeyLayout(t *testing.T, endpoints []string) {
	prefix := newPrefix()
	s := openAt(t, endpoints, prefix+"/")
	rec, err := s.Create(t.Context(), valence.Record{
		Kind: valence.KindPodManager, ID: "pm1", SchemaVersion: 2,
		Unique: map[string]string{"url": "https://10.0.0.1:8443/redfish/v1"},
		Data:   json.RawMessage(`{"a":1}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		prefix + "/pod_managers/records/pm1":                                 `{"schema_version":2,"unique":{"url":"https://10.0.0.1:8443/redfish/v1"},"data":{"a":1}}`,
		prefix + "/pod_managers/unique/url/https://10.0.0.1:8443/redfish/v1": "pm1",
		prefix + "/owners/" + s.Owner():                                      fmt.Sprintf("%s pid %d", hostname(t), os.Getpid()),
	}
	resp, err := s.cli.Get(t.Context(), prefix+"/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) != len(want) {
		t.Errorf("%d keys under %s, want %d", len(resp.Kvs), prefix, len(want))
	}
	for _, kv := range resp.Kvs {
		if want[string(kv.Key)] != string(kv.Value) {
			t.Errorf("key %s = %s, want %q", kv.Key, kv.Value, want[string(kv.Key)])
		}
		if string(kv.Key) == prefix+"/pod_managers/records/pm1" && kv.ModRevision != rec.Revision {
			t.Errorf("record's ModRevision %d, Create said %d", kv.ModRevision, rec.Revision)
		}
	}
}

// race runs a and b at the same moment and returns their errors.
func race(a, b func() error) (errA, errB error) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	wg.Go(func() { <-start; errA = a() })
	wg.Go(func() { <-start; errB = b() })
	close(start)
	wg.Wait()
	return errA, errB
}

// oneWinner checks that exactly one of two racers won and the other got Conflict.
func oneWinner(t *testing.T, what string, errA, errB error) {
	t.Helper()
	switch {
	case errA == nil && errB == nil:
		t.Errorf("%s: both replicas won", what)
	case errA != nil && errB != nil:
		t.Errorf("%s: neither replica won: %v; %v", what, errA, errB)
	case !valence.IsCode(errA, valence.Conflict) && !valence.IsCode(errB, valence.Conflict):
		t.Errorf("%s: the loser's error is not Conflict: %v%v", what, errA, errB)
	}
}

const rounds = 200

// testTwoReplicasCreate races two clients, as two valence-api replicas,
// to create records with the same name, and with the same id.
func testTwoReplicasCreate(t *testing.T, endpoints []string) {
	prefix := newPrefix()
	a, b := openAt(t, endpoints, prefix), openAt(t, endpoints, prefix)
	ctx := t.Context()
	create := func(s *Store, id, name string) func() error {
		return func() error {
			_, err := s.Create(ctx, valence.Record{Kind: valence.KindNode, ID: id, Unique: map[string]string{"name": name}})
			return err
		}
	}
	start := time.Now()
	for r := range rounds {
		name := fmt.Sprintf("node-%d", r)
		errA, errB := race(create(a, "a-"+name, name), create(b, "b-"+name, name))
		oneWinner(t, "name "+name, errA, errB)
		id := fmt.Sprintf("id-%d", r)
		errA, errB = race(create(a, id, id+"-a"), create(b, id, id+"-b"))
		oneWinner(t, "id "+id, errA, errB)
	}
	recs, _, err := a.List(ctx, valence.KindNode, valence.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2*rounds {
		t.Errorf("%d records stored after %d rounds, want %d", len(recs), rounds, 2*rounds)
	}
	t.Logf("%d contested creates of names and %d of ids in %v", rounds, rounds, time.Since(start))
}

// testTwoReplicasUpdate races two clients to update one record from the
// same revision, and checks the loser's write left no trace.
// testTwoReplicasList checks that what one replica has read and decoded
// does not hide the other's writes from it: a changed body, a rewrite of
// the same body (a new revision, which a later Update must name) and a
// delete all show in its next List.
func testTwoReplicasList(t *testing.T, endpoints []string) {
	prefix := newPrefix()
	a, b := openAt(t, endpoints, prefix), openAt(t, endpoints, prefix)
	ctx := t.Context()
	node := func(id, state string) valence.Record {
		return valence.Record{Kind: valence.KindNode, ID: id, Fields: map[string]string{"state": state}, Data: json.RawMessage(`{"state":"` + state + `"}`)}
	}
	list := func(filters map[string]string) map[string]valence.Record {
		t.Helper()
		recs, _, err := a.List(ctx, valence.KindNode, valence.ListOptions{Filters: filters})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]valence.Record{}
		for _, r := range recs {
			out[r.ID] = r
		}
		return out
	}
	n1, err := a.Create(ctx, node("n1", "off"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Create(ctx, node("n2", "off")); err != nil {
		t.Fatal(err)
	}
	if got := list(nil); len(got) != 2 {
		t.Fatalf("a lists %v", got)
	}

	on := node("n1", "on")
	on.Revision = n1.Revision
	if on, err = b.Update(ctx, on); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(ctx, valence.KindNode, "n2", 0); err != nil {
		t.Fatal(err)
	}
	got := list(nil)
	if len(got) != 1 || string(got["n1"].Data) != `{"state":"on"}` || got["n1"].Revision != on.Revision {
		t.Errorf("after b's update and delete, a lists %+v", got)
	}
	if len(list(map[string]string{"state": "on"})) != 1 || len(list(map[string]string{"state": "off"})) != 0 {
		t.Error("a filters on the fields as they were before b's update")
	}

	// The same body written again by b: a must see the new revision, or
	// its next Update would be refused as stale.
	again, err := b.Update(ctx, on)
	if err != nil {
		t.Fatal(err)
	}
	if rev := list(nil)["n1"].Revision; rev != again.Revision {
		t.Errorf("a lists revision %d after b rewrote the record at %d", rev, again.Revision)
	}
	if rec, err := a.Get(ctx, valence.KindNode, "n1"); err != nil || rec.Revision != again.Revision {
		t.Errorf("a gets revision %d (%v), want %d", rec.Revision, err, again.Revision)
	}
}

func testTwoReplicasUpdate(t *testing.T, endpoints []string) {
	prefix := newPrefix()
	a, b := openAt(t, endpoints, prefix), openAt(t, endpoints, prefix)
	ctx := t.Context()
	rec, err := a.Create(ctx, valence.Record{Kind: valence.KindNode, ID: "n1", Unique: map[string]string{"name": "n"}})
	if err != nil {
		t.Fatal(err)
	}
	update := func(s *Store, writer string) func() error {
		return func() error {
			mine := rec
			mine.Fields = map[string]string{"writer": writer}
			mine.Unique = map[string]string{"name": writer}
			_, err := s.Update(ctx, mine)
			return err
		}
	}
	start := time.Now()
	for r := range rounds {
		nameA, nameB := fmt.Sprintf("a-%d", r), fmt.Sprintf("b-%d", r)
		errA, errB := race(update(a, nameA), update(b, nameB))
		oneWinner(t, fmt.Sprintf("round %d", r), errA, errB)
		if rec, err = b.Get(ctx, valence.KindNode, "n1"); err != nil {
			t.Fatal(err)
		}
		winner := nameB
		if errA == nil {
			winner = nameA
		}
		if rec.Fields["writer"] != winner || rec.Unique["name"] != winner {
			t.Fatalf("round %d: stored writer %q name %q, want the winner %q", r, rec.Fields["writer"], rec.Unique["name"], winner)
		}
	}
	// Only the last winner's name may remain claimed.
	resp, err := a.cli.Get(ctx, prefix+"/nodes/unique/", clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		t.Fatal(err)
	}
	if resp.Count != 1 {
		t.Errorf("%d names claimed after the updates, want 1", resp.Count)
	}
	t.Logf("%d contested updates in %v", rounds, time.Since(start))
}

func TestOpenUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	start := time.Now()
	_, err = Open(context.Background(), Config{Endpoints: []string{addr}, DialTimeout: 300 * time.Millisecond})
	if !valence.IsCode(err, valence.Unavailable) {
		t.Errorf("Open of %s: %v, want Unavailable", addr, err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Open took %v despite a 300ms dial timeout", took)
	}
}

func TestTLSConfig(t *testing.T) {
	plain := Config{Endpoints: []string{"127.0.0.1:2379"}}
	if c, err := plain.tls(); c != nil || err != nil {
		t.Errorf("plain endpoints: TLS %v, error %v; want none", c, err)
	}
	https := Config{Endpoints: []string{"https://etcd:2379"}}
	if c, err := https.tls(); c == nil || err != nil {
		t.Errorf("https endpoint: TLS %v, error %v; want TLS with system roots", c, err)
	}
	missing := Config{Endpoints: []string{"etcd:2379"}, CAFile: "/nonexistent/ca.pem"}
	if _, err := missing.tls(); err == nil {
		t.Error("a missing CA file was accepted")
	}
	if _, err := Open(context.Background(), missing); err == nil {
		t.Error("Open accepted a missing CA file")
	}
}

// TestUnreachable checks how calls fail once the cluster is gone: the
// store's own timeout is Unavailable, the caller's deadline is Timeout.
func TestUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	// clientv3.New does not dial, so this stands for a store whose cluster
	// went away after Open.
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{addr}})
	if err != nil {
		t.Fatal(err)
	}
	s := &Store{cli: cli, prefix: DefaultPrefix, timeout: 200 * time.Millisecond, stop: func() {}}
	defer s.Close()

	_, err = s.Get(t.Context(), valence.KindNode, "n1")
	if !valence.IsCode(err, valence.Unavailable) {
		t.Errorf("Get: %v, want Unavailable", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err = s.Get(ctx, valence.KindNode, "n1")
	if !valence.IsCode(err, valence.Timeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Get with a 50ms deadline: %v, want Timeout wrapping context.DeadlineExceeded", err)
	}
	if err := s.Ping(t.Context()); !valence.IsCode(err, valence.Unavailable) {
		t.Errorf("Ping: %v, want Unavailable", err)
	}
}

// TestAuth checks that Username and Password reach etcd, on a server of
// its own since enabling authentication would lock out the other tests.
func TestAuth(t *testing.T) {
	endpoints := etcdtest.Start(t)
	admin, err := clientv3.New(clientv3.Config{Endpoints: endpoints})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx := t.Context()
	for _, step := range []func() error{
		func() error { _, err := admin.UserAdd(ctx, "root", "rootpw"); return err },
		func() error { _, err := admin.UserGrantRole(ctx, "root", "root"); return err },
		func() error { _, err := admin.AuthEnable(ctx); return err },
	} {
		if err := step(); err != nil {
			t.Fatalf("enabling auth: %v", err)
		}
	}
	s, err := Open(ctx, Config{Endpoints: endpoints, Username: "root", Password: "rootpw"})
	if err != nil {
		t.Fatalf("Open with the right password: %v", err)
	}
	defer s.Close()
	if _, err := s.Create(ctx, valence.Record{Kind: valence.KindFlavor, ID: "f1"}); err != nil {
		t.Errorf("Create as root: %v", err)
	}
	if _, err := Open(ctx, Config{Endpoints: endpoints, Username: "root", Password: "wrong"}); err == nil {
		t.Error("Open with a wrong password succeeded")
	} else {
		t.Logf("wrong password: %v", err)
	}
	if _, err := Open(ctx, Config{Endpoints: endpoints, DialTimeout: time.Second}); err == nil {
		t.Error("Open without credentials succeeded on a cluster with auth")
	} else {
		t.Logf("no credentials: %v", err)
	}
}

// testOwnerDies cuts a store off from etcd without a Close, as a killed
// replica is: its owner stays alive until its lease expires, then the
// other replica hears of it.
func testOwnerDies(t *testing.T, endpoints []string) {
	prefix := newPrefix()
	b := openAt(t, endpoints, prefix)
	a, err := Open(t.Context(), Config{Endpoints: endpoints, Prefix: prefix, LeaseTTL: MinLeaseTTL})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	a.cli.Close() // the keep-alives stop; nothing is revoked
	died := time.Now()
	if alive, err := b.OwnerAlive(t.Context(), a.Owner()); err != nil || !alive {
		t.Fatalf("OwnerAlive right after the death = %v, %v; want true until the lease expires", alive, err)
	}
	select {
	case <-b.OwnersEnded():
	case <-time.After(30 * time.Second):
		t.Fatalf("OwnersEnded did not receive within 30s of a death with a %s lease", MinLeaseTTL)
	}
	if alive, err := b.OwnerAlive(t.Context(), a.Owner()); err != nil || alive {
		t.Errorf("OwnerAlive after the lease expired = %v, %v; want false", alive, err)
	}
	t.Logf("owner ended %s after its death (lease TTL %s)", time.Since(died).Round(10*time.Millisecond), MinLeaseTTL)
}

func TestOpenRefusesBadLeaseTTL(t *testing.T) {
	for _, ttl := range []time.Duration{time.Second, 2500 * time.Millisecond, time.Hour} {
		if _, err := Open(t.Context(), Config{Endpoints: []string{"127.0.0.1:1"}, LeaseTTL: ttl}); err == nil || !strings.Contains(err.Error(), "lease TTL") {
			t.Errorf("Open with lease TTL %s: %v", ttl, err)
		}
	}
}

func hostname(t *testing.T) string {
	h, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	return h
}
