// Package auth establishes who calls the API and decides what they may do.
//
// Authentication has three strategies: keystone (X-Auth-Token validated by
// Keystone v3), http_basic (an htpasswd file of bcrypt hashes) and noauth
// (everyone is an admin). Authorization is a policy of named rules, one per
// operation, in oslo.policy's expression language, with defaults that an
// operator may override from a YAML file.
package auth

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"github.com/valence-rsd/valence/internal/valence"
)

// Authenticator establishes the caller of a request.
type Authenticator interface {
	// Authenticate returns the caller of r, or an *valence.Error with code
	// Unauthorized (no or bad credentials) or Unavailable (the identity
	// service cannot be asked).
	Authenticate(ctx context.Context, r *http.Request) (valence.Caller, error)
	// Challenge is the WWW-Authenticate header value to send with a 401
	// ("" for none).
	Challenge() string
}

// Config selects and configures the authentication strategy.
type Config struct {
	// Strategy is VALENCE_AUTH_STRATEGY: "noauth", "keystone" or "http_basic".
	Strategy string
	// Keystone configures the keystone strategy.
	Keystone KeystoneConfig
	// HtpasswdFile (VALENCE_HTPASSWD_FILE) holds the http_basic users and
	// their bcrypt hashes.
	HtpasswdFile string
	// UsersFile (VALENCE_USERS_FILE) gives each http_basic user a project
	// and roles.
	UsersFile string
	// BasicFailures limits the failed http_basic logins of each client.
	BasicFailures FailureLimit
}

// KeystoneConfig holds the service credentials Valence validates tokens with,
// and the bounds of its token cache. Zero values take the defaults below.
type KeystoneConfig struct {
	AuthURL           string        // VALENCE_KEYSTONE_AUTH_URL, e.g. http://keystone:5000/v3
	Username          string        // VALENCE_KEYSTONE_USERNAME
	Password          string        // VALENCE_KEYSTONE_PASSWORD
	ProjectName       string        // VALENCE_KEYSTONE_PROJECT_NAME
	UserDomainName    string        // VALENCE_KEYSTONE_USER_DOMAIN_NAME
	ProjectDomainName string        // VALENCE_KEYSTONE_PROJECT_DOMAIN_NAME
	CAFile            string        // VALENCE_KEYSTONE_CA_FILE: PEM bundle trusted instead of the system's
	CacheTTL          time.Duration // VALENCE_TOKEN_CACHE_TTL
	CacheSize         int           // tokens kept at most
	// Now is the clock of the token cache (time.Now when nil): tests move
	// it past the TTL instead of sleeping past it.
	Now func() time.Time
}

// Defaults of KeystoneConfig.
const (
	DefaultDomainName = "Default"
	// DefaultCacheTTL is keystonemiddleware's token_cache_time: how long a
	// revoked token or a removed role may still be honoured.
	DefaultCacheTTL  = 5 * time.Minute
	DefaultCacheSize = 10000
)

// New returns the Authenticator of cfg.Strategy. The keystone strategy logs
// in to Keystone here, so that bad service credentials stop the start.
func New(ctx context.Context, cfg Config, log zerolog.Logger) (Authenticator, error) {
	switch cfg.Strategy {
	case "noauth":
		log.Warn().Msg("VALENCE_AUTH_STRATEGY=noauth: authentication is DISABLED, every caller is an admin of project " +
			NoauthProjectID + "; never use this in production")
		return noauth{}, nil
	case "keystone":
		return newKeystone(ctx, cfg.Keystone, log)
	case "http_basic":
		return newBasic(cfg.HtpasswdFile, cfg.UsersFile, cfg.BasicFailures, log)
	}
	return nil, fmt.Errorf("VALENCE_AUTH_STRATEGY: %q is not one of noauth, keystone, http_basic", cfg.Strategy)
}

// errUnauthenticated is the one answer to every missing, bad, expired or
// revoked credential: the caller learns nothing about which it was.
func errUnauthenticated() error {
	return valence.Errorf(valence.Unauthorized, "The request you have made requires authentication.")
}

// Middleware authenticates every request with a and puts the caller in its
// context (valence.WithCaller). A failure goes to fail, the server's error
// renderer, after the challenge header has been set for a 401.
func Middleware(a Authenticator, fail func(http.ResponseWriter, *http.Request, error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := a.Authenticate(r.Context(), r)
			if err != nil {
				if ch := a.Challenge(); ch != "" && valence.IsCode(err, valence.Unauthorized) {
					w.Header().Set("WWW-Authenticate", ch)
				}
				setRetryAfter(w, err)
				fail(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(valence.WithCaller(r.Context(), c)))
		})
	}
}
