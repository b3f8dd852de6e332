package functional

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valence-rsd/valence/api/apitest"
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
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	cmd := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "./cmd/valence-api", "./cmd/rsd-simulator", "./cmd/valence")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build in %s: %v\n%s", root, err, out)
	}
	return nil
}

// moduleRoot is the directory of go.mod: as `go env GOMOD` says, or two
// levels up from this package when the go command cannot tell.
func moduleRoot() (string, error) {
	if out, err := exec.Command("go", "env", "GOMOD").Output(); err == nil {
		if gomod := strings.TrimSpace(string(out)); gomod != "" && gomod != os.DevNull {
			return filepath.Dir(gomod), nil
		}
	}
	return filepath.Abs(filepath.Join("..", ".."))
}
