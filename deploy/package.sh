#!/bin/sh
# Builds the valence-api and valence-client packages, .deb and .rpm, into
# dist/ with nfpm (make package; see deploy/README.md). Run from the module
# root; NFPM names the nfpm binary (the Makefile's pinned one), DIST the
# output directory (dist).
set -eu
NFPM=${NFPM:-nfpm}
GO=${GO:-go}
DIST=${DIST:-dist}
eval "$(deploy/version.sh)"
ARCH=$($GO env GOARCH)
mkdir -p "$DIST"
DIST=$(cd "$DIST" && pwd)
STAGE=$DIST/stage
rm -rf "$STAGE" "$DIST"/valence-api[_-]*.deb "$DIST"/valence-api-*.rpm "$DIST"/valence-client[_-]*.deb "$DIST"/valence-client-*.rpm
mkdir -p "$STAGE/doc/valence-api" "$STAGE/doc/valence-client"
export ARCH
# nfpm globs the sources before it expands variables: the configurations
# name dist/stage, which is rewritten here to the stage of this DIST.
render() { sed "s#dist/stage#$STAGE#g" "$1"; }
render deploy/nfpm-api.yaml >"$STAGE/nfpm-api.yaml"

# Static binaries, so that the packages depend on no libc.
CGO_ENABLED=0 $GO build -trimpath \
	-ldflags "-s -w -X github.com/valence-rsd/valence/internal/version.Version=$VERSION" \
	-o "$STAGE/" ./cmd/...

doc=$STAGE/doc/valence-api
cp README.md docs/operators-guide.md docs/users-guide.md docs/keystone.md docs/api-reference.md "$doc/"
# --help is the manual of each binary (they print it on stderr, exit 0).
"$STAGE/valence-api" --help 2>"$doc/valence-api--help.txt"
"$STAGE/rsd-simulator" --help 2>"$doc/rsd-simulator--help.txt"

# valence-client: the CLI and its completions.
client=$STAGE/nfpm-client.yaml
render deploy/nfpm-client.yaml >"$client"
cdoc=$STAGE/doc/valence-client
CLIENT_SUMMARY="Command-line client of the Valence REST API"
CLIENT_DESCRIPTION="valence drives a Valence server from the shell: pod managers, flavors, nodes, systems, racks and storage volumes, with Keystone, HTTP Basic or no authentication. Shell completions for bash, zsh and fish."
"$STAGE/valence" --help >"$cdoc/valence--help.txt" 2>&1
for sh in bash zsh fish; do
	"$STAGE/valence" completion $sh >"$STAGE/valence.$sh"
done
cat >>"$client" <<YAML
  - src: $STAGE/valence
    dst: /usr/bin/valence
    file_info: {mode: 0755}
  - src: $STAGE/valence.bash
    dst: /usr/share/bash-completion/completions/valence
    file_info: {mode: 0644}
  - src: $STAGE/valence.zsh
    dst: /usr/share/zsh/vendor-completions/_valence
    file_info: {mode: 0644}
    packager: deb
  - src: $STAGE/valence.zsh
    dst: /usr/share/zsh/site-functions/_valence
    file_info: {mode: 0644}
    packager: rpm
  - src: $STAGE/valence.fish
    dst: /usr/share/fish/vendor_completions.d/valence.fish
    file_info: {mode: 0644}
YAML
export CLIENT_SUMMARY CLIENT_DESCRIPTION

for pkg in "$STAGE/nfpm-api.yaml" "$client"; do
	PKG_VERSION=$DEB_VERSION PKG_RELEASE=1 $NFPM package -f "$pkg" -p deb -t "$DIST/"
	PKG_VERSION=$RPM_VERSION PKG_RELEASE=$RPM_RELEASE $NFPM package -f "$pkg" -p rpm -t "$DIST/"
done
