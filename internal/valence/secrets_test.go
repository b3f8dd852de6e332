package valence

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/valence-rsd/valence/internal/secret"
)

// Pod-manager passwords at rest: sealed with the current key, plain-text
// records of before still read, a key rotation finished by ResealSecrets,
// and a missing or wrong key a clear error.

func newKey(t *testing.T) []byte {
	k := make([]byte, secret.KeySize)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

func keyring(t *testing.T, keys ...[]byte) Secrets {
	kr, err := secret.New(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

// restart is another Service on the fixture's store and pod managers, as a
// server restarted with other keys would be; nil keeps passwords in plain text.
func (f *fixture) restart(s Secrets) *Service {
	svc := New(Options{Store: f.store, Connector: f.conns, Log: zerolog.Nop(), Now: f.clock.Now, Secrets: s})
	f.t.Cleanup(svc.Close)
	return svc
}

// raw is the stored body of a pod manager's record.
func (f *fixture) raw(id string) []byte {
	f.store.mu.Lock()
	defer f.store.mu.Unlock()
	return bytes.Clone(f.store.recs[KindPodManager][id].Data)
}

// readsPassword fails the test unless svc reads pm with its password.
func readsPassword(t *testing.T, svc *Service, pm PodManager) {
	t.Helper()
	got, _, err := svc.podms.get(t.Context(), pm.UUID)
	if err != nil || got.Password != pm.Password {
		t.Fatalf("reading pod manager %s: password %q, %v; want %q", pm.UUID, got.Password, err, pm.Password)
	}
}

func TestPasswordSealedAtRest(t *testing.T) {
	k1 := newKey(t)
	f := newFixture(t, func(o *Options) { o.Secrets = keyring(t, k1) })
	pm, _ := f.podm("rack1", 1)
	raw := f.raw(pm.UUID)
	if bytes.Contains(raw, []byte(pm.Password)) || !bytes.Contains(raw, []byte(`"password_sealed":"v1:`)) {
		t.Fatalf("stored record: %s", raw)
	}
	readsPassword(t, f.svc, pm)
	if got, err := f.svc.GetPodManager(f.ctx, pm.UUID); err != nil || got.Status != StatusOnline {
		t.Errorf("the pod manager, with its decrypted password: %q, %v", got.Status, err)
	}
	if n, err := f.svc.ResealSecrets(f.ctx); n != 0 || err != nil {
		t.Errorf("ResealSecrets with nothing to do: %d, %v", n, err)
	}
	// Each write seals anew, with a fresh nonce.
	if _, err := f.svc.UpdatePodManager(f.ctx, pm.UUID, func(*PodManagerSpec) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if again := f.raw(pm.UUID); bytes.Equal(sealedOf(t, raw), sealedOf(t, again)) {
		t.Errorf("the same sealed value written twice: %s", again)
	}
}

func sealedOf(t *testing.T, raw []byte) []byte {
	_, after, ok := bytes.Cut(raw, []byte(`"password_sealed":"`))
	if !ok {
		t.Fatalf("no sealed password in %s", raw)
	}
	v, _, _ := bytes.Cut(after, []byte(`"`))
	return v
}

func TestPlainTextRecordsStillRead(t *testing.T) {
	f := newFixture(t) // no key: as before this change
	pm, _ := f.podm("rack1", 1)
	if raw := f.raw(pm.UUID); !bytes.Contains(raw, []byte(`"password":"`+pm.Password+`"`)) {
		t.Fatalf("without a key the password is stored as given: %s", raw)
	}
	keyed := f.restart(keyring(t, newKey(t)))
	readsPassword(t, keyed, pm)
	if n, err := keyed.ResealSecrets(f.ctx); n != 1 || err != nil {
		t.Fatalf("ResealSecrets: %d, %v; want 1 rewritten", n, err)
	}
	if raw := f.raw(pm.UUID); bytes.Contains(raw, []byte(pm.Password)) {
		t.Errorf("still in plain text after ResealSecrets: %s", raw)
	}
	readsPassword(t, keyed, pm)
}

func TestKeyRotation(t *testing.T) {
	oldKey, newKey := newKey(t), newKey(t)
	f := newFixture(t, func(o *Options) { o.Secrets = keyring(t, oldKey) })
	pm, _ := f.podm("rack1", 1)
	pm2, _ := f.podm("rack2", 1)
	// "v1:<key id>:" is the first 20 bytes of a sealed value.
	oldID := string(sealedOf(t, f.raw(pm.UUID))[:20])

	// The new key current, the old one still there to open what it sealed.
	both := f.restart(keyring(t, newKey, oldKey))
	readsPassword(t, both, pm)
	// A write seals with the current key...
	if _, err := both.UpdatePodManager(f.ctx, pm.UUID, func(*PodManagerSpec) error { return nil }); err != nil {
		t.Fatal(err)
	}
	// ...and ResealSecrets rewrites what was not written since.
	if n, err := both.ResealSecrets(f.ctx); n != 1 || err != nil {
		t.Fatalf("ResealSecrets after the rotation: %d, %v; want 1 rewritten", n, err)
	}
	for _, id := range []string{pm.UUID, pm2.UUID} {
		if sealed := sealedOf(t, f.raw(id)); strings.HasPrefix(string(sealed), oldID) {
			t.Errorf("pod manager %s not sealed again with the new key: %s", id, sealed)
		}
	}
	// Once everything is resealed, the old key can go.
	alone := f.restart(keyring(t, newKey))
	readsPassword(t, alone, pm)
	readsPassword(t, alone, pm2)

	// A server that has only the old key cannot read, and says which record.
	old := f.restart(keyring(t, oldKey))
	_, err := old.ResealSecrets(f.ctx)
	if !errors.Is(err, secret.ErrUnknownKey) || !(strings.Contains(err.Error(), pm.UUID) || strings.Contains(err.Error(), pm2.UUID)) {
		t.Errorf("ResealSecrets with a wrong key: %v; want ErrUnknownKey naming a pod manager", err)
	}
	if _, err := old.GetPodManager(f.ctx, pm.UUID); !IsCode(err, Internal) {
		t.Errorf("GetPodManager with a wrong key: %v, want Internal", err)
	}
}

func TestSealedPasswordWithoutKey(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Secrets = keyring(t, newKey(t)) })
	pm, _ := f.podm("rack1", 1)
	plain := f.restart(nil)
	if _, err := plain.ResealSecrets(f.ctx); !errors.Is(err, errNoKey) || !strings.Contains(err.Error(), pm.UUID) {
		t.Errorf("ResealSecrets without a key: %v; want errNoKey naming %s", err, pm.UUID)
	}
}

// A sealed password opens only in its own record: copied into another pod
// manager's (say, one whose URL an intruder chose), it does not.
func TestSealedPasswordBoundToItsRecord(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Secrets = keyring(t, newKey(t)) })
	a, _ := f.podm("rack1", 1)
	b, _ := f.podm("rack2", 1)
	f.store.mu.Lock()
	rec := f.store.recs[KindPodManager][b.UUID]
	rec.Data = bytes.Replace(rec.Data, sealedOf(t, rec.Data), sealedOf(t, f.store.recs[KindPodManager][a.UUID].Data), 1)
	f.store.recs[KindPodManager][b.UUID] = rec
	f.store.mu.Unlock()
	if _, _, err := f.svc.podms.get(f.ctx, b.UUID); !IsCode(err, Internal) {
		t.Errorf("a sealed password moved to another record: %v, want Internal", err)
	}
}
