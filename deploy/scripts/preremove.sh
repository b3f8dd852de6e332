#!/bin/sh
# Before removal (deb prerm "remove", rpm %preun 0): stop the service.
# Not on upgrade (deb "upgrade", rpm %preun 1): postinstall restarts it then.
set -e
case "$1" in
remove | 0)
	if [ -d /run/systemd/system ]; then
		systemctl disable --now valence-api.service rsd-simulator.service || true
	fi
	;;
esac
exit 0
