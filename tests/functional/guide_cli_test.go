package functional

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valence-rsd/valence/tests/internal/procs"
)

// guideCLISection is the heading of the users guide's CLI walk-through.
const guideCLISection = "## The valence CLI"

// testGuideCLI runs every `valence` line of the users guide's CLI
// walk-through, through sh as a reader would, against valence-api --demo,
// with PODM_URL naming a simulator: each must succeed.
func testGuideCLI(t *testing.T, b backend) {
	root, err := procs.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	lines := guideCLILines(t, filepath.Join(root, "docs", "users-guide.md"))
	if len(lines) < 10 {
		t.Fatalf("the users guide's CLI walk-through has %d valence lines", len(lines))
	}
	base, _ := startDemo(t, b)
	sim := startSimulator(t, "--systems", "1")
	env := append(procs.CleanEnv(), "VALENCE_URL="+base, "PODM_URL="+sim.url,
		"PATH="+filepath.Dir(valenceBin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	for _, line := range lines {
		ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
		cmd := exec.CommandContext(ctx, "sh", "-c", line)
		cmd.Env = env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		cancel()
		if err != nil {
			t.Errorf("%s\n→ %v: %s", line, err, stderr.String())
		}
	}
}

// guideCLILines returns the lines starting with "valence " of the sh code
// blocks of the guide's CLI section.
func guideCLILines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	inSection, inCode := false, false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			inSection = line == guideCLISection
		case inSection && strings.HasPrefix(line, "```"):
			inCode = !inCode && strings.TrimPrefix(line, "```") == "sh"
		case inSection && inCode && strings.HasPrefix(line, "valence "):
			lines = append(lines, line)
		}
	}
	return lines
}
