#!/bin/sh
# After removal (deb postrm, rpm %postun). Removal keeps the settings and the
# records; purge (deb only: rpm has none) deletes /etc/valence and
# /var/lib/valence. The valence user and group stay, as Debian's policy asks
# of system users (files elsewhere may still belong to them).
set -e
case "$1" in
purge)
	rm -rf /etc/valence /var/lib/valence /run/valence
	;;
esac
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
fi
exit 0
