// Package store opens the valence.Store that the VALENCE_STORE setting
// names: the embedded bolt file, or an etcd cluster shared by replicas.
//
//	bolt:///var/lib/valence/valence.db   absolute path
//	bolt://valence.db                    relative to the working directory
//	etcd://h1:2379,h2:2379               plain, or TLS when a TLS file is set
//	etcds://h1:2379,h2:2379              TLS, verified with the CA file or the system roots
//
// A missing etcd port means 2379. Credentials never go in the URL, which
// ends up in logs; they come from EtcdOptions.
package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/valence-rsd/valence/internal/store/bolt"
	"github.com/valence-rsd/valence/internal/store/etcd"
	"github.com/valence-rsd/valence/internal/valence"
)

// defaultEtcdPort is etcd's client port, used when an endpoint names none.
const defaultEtcdPort = "2379"

// EtcdOptions are the etcd settings besides the endpoints, from
// VALENCE_ETCD_PREFIX, VALENCE_ETCD_USERNAME, VALENCE_ETCD_PASSWORD,
// VALENCE_ETCD_CA_FILE, VALENCE_ETCD_CERT_FILE, VALENCE_ETCD_KEY_FILE and
// VALENCE_ETCD_LEASE_TTL.
// Zero values take the etcd package's defaults.
type EtcdOptions struct {
	Prefix      string
	Username    string
	Password    string
	CAFile      string
	CertFile    string
	KeyFile     string
	DialTimeout time.Duration
	LeaseTTL    time.Duration
}

// location is where a VALENCE_STORE URL points: a bolt file or etcd endpoints.
type location struct {
	boltPath  string
	endpoints []string
}

// Open opens the store rawURL names; a malformed URL or an unknown scheme is
// an error naming VALENCE_STORE. etcdOpts apply to etcd:// and etcds:// only.
func Open(ctx context.Context, rawURL string, etcdOpts EtcdOptions) (valence.Store, error) {
	loc, err := parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("VALENCE_STORE: %w", err)
	}
	if loc.boltPath != "" {
		s, err := bolt.Open(loc.boltPath)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	s, err := etcd.Open(ctx, etcd.Config{
		Endpoints:   loc.endpoints,
		Prefix:      etcdOpts.Prefix,
		Username:    etcdOpts.Username,
		Password:    etcdOpts.Password,
		CAFile:      etcdOpts.CAFile,
		CertFile:    etcdOpts.CertFile,
		KeyFile:     etcdOpts.KeyFile,
		DialTimeout: etcdOpts.DialTimeout,
		LeaseTTL:    etcdOpts.LeaseTTL,
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// parse reads a VALENCE_STORE URL. It splits by hand because net/url
// rejects the comma-separated host list of etcd://h1:2379,h2:2379.
func parse(rawURL string) (location, error) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return location{}, errors.New("want bolt:///path/to/valence.db or etcd://host:2379[,host:2379...]")
	}
	switch scheme {
	case "bolt":
		if rest == "" || strings.ContainsAny(rest, "?#") {
			return location{}, fmt.Errorf("bolt URL %q: want bolt:///absolute/path.db or bolt://relative/path.db", rawURL)
		}
		return location{boltPath: rest}, nil
	case "etcd", "etcds":
		endpoints, err := parseEndpoints(strings.TrimSuffix(rest, "/"), scheme == "etcds")
		return location{endpoints: endpoints}, err
	}
	return location{}, fmt.Errorf("unknown scheme %q; want bolt, etcd or etcds", scheme)
}

// parseEndpoints reads "h1:2379,h2,[::1]:2379" into client endpoints,
// marked https:// when secure.
func parseEndpoints(hosts string, secure bool) ([]string, error) {
	if strings.Contains(hosts, "@") {
		return nil, errors.New("etcd credentials belong in VALENCE_ETCD_USERNAME and VALENCE_ETCD_PASSWORD, not in the URL")
	}
	if strings.ContainsAny(hosts, "/?#") {
		return nil, fmt.Errorf("etcd URL %q: want only host:port pairs separated by commas", hosts)
	}
	var endpoints []string
	for _, h := range strings.Split(hosts, ",") {
		host, port, err := net.SplitHostPort(h)
		if err != nil { // no port: the host alone, maybe a bracketed IPv6 address
			host, port = h, defaultEtcdPort
			if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
				host = h[1 : len(h)-1]
			} else if strings.ContainsAny(h, ":[]") {
				return nil, fmt.Errorf("etcd endpoint %q: want host:port", h)
			}
		}
		if n, err := strconv.Atoi(port); host == "" || err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("etcd endpoint %q: want host:port", h)
		}
		ep := net.JoinHostPort(host, port)
		if secure {
			ep = "https://" + ep
		}
		endpoints = append(endpoints, ep)
	}
	return endpoints, nil
}
