package auth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
	"github.com/rs/zerolog"

	"github.com/valence-rsd/valence/internal/valence"
)

// keystoneTimeout bounds every call to Keystone, so a hung identity service
// turns into a 503 instead of piling up requests.
const keystoneTimeout = 10 * time.Second

// maxTokenLen rejects absurd tokens without asking Keystone; fernet tokens
// are about 200 bytes.
const maxTokenLen = 8 << 10

// keystone validates X-Auth-Token with Keystone v3 as a service user.
type keystone struct {
	identity  *gophercloud.ServiceClient
	challenge string
	ttl       time.Duration
	cache     *tokenCache
	now       func() time.Time
}

func newKeystone(ctx context.Context, cfg KeystoneConfig, log zerolog.Logger) (*keystone, error) {
	for _, s := range []struct{ name, value string }{
		{"VALENCE_KEYSTONE_AUTH_URL", cfg.AuthURL},
		{"VALENCE_KEYSTONE_USERNAME", cfg.Username},
		{"VALENCE_KEYSTONE_PASSWORD", cfg.Password},
		{"VALENCE_KEYSTONE_PROJECT_NAME", cfg.ProjectName},
	} {
		if s.value == "" {
			return nil, fmt.Errorf("%s: required by VALENCE_AUTH_STRATEGY=keystone", s.name)
		}
	}
	// The URL is logged and sent in every 401's challenge; Keystone takes no
	// credentials in it, so a URL that holds some is a mistake, refused
	// without being repeated.
	if u, err := url.Parse(cfg.AuthURL); err != nil || u.User != nil {
		return nil, fmt.Errorf("VALENCE_KEYSTONE_AUTH_URL: not a URL without credentials (user:password@); the value is not shown")
	}
	cfg = withKeystoneDefaults(cfg)
	httpClient, err := KeystoneHTTPClient(cfg.CAFile)
	if err != nil {
		return nil, err
	}
	// Always v3: a versionless URL would make gophercloud discover versions,
	// and v2.0 has no X-Subject-Token validation.
	endpoint := strings.TrimSuffix(strings.TrimSuffix(cfg.AuthURL, "/"), "/v3") + "/v3/"
	provider, err := openstack.NewClient(endpoint)
	if err != nil {
		return nil, fmt.Errorf("VALENCE_KEYSTONE_AUTH_URL: %w", err)
	}
	provider.HTTPClient = *httpClient
	opts := &gophercloud.AuthOptions{
		IdentityEndpoint: endpoint,
		Username:         cfg.Username,
		Password:         cfg.Password,
		DomainName:       cfg.UserDomainName,
		Scope:            &gophercloud.AuthScope{ProjectName: cfg.ProjectName, DomainName: cfg.ProjectDomainName},
		// The service token expires (an hour by default): gophercloud logs
		// in again on the 401 and retries the validation once.
		AllowReauth: true,
	}
	actx, cancel := context.WithTimeout(ctx, keystoneTimeout)
	defer cancel()
	if err := openstack.AuthenticateV3(actx, provider, opts, gophercloud.EndpointOpts{}); err != nil {
		if gophercloud.ResponseCodeIs(err, http.StatusUnauthorized) {
			return nil, fmt.Errorf("keystone at %s refused the service credentials (VALENCE_KEYSTONE_USERNAME, _PASSWORD, _PROJECT_NAME, _USER_DOMAIN_NAME, _PROJECT_DOMAIN_NAME): %w", cfg.AuthURL, err)
		}
		return nil, fmt.Errorf("keystone at %s (VALENCE_KEYSTONE_AUTH_URL): %w", cfg.AuthURL, err)
	}
	// Empty EndpointOpts: talk to the configured URL, not to whatever the
	// catalog advertises (often an address unreachable from here).
	identity, err := openstack.NewIdentityV3(provider, gophercloud.EndpointOpts{})
	if err != nil {
		return nil, fmt.Errorf("VALENCE_KEYSTONE_AUTH_URL: %w", err)
	}
	log.Info().Str("auth_url", cfg.AuthURL).Str("service_user", cfg.Username).
		Str("service_project", cfg.ProjectName).Dur("token_cache_ttl", cfg.CacheTTL).
		Msg("keystone authentication ready")
	return &keystone{
		identity:  identity,
		challenge: fmt.Sprintf("Keystone uri=%q", cfg.AuthURL),
		ttl:       cfg.CacheTTL,
		cache:     newTokenCache(cfg.CacheSize),
		now:       cfg.Now,
	}, nil
}

func withKeystoneDefaults(cfg KeystoneConfig) KeystoneConfig {
	if cfg.UserDomainName == "" {
		cfg.UserDomainName = DefaultDomainName
	}
	if cfg.ProjectDomainName == "" {
		cfg.ProjectDomainName = DefaultDomainName
	}
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = DefaultCacheTTL
	}
	if cfg.CacheSize <= 0 {
		cfg.CacheSize = DefaultCacheSize
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg
}

// KeystoneHTTPClient trusts caFile's certificates instead of the system's
// when caFile is set, as keystonemiddleware's cafile does.
func KeystoneHTTPClient(caFile string) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("VALENCE_KEYSTONE_CA_FILE: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("VALENCE_KEYSTONE_CA_FILE: no PEM certificate in %s", caFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr, Timeout: keystoneTimeout}, nil
}

// Authenticate validates the request's X-Auth-Token, from the cache when it
// was validated recently.
func (k *keystone) Authenticate(ctx context.Context, r *http.Request) (valence.Caller, error) {
	token := r.Header.Get("X-Auth-Token")
	if token == "" || len(token) > maxTokenLen {
		return valence.Caller{}, errUnauthenticated()
	}
	key := keyOf(token)
	if c, ok := k.cache.get(key, k.now()); ok {
		return c, nil
	}
	c, expires, err := k.validate(ctx, token)
	if err != nil {
		return valence.Caller{}, err
	}
	now := k.now()
	if !expires.After(now) {
		return valence.Caller{}, errUnauthenticated()
	}
	// Cached until the sooner of the token's expiry and the TTL, which
	// bounds how long a revoked token or a removed role is still honoured.
	until := now.Add(k.ttl)
	if expires.Before(until) {
		until = expires
	}
	k.cache.put(key, c, until)
	return c, nil
}

// validate asks Keystone about token with GET /v3/auth/tokens: a service
// user may GET but not HEAD (identity:check_token lacks the service role).
func (k *keystone) validate(ctx context.Context, token string) (valence.Caller, time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, keystoneTimeout)
	defer cancel()
	res := tokens.Get(ctx, k.identity, token)
	if res.Err != nil {
		if gophercloud.ResponseCodeIs(res.Err, http.StatusNotFound) {
			return valence.Caller{}, time.Time{}, errUnauthenticated() // unknown, expired or revoked
		}
		// Anything else is Keystone's or our service user's trouble, not
		// the caller's: 503, so clients retry rather than drop credentials.
		return valence.Caller{}, time.Time{}, valence.Wrap(res.Err, valence.Unavailable, "The identity service is unavailable.")
	}
	var t struct {
		User    struct{ ID, Name string }  `json:"user"`
		Project *struct{ ID, Name string } `json:"project"`
		Roles   []struct{ Name string }    `json:"roles"`
		Expires time.Time                  `json:"expires_at"`
	}
	if err := res.ExtractInto(&t); err != nil {
		return valence.Caller{}, time.Time{}, valence.Wrap(err, valence.Unavailable, "The identity service gave an unreadable answer.")
	}
	c := valence.Caller{UserID: t.User.ID, UserName: t.User.Name}
	if t.Project != nil { // domain- and system-scoped tokens have none
		c.ProjectID, c.ProjectName = t.Project.ID, t.Project.Name
	}
	for _, r := range t.Roles {
		c.Roles = append(c.Roles, r.Name)
	}
	return c, t.Expires, nil
}

// Challenge names the Keystone to get a token from.
func (k *keystone) Challenge() string { return k.challenge }
