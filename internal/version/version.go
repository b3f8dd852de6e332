// Package version holds the version stamped into the binaries at build time
// (go build -ldflags "-X github.com/valence-rsd/valence/internal/version.Version=1.2.3").
package version

// Version is the release of this build; "dev" when not stamped.
var Version = "dev"
