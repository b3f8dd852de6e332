// Package packaging tests the .deb and .rpm packages that `make package`
// builds (deploy/): it builds them, installs the .deb on this machine with
// dpkg, runs the installed valence-api the way its systemd unit does, and
// purges it; the .rpm goes into a scratch root. It needs root, dpkg, rpm and
// nfpm, and is skipped without them unless CI=true, where it fails.
package packaging
