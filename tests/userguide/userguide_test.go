package userguide

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	guide = "../../docs/users-guide.md"
	// guideURL is the server the guide talks to (make demo's address); the
	// test's demo listens elsewhere and the script is rewritten to it.
	guideURL = "http://127.0.0.1:8181"
	// startTimeout bounds the build and the demo's start on a loaded machine.
	startTimeout = 2 * time.Minute
)

var (
	assignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	// expected is a trailing comment that names the status a line answers.
	expected = regexp.MustCompile(`#\s*([1-5][0-9][0-9])\b`)
)

// curlBlocks returns the guide's ```sh blocks made only of curl commands,
// variable assignments (which may call curl) and comments, each as its logical lines (a command
// continues while a single quote is open or a line ends with a backslash).
func curlBlocks(md string) [][]string {
	var blocks [][]string
	var cur []string
	in := false
	for _, line := range strings.Split(md, "\n") {
		switch {
		case !in && strings.TrimSpace(line) == "```sh":
			in, cur = true, nil
		case in && strings.TrimSpace(line) == "```":
			in = false
			if logical := join(cur); isCurlBlock(logical) {
				blocks = append(blocks, logical)
			}
		case in:
			cur = append(cur, line)
		}
	}
	return blocks
}

func join(lines []string) []string {
	var out []string
	acc := ""
	for _, l := range lines {
		if acc != "" {
			acc += "\n"
		}
		acc += l
		if strings.Count(acc, "'")%2 == 1 || strings.HasSuffix(l, `\`) {
			continue
		}
		out = append(out, acc)
		acc = ""
	}
	if acc != "" {
		out = append(out, acc)
	}
	return out
}

func isCurlBlock(lines []string) bool {
	commands := 0
	for _, l := range lines {
		t := strings.TrimSpace(l)
		switch {
		case t == "" || strings.HasPrefix(t, "#"):
		case strings.HasPrefix(t, "curl "), assignment.MatchString(t):
			commands++
		default:
			return false
		}
	}
	return commands > 0
}

// harness wraps curl: each call's status is logged and checked, 2xx unless
// EXPECT names another; a failure stops the script.
const harness = `set -euo pipefail
curl() {
	local out code want=${EXPECT:-2xx}
	out=$(command curl -sS -w '\n%{http_code}' "$@") || { echo "curl could not run: $*" >&2; return 1; }
	code=${out##*$'\n'}
	out=${out%$'\n'*}
	local args="$*"
	printf '%s\t%s\t%s\n' "$code" "$want" "${args//$'\n'/ }" >>"$GUIDE_LOG"
	printf '%s\n' "$out"
	case $want in
	2xx) [[ $code == 2* ]] ;;
	*) [[ $code == "$want" ]] ;;
	esac || { echo "FAILED: curl $* answered $code, the guide says $want: $out" >&2; return 1; }
}
`

// TestUsersGuide runs every curl block of the guide against the demo.
func TestUsersGuide(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("CI=true: %s not found", tool)
			}
			t.Skipf("%s not found: the guide's examples need it", tool)
		}
	}
	md, err := os.ReadFile(guide)
	if err != nil {
		t.Fatal(err)
	}
	blocks := curlBlocks(string(md))
	if len(blocks) < 5 {
		t.Fatalf("only %d curl blocks found in %s", len(blocks), guide)
	}
	base := startDemo(t)

	var script strings.Builder
	script.WriteString(harness)
	calls := 0
	for i, b := range blocks {
		fmt.Fprintf(&script, "echo '### block %d' >&2\n", i+1)
		for _, l := range b {
			calls += strings.Count(l, "curl ")
			t := strings.TrimSpace(l)
			if m := expected.FindStringSubmatch(l); m != nil && strings.HasPrefix(t, "curl ") {
				l = "EXPECT=" + m[1] + " " + t
			}
			script.WriteString(strings.ReplaceAll(l, guideURL, base) + "\n")
		}
	}
	dir := t.TempDir()
	logFile := filepath.Join(dir, "calls.log")
	cmd := exec.Command("bash", "-c", script.String())
	cmd.Env = append(os.Environ(), "GUIDE_LOG="+logFile)
	out, err := cmd.CombinedOutput()
	calls0, _ := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("the guide's curl blocks failed: %v\n%s\ncalls:\n%s", err, out, calls0)
	}
	if got := strings.Count(string(calls0), "\n"); got != calls {
		t.Errorf("%d curl calls ran, the guide has %d:\n%s", got, calls, calls0)
	}
	t.Logf("%d curl calls of %d blocks ran as the guide says", calls, len(blocks))
}

// TestCurlBlocks checks the extraction itself on a made-up guide.
func TestCurlBlocks(t *testing.T) {
	md := "text\n```sh\nV=x\ncurl -s $V -d '{\"a\":\n  1}'   # 409\n```\n```sh\nvalence node list\n```\n```json\n{}\n```\n"
	got := curlBlocks(md)
	if len(got) != 1 || len(got[0]) != 2 || !strings.HasPrefix(got[0][1], "curl -s $V -d '{\"a\":\n  1}'") {
		t.Errorf("curlBlocks: %q", got)
	}
}

// startDemo builds valence-api and runs `valence-api --demo` on a free
// port, returning its URL once it has printed its greeting.
func startDemo(t *testing.T) string {
	dir := t.TempDir()
	bin := filepath.Join(dir, "valence-api")
	build := exec.Command("go", "build", "-o", bin, "./cmd/valence-api")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "--demo")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VALENCE_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "VALENCE_LISTEN="+addr, "VALENCE_LOG_LEVEL=warn")
	stderr := filepath.Join(dir, "stderr")
	ef, err := os.Create(stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer ef.Close()
	cmd.Stderr = ef
	cmd.SysProcAttr = procAttr()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			b, _ := os.ReadFile(stderr)
			t.Errorf("valence-api --demo: %v\n%s", err, b)
		}
	})
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		ok := false
		for sc.Scan() {
			if strings.Contains(sc.Text(), "Stop with Ctrl-C") && !ok {
				ok = true
				ready <- true
			}
		}
		if !ok {
			ready <- false
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			b, _ := os.ReadFile(stderr)
			t.Fatalf("valence-api --demo ended before its greeting:\n%s", b)
		}
	case <-time.After(startTimeout):
		t.Fatalf("valence-api --demo printed no greeting within %s", startTimeout)
	}
	return "http://" + addr
}
