package valence

import (
	"net"
	"net/url"
	"strconv"
	"strings"
)

// canonicalURL is the one form of a pod manager's URL that uniqueness is checked on, so that
// one service cannot be registered twice through spellings of its address: the scheme and
// host in lower case, the scheme's default port dropped, and no trailing "/" nor "/redfish/v1"
// (the service root, which the client adds itself). A query, a fragment or a port outside
// 1-65535 is refused.
func canonicalURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if (err == nil && u.User != nil) || (err != nil && strings.Contains(raw, "@")) {
		// Not shown back (nor logged): the URL may hold a password.
		return "", Errorf(Invalid, "url must not hold credentials (user:password@); give them in authentication instead")
	}
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return "", Errorf(Invalid, "url %q is not an http:// or https:// URL", raw)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", Errorf(Invalid, "url %q has a query or a fragment; give the service's address only", raw)
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if host == "" {
		return "", Errorf(Invalid, "url %q has no host", raw)
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", Errorf(Invalid, "url %q: port %q is not in 1-65535", raw, port)
		}
		if (u.Scheme == "http" && n == 80) || (u.Scheme == "https" && n == 443) {
			port = ""
		}
	}
	u.Host = host
	if strings.Contains(host, ":") {
		u.Host = "[" + host + "]" // an IPv6 address
	}
	if port != "" {
		u.Host = net.JoinHostPort(host, port)
	}
	path := strings.TrimRight(u.Path, "/")
	path = strings.TrimRight(strings.TrimSuffix(path, "/redfish/v1"), "/")
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: path}).String(), nil
}
