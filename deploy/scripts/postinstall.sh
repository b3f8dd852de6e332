#!/bin/sh
# After install or upgrade (deb postinst, rpm %post): systemd learns the unit.
# The service is neither enabled nor started: it needs its settings first
# (see the operator's guide). An upgrade restarts it if it was running.
set -e
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
	systemctl try-restart valence-api.service || true
fi
exit 0
