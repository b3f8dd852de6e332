package valence

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// Secrets encrypts the secrets the core keeps in the store (pod-manager
// passwords) and decrypts them again. label binds a value to its record (the
// record's id): a value opens only with the label it was sealed with.
type Secrets interface {
	// Seal encrypts plaintext with the current key.
	Seal(plaintext, label string) (string, error)
	// Open decrypts a sealed value; current reports whether the current key
	// sealed it.
	Open(sealed, label string) (plaintext string, current bool, err error)
}

// storedPodManager is a pod manager as the store keeps it. With
// Options.Secrets its password is in SealedPassword and Password is empty;
// without, Password holds it as given. A record holds one or the other, so
// records written before encryption was turned on still read.
type storedPodManager struct {
	PodManager
	SealedPassword string `json:"password_sealed,omitempty"`
}

// errNoKey is the failure to read a sealed password with no key configured.
var errNoKey = errors.New("its password is stored encrypted, and no key is configured to decrypt it")

func (s *Service) marshalPodManager(pm PodManager) ([]byte, error) {
	if s.opts.Secrets == nil {
		return json.Marshal(pm)
	}
	sealed, err := s.opts.Secrets.Seal(pm.Password, pm.UUID)
	if err != nil {
		return nil, fmt.Errorf("encrypting the password: %w", err)
	}
	pm.Password = ""
	return json.Marshal(storedPodManager{PodManager: pm, SealedPassword: sealed})
}

// openPodManager decodes a stored pod manager. current reports whether its
// password is stored as the settings ask: sealed with the current key, or
// in plain text when there is no key.
func (s *Service) openPodManager(rec Record) (pm PodManager, current bool, err error) {
	var st storedPodManager
	if err := json.Unmarshal(rec.Data, &st); err != nil {
		return pm, false, err
	}
	pm = st.PodManager
	switch {
	case st.SealedPassword == "":
		return pm, s.opts.Secrets == nil, nil
	case s.opts.Secrets == nil:
		return pm, false, errNoKey
	}
	pm.Password, current, err = s.opts.Secrets.Open(st.SealedPassword, rec.ID)
	if err != nil {
		return pm, false, fmt.Errorf("decrypting its password: %w", err)
	}
	return pm, current, nil
}

// ResealSecrets checks that every stored pod-manager password can be read
// with the configured keys, and writes again each one not stored as the
// settings ask (in plain text or under an old key while a key is set; it
// is then sealed with the current key). It returns how many it rewrote. Run
// at start, it makes a missing or wrong key a start-up error that names the
// pod manager, and it finishes a key rotation.
func (s *Service) ResealSecrets(ctx context.Context) (int, error) {
	n := 0
	err := s.podms.each(ctx, nil, func(rec Record) error {
		_, current, err := s.openPodManager(rec)
		if err != nil {
			return fmt.Errorf("pod manager %s: %w", rec.ID, err)
		}
		if current {
			return nil
		}
		// Rewriting the record unchanged seals it with the current key.
		_, err = s.podms.modify(ctx, rec.ID, func(*PodManager) error { return nil })
		switch {
		case err == nil:
			n++
		case !IsCode(err, NotFound): // deleted meanwhile: nothing to rewrite
			return err
		}
		return nil
	})
	return n, err
}
