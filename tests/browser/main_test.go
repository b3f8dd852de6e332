package browser

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/valence-rsd/valence/internal/auth/keystonetest"
	"github.com/valence-rsd/valence/tests/internal/procs"
)

// updateScreenshots has TestScreenshots write docs/images/ui-*.png too.
var updateScreenshots = flag.Bool("update-screenshots", false, "also write the screenshots to docs/images/ (make screenshots)")

// Set by TestMain: the binaries under test.
var apiBin, simBin string

// TestMain builds valence-api and rsd-simulator once, and stops the
// Keystone a test may have started.
func TestMain(m *testing.M) { os.Exit(runMain(m)) }

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "valence-browser-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "browser:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := procs.Build(dir, "./cmd/valence-api", "./cmd/rsd-simulator"); err != nil {
		fmt.Fprintln(os.Stderr, "browser:", err)
		return 1
	}
	apiBin, simBin = filepath.Join(dir, "valence-api"), filepath.Join(dir, "rsd-simulator")
	return keystonetest.Run(m)
}
