#!/bin/sh
# Before the files are unpacked (deb preinst, rpm %pre): the system user and
# group valence, so that the config file can belong to group valence.
set -e
if ! getent group valence >/dev/null; then
	groupadd --system valence
fi
if ! getent passwd valence >/dev/null; then
	useradd --system --gid valence --home-dir /var/lib/valence --no-create-home \
		--shell /usr/sbin/nologin --comment "Valence API" valence
fi
exit 0
