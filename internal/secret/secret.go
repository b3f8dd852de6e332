// Package secret encrypts the secrets valence-api keeps at rest (pod-manager
// passwords) with AES-256-GCM, under keys read from a file.
//
// A sealed value is "v1:<key id>:<base64 of nonce and ciphertext>": v1 names
// the algorithm (AES-256-GCM, 12-byte random nonce per value), and the key
// id (the first 8 bytes of the key's SHA-256, in hex) says which key opens
// it, so that values sealed under an older key still open once a new key
// is current, and a missing key is named rather than guessed at.
package secret

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Limits of a key file.
const (
	// KeySize is the length of a key in bytes (AES-256).
	KeySize = 32
	// MaxKeys bounds the keys of one file: the current one and the old ones
	// still needed to open values sealed before a rotation.
	MaxKeys = 16
	// maxFileSize bounds what is read of a key file.
	maxFileSize = 64 << 10
)

const version = "v1"

// ErrUnknownKey marks a sealed value whose key is not in the keyring.
var ErrUnknownKey = errors.New("sealed with a key that the key file does not hold")

// Keyring seals with its first key and opens with any of its keys.
type Keyring struct {
	keys []key
}

type key struct {
	id   string
	aead cipher.AEAD
}

// New returns a keyring of keys (each KeySize bytes); the first is current.
func New(keys ...[]byte) (*Keyring, error) {
	if len(keys) == 0 || len(keys) > MaxKeys {
		return nil, fmt.Errorf("want 1 to %d keys, not %d", MaxKeys, len(keys))
	}
	k := &Keyring{}
	seen := map[string]bool{}
	for i, raw := range keys {
		if len(raw) != KeySize {
			return nil, fmt.Errorf("key %d: %d bytes, want %d", i+1, len(raw), KeySize)
		}
		sum := sha256.Sum256(raw)
		id := hex.EncodeToString(sum[:8])
		if seen[id] {
			return nil, fmt.Errorf("key %d: the same key twice", i+1)
		}
		seen[id] = true
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		k.keys = append(k.keys, key{id: id, aead: aead})
	}
	return k, nil
}

// LoadFile reads a key file: one key per line, base64 of KeySize random
// bytes (`openssl rand -base64 32`), the current key first; blank lines and
// lines starting with # are skipped. The file must not be writable by its
// group nor readable by others (mode 0600 or 0640).
func LoadFile(path string) (*Keyring, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if perm := st.Mode().Perm(); perm&0o037 != 0 {
		return nil, fmt.Errorf("%s: mode %04o lets others read or change the keys; chmod 0600 (or 0640 for a service group)", path, perm)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxFileSize)
	}
	var keys [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(line)
		if err != nil || len(raw) != KeySize {
			// The line is a key: never repeat it in a message.
			return nil, fmt.Errorf("%s: line %d is not the base64 of %d bytes", path, n, KeySize)
		}
		keys = append(keys, raw)
	}
	k, err := New(keys...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// CurrentID is the id of the key that seals.
func (k *Keyring) CurrentID() string { return k.keys[0].id }

// Seal encrypts plaintext with the current key. label binds the value to its
// place (a record's id): it must be given again to open it, so a value copied
// to another record does not open there.
func (k *Keyring) Seal(plaintext, label string) (string, error) {
	cur := k.keys[0]
	nonce := make([]byte, cur.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := cur.aead.Seal(nonce, nonce, []byte(plaintext), []byte(label))
	return version + ":" + cur.id + ":" + base64.StdEncoding.EncodeToString(out), nil
}

// Open decrypts a value made by Seal with the same label; current reports
// whether the current key sealed it (if not, it should be sealed again).
func (k *Keyring) Open(sealed, label string) (plaintext string, current bool, err error) {
	ver, rest, _ := strings.Cut(sealed, ":")
	id, b64, ok := strings.Cut(rest, ":")
	if ver != version || !ok {
		return "", false, errors.New("not a sealed value of a known format")
	}
	for i, kk := range k.keys {
		if kk.id != id {
			continue
		}
		data, err := base64.StdEncoding.DecodeString(b64)
		ns := kk.aead.NonceSize()
		if err != nil || len(data) < ns {
			return "", false, errors.New("sealed value is damaged")
		}
		plain, err := kk.aead.Open(nil, data[:ns], data[ns:], []byte(label))
		if err != nil {
			return "", false, fmt.Errorf("sealed value does not open with key %s: damaged, or sealed for another record", id)
		}
		return string(plain), i == 0, nil
	}
	return "", false, fmt.Errorf("key %s: %w", id, ErrUnknownKey)
}
