// Package sushy checks the RSD simulator with an independent client: Debian's python3-sushy,
// run by /usr/bin/python3 against the built rsd-simulator binary: check.py against an RSD 2.3
// Pod Manager, check_plain.py against the plain Redfish mode. The test skips,
// saying so, when python3-sushy is absent, and fails instead when CI=true.
package sushy
