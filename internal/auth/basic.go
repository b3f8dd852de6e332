package auth

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"
	"gopkg.in/yaml.v3"

	"github.com/valence-rsd/valence/internal/valence"
)

// basic checks HTTP Basic credentials against an htpasswd file of bcrypt
// hashes, and takes each user's project and roles from a users file.
type basic struct {
	users map[string]basicUser
	// decoy is compared against when the user is unknown: a hash of the
	// users' own cost, so that the answer takes as long as for a wrong
	// password and does not reveal user names.
	decoy []byte
	// failures limits guessing: a client over its limit is answered 429
	// before any hash is compared.
	failures *failures
	// checked remembers credentials that matched, keyed by an HMAC of the
	// user and password under checkedKey, for basicCheckedTTL: a client
	// making many calls (the dashboard makes several per page) pays for
	// one bcrypt comparison, not one per call. Only a match is kept, so a
	// guess never meets it.
	checked    *tokenCache
	checkedKey []byte
	now        func() time.Time
}

// Bounds of the memory of matched credentials: how many, and for how long.
// The users and their hashes are read at start only, so the time bounds
// what a memory dump could show, not staleness.
const (
	basicCheckedMax = 1024
	basicCheckedTTL = time.Minute
)

type basicUser struct {
	hash   []byte
	caller valence.Caller
}

// usersFile is the YAML of VALENCE_USERS_FILE:
//
//	users:
//	  alice: {project_id: p1, project_name: lab, roles: [member]}
type usersFile struct {
	Users map[string]struct {
		ProjectID   string   `yaml:"project_id"`
		ProjectName string   `yaml:"project_name"`
		Roles       []string `yaml:"roles"`
	} `yaml:"users"`
}

func newBasic(htpasswdFile, usersPath string, limit FailureLimit, log zerolog.Logger) (*basic, error) {
	if htpasswdFile == "" || usersPath == "" {
		return nil, fmt.Errorf("VALENCE_HTPASSWD_FILE and VALENCE_USERS_FILE: both required by VALENCE_AUTH_STRATEGY=http_basic")
	}
	hashes, err := readHtpasswd(htpasswdFile)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(usersPath)
	if err != nil {
		return nil, fmt.Errorf("VALENCE_USERS_FILE: %w", err)
	}
	var uf usersFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true) // a misspelt "role:" must not leave a user without roles silently
	if err := dec.Decode(&uf); err != nil {
		return nil, fmt.Errorf("VALENCE_USERS_FILE %s: %w", usersPath, err)
	}
	b := &basic{
		users: make(map[string]basicUser, len(hashes)), failures: newFailures(limit, time.Now),
		checked: newTokenCache(basicCheckedMax), checkedKey: make([]byte, 32), now: time.Now,
	}
	rand.Read(b.checkedKey) // never fails (crypto/rand panics rather than return short)
	for name, hash := range hashes {
		u, ok := uf.Users[name]
		if !ok {
			return nil, fmt.Errorf("VALENCE_USERS_FILE %s: user %q of %s has no entry (project_id, roles)", usersPath, name, htpasswdFile)
		}
		if u.ProjectID == "" {
			return nil, fmt.Errorf("VALENCE_USERS_FILE %s: user %q: project_id is required", usersPath, name)
		}
		if u.ProjectName == "" {
			u.ProjectName = u.ProjectID
		}
		b.users[name] = basicUser{hash: hash, caller: valence.Caller{
			UserID: name, UserName: name, ProjectID: u.ProjectID, ProjectName: u.ProjectName, Roles: u.Roles,
		}}
	}
	cost, mixed := decoyCost(hashes)
	if mixed {
		log.Warn().Str("htpasswd_file", htpasswdFile).Int("decoy_cost", cost).
			Msg("the bcrypt hashes have different costs: how long a refusal takes tells users apart; rehash them with one cost")
	}
	if b.decoy, err = bcrypt.GenerateFromPassword([]byte("decoy"), cost); err != nil {
		return nil, err
	}
	log.Info().Str("htpasswd_file", htpasswdFile).Str("users_file", usersPath).Int("users", len(b.users)).
		Int("max_failures", limit.Max).Dur("failure_window", limit.Window).Msg("http_basic authentication ready")
	return b, nil
}

// decoyCost is the cost of the decoy hash: the users' (the highest, when
// they differ, which mixed reports), or bcrypt's default without users.
func decoyCost(hashes map[string][]byte) (cost int, mixed bool) {
	for _, h := range hashes {
		c, _ := bcrypt.Cost(h) // readHtpasswd checked every hash
		mixed = mixed || (cost != 0 && c != cost)
		cost = max(cost, c)
	}
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	return cost, mixed
}

// readHtpasswd reads user:hash lines, accepting bcrypt hashes only: the
// other htpasswd formats (MD5-crypt, SHA-1, crypt) are too cheap to crack.
func readHtpasswd(path string) (map[string][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("VALENCE_HTPASSWD_FILE: %w", err)
	}
	defer f.Close()
	hashes := make(map[string][]byte)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		at := fmt.Sprintf("VALENCE_HTPASSWD_FILE %s:%d", path, n)
		name, hash, ok := strings.Cut(line, ":")
		if !ok || name == "" {
			return nil, fmt.Errorf("%s: want user:hash", at)
		}
		if _, dup := hashes[name]; dup {
			return nil, fmt.Errorf("%s: user %q appears twice", at, name)
		}
		if !strings.HasPrefix(hash, "$2y$") && !strings.HasPrefix(hash, "$2a$") && !strings.HasPrefix(hash, "$2b$") {
			return nil, fmt.Errorf("%s: user %q: not a bcrypt hash ($2y$, $2a$ or $2b$); create it with htpasswd -B", at, name)
		}
		if _, err := bcrypt.Cost([]byte(hash)); err != nil {
			return nil, fmt.Errorf("%s: user %q: malformed bcrypt hash: %v", at, name, err)
		}
		hashes[name] = []byte(hash)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("VALENCE_HTPASSWD_FILE %s: %w", path, err)
	}
	return hashes, nil
}

// Authenticate checks the request's Basic credentials. A client over its
// limit of failures is refused before its credentials are looked at, so that
// it learns nothing from them; a request without credentials is no failure
// (browsers send one to get the challenge).
func (b *basic) Authenticate(_ context.Context, r *http.Request) (valence.Caller, error) {
	client := clientOf(r)
	if wait := b.failures.wait(client); wait > 0 {
		return valence.Caller{}, errTooManyFailures(wait)
	}
	name, password, ok := r.BasicAuth()
	if !ok {
		return valence.Caller{}, errUnauthenticated()
	}
	mac := hmac.New(sha256.New, b.checkedKey)
	mac.Write([]byte(name + "\x00" + password)) // a user name holds no NUL (htpasswd's are lines)
	key := tokenKey(mac.Sum(nil))
	now := b.now()
	if c, ok := b.checked.get(key, now); ok {
		return c, nil
	}
	u, known := b.users[name]
	hash := u.hash
	if !known {
		hash = b.decoy
	}
	if err := bcrypt.CompareHashAndPassword(hash, []byte(password)); err != nil || !known {
		b.failures.fail(client)
		return valence.Caller{}, errUnauthenticated()
	}
	b.checked.put(key, u.caller, now.Add(basicCheckedTTL))
	c := u.caller
	c.Roles = slices.Clone(c.Roles) // a request must not change the user's roles
	return c, nil
}

// Challenge asks for Basic credentials.
func (b *basic) Challenge() string { return `Basic realm="valence"` }
