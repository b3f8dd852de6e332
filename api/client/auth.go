package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/config/clouds"
)

// Auth puts credentials on each request.
type Auth interface {
	// Authorize adds the credentials to req.
	Authorize(ctx context.Context, req *http.Request) error
	// Renew gets fresh credentials after a 401 and reports whether it did,
	// in which case the request is sent once more.
	Renew(ctx context.Context) (bool, error)
}

// NoAuth sends no credentials, for a server whose auth_strategy is noauth.
type NoAuth struct{}

// Authorize does nothing.
func (NoAuth) Authorize(context.Context, *http.Request) error { return nil }

// Renew has nothing to renew.
func (NoAuth) Renew(context.Context) (bool, error) { return false, nil }

// Basic sends HTTP basic credentials, for a server whose auth_strategy is
// http_basic.
type Basic struct {
	Username, Password string
}

// Authorize sets the Authorization header.
func (b Basic) Authorize(_ context.Context, req *http.Request) error {
	req.SetBasicAuth(b.Username, b.Password)
	return nil
}

// Renew has nothing to renew.
func (Basic) Renew(context.Context) (bool, error) { return false, nil }

// Token sends a Keystone token obtained elsewhere (OS_TOKEN) as
// X-Auth-Token; it cannot be renewed.
type Token string

// Authorize sets X-Auth-Token.
func (t Token) Authorize(_ context.Context, req *http.Request) error {
	req.Header.Set("X-Auth-Token", string(t))
	return nil
}

// Renew cannot get another token.
func (Token) Renew(context.Context) (bool, error) { return false, nil }

// ServiceType is the Keystone catalog's type of the Valence endpoint.
const ServiceType = "rsd"

// Keystone authenticates with a Keystone v3 session: a token from the
// credentials, renewed when the server refuses it.
type Keystone struct {
	provider *gophercloud.ProviderClient
}

// NewKeystone authenticates against Keystone with opts (an identity
// endpoint and credentials, or a token) through hc (nil: the default).
func NewKeystone(ctx context.Context, opts gophercloud.AuthOptions, hc *http.Client) (*Keystone, error) {
	pc, err := openstack.NewClient(opts.IdentityEndpoint)
	if err != nil {
		return nil, fmt.Errorf("keystone %s: %w", opts.IdentityEndpoint, err)
	}
	if hc != nil {
		pc.HTTPClient = *hc
	}
	opts.AllowReauth = opts.TokenID == ""
	if err := openstack.Authenticate(ctx, pc, opts); err != nil {
		return nil, fmt.Errorf("keystone %s: %w", opts.IdentityEndpoint, err)
	}
	return &Keystone{provider: pc}, nil
}

// NewKeystoneFromCloud authenticates with the cloud of clouds.yaml named by
// cloud (OS_CLOUD when ""), honouring its TLS settings, and returns the
// session and the endpoint options the cloud names (region, interface).
func NewKeystoneFromCloud(ctx context.Context, cloud string) (*Keystone, gophercloud.EndpointOpts, error) {
	var popts []clouds.ParseOption
	if cloud != "" {
		popts = append(popts, clouds.WithCloudName(cloud))
	}
	ao, eo, tlsConfig, err := clouds.Parse(popts...)
	if err != nil {
		return nil, eo, fmt.Errorf("clouds.yaml: %w", err)
	}
	ks, err := NewKeystone(ctx, ao, TLSClient(tlsConfig))
	return ks, eo, err
}

// TLSClient is an http.Client that verifies servers with cfg (nil: the
// system's defaults).
func TLSClient(cfg *tls.Config) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = cfg
	return &http.Client{Transport: tr}
}

// Authorize sets X-Auth-Token to the session's token.
func (k *Keystone) Authorize(_ context.Context, req *http.Request) error {
	token := k.provider.Token()
	if token == "" {
		return errors.New("no keystone token")
	}
	req.Header.Set("X-Auth-Token", token)
	return nil
}

// Renew gets a new token when the session may (it was made from
// credentials, not from a token); gophercloud serialises concurrent renewals.
func (k *Keystone) Renew(ctx context.Context) (bool, error) {
	if k.provider.ReauthFunc == nil {
		return false, nil
	}
	if err := k.provider.Reauthenticate(ctx, k.provider.Token()); err != nil {
		return false, err
	}
	return true, nil
}

// Endpoint finds the Valence endpoint in the session's catalog: service
// type eo.Type (ServiceType when empty), with eo's region and interface.
func (k *Keystone) Endpoint(eo gophercloud.EndpointOpts) (string, error) {
	if eo.Type == "" {
		eo.Type = ServiceType
	}
	eo.ApplyDefaults(eo.Type)
	if k.provider.EndpointLocator == nil {
		return "", errors.New("keystone gave no service catalog")
	}
	u, err := k.provider.EndpointLocator(eo)
	if err != nil {
		return "", fmt.Errorf("no %q endpoint in the keystone catalog: %w", eo.Type, err)
	}
	return u, nil
}
