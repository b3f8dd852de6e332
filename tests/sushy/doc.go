// Package sushy checks the RSD simulator with an independent client: Debian's python3-sushy,
// run by /usr/bin/python3 (check.py) against the built rsd-simulator binary. The test skips,
// saying so, when python3-sushy is absent, and fails instead when CI=true.
package sushy
