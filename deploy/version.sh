#!/bin/sh
# Prints the package versions that `git describe` gives, as shell assignments:
#   VERSION       what the binaries print (git describe itself)
#   DEB_VERSION   dpkg's upstream version; the package is DEB_VERSION-1
#   RPM_VERSION   rpm's Version (no '-' allowed)
#   RPM_RELEASE   rpm's Release
# A tag vX.Y.Z[-pre] gives X.Y.Z[~pre] (~ sorts before the release itself);
# N commits after it give X.Y.Z+N.gHASH for dpkg and release 1.N.gHASH for
# rpm, both newer than the tag and ordered by N; a dirty tree adds .dirty.
# Without any tag the base is 0.0.0. DESCRIBE overrides `git describe` (tests).
set -eu
if [ -z "${DESCRIBE:-}" ]; then
	DESCRIBE=$(git describe --tags --long --dirty --match 'v[0-9]*' 2>/dev/null) ||
		DESCRIBE="v0.0.0-$(git rev-list --count HEAD)-g$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- 2>/dev/null || echo -dirty)"
fi
d=$DESCRIBE
dirty=
case $d in *-dirty) dirty=.dirty d=${d%-dirty} ;; esac
hash=${d##*-}
d=${d%-*}
count=${d##*-}
tag=${d%-*}
base=${tag#v}
case $base in
[0-9]*) ;;
*) echo "version.sh: tag $tag is not vX.Y.Z" >&2; exit 1 ;;
esac
case $count$hash in
*[!0-9a-z]*) echo "version.sh: cannot read git describe output $DESCRIBE" >&2; exit 1 ;;
esac
# -pre of the tag (v1.2.0-rc1): ~ in both formats.
case $base in *-*) base=$(echo "$base" | tr - '~') ;; esac
case $base in *[!0-9A-Za-z.~]*) echo "version.sh: tag $tag has characters dpkg or rpm refuse" >&2; exit 1 ;; esac
if [ "$count" = 0 ] && [ -z "$dirty" ]; then
	deb=$base release=1
else
	deb=$base+$count.$hash$dirty release=1.$count.$hash$dirty
fi
echo "VERSION=$DESCRIBE"
echo "DEB_VERSION=$deb"
echo "RPM_VERSION=$base"
echo "RPM_RELEASE=$release"
