package functional

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/valence-rsd/valence/api/apitest"
	"github.com/valence-rsd/valence/tests/internal/procs"
)

// Set by TestMain: the binaries under test and the contract they must keep.
var (
	apiBin, simBin, valenceBin string
	validator                  *apitest.Validator
)

// TestMain builds valence-api, rsd-simulator and valence once for the
// whole package.
func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "valence-functional-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "functional:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := build(dir); err != nil {
		fmt.Fprintln(os.Stderr, "functional:", err)
		return 1
	}
	apiBin, simBin = filepath.Join(dir, "valence-api"), filepath.Join(dir, "rsd-simulator")
	valenceBin = filepath.Join(dir, "valence")
	if validator, err = apitest.NewValidator(); err != nil {
		fmt.Fprintln(os.Stderr, "functional:", err)
		return 1
	}
	return m.Run()
}

// build compiles the commands into dir, from the module root.
func build(dir string) error {
	return procs.Build(dir, "./cmd/valence-api", "./cmd/rsd-simulator", "./cmd/valence")
}
