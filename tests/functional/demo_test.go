package functional

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// testDemo runs `valence-api --demo` and sends every curl line it prints,
// as printed, then runs every valence line: each must succeed. The
// dashboard it names answers with its noauth banner.
func testDemo(t *testing.T, b backend) {
	base, demo := startDemo(t, b)
	lines, cliLines := demo.curl, demo.cli
	if len(lines) == 0 || len(cliLines) == 0 {
		t.Fatalf("valence-api --demo printed %d curl and %d valence lines", len(lines), len(cliLines))
	}
	checkDemoDashboard(t, base, demo.dashboard)
	c := newClient(base)
	for _, line := range lines {
		method, url, body := parseCurl(t, line)
		if !strings.HasPrefix(url, c.base+"/") {
			t.Errorf("%s: not a URL of the API at %s", line, c.base)
			continue
		}
		var payload any
		if body != "" {
			payload = body
		}
		if r := c.do(t, method, url, payload); r.status/100 != 2 {
			t.Errorf("%s\n→ %d %s", line, r.status, r.body)
		}
	}
	// The CLI lines, after the `export VALENCE_URL=` the demo prints.
	for _, line := range cliLines {
		if url, ok := strings.CutPrefix(line, "export VALENCE_URL="); ok {
			if url != c.base {
				t.Errorf("%s: not the API at %s", line, c.base)
			}
			continue
		}
		if r := runCLI(t, c.base, nil, strings.Fields(line)[1:]...); r.code != 0 {
			t.Errorf("%s\n→ exit %d: %s", line, r.code, r.stderr)
		}
	}
}

// checkDemoDashboard checks that the demo names its dashboard, on its own
// address, and that the page answers with the noauth banner.
func checkDemoDashboard(t *testing.T, base, dashboard string) {
	t.Helper()
	if dashboard != base+"/ui/" {
		t.Fatalf("valence-api --demo names the dashboard %q, want %s/ui/", dashboard, base)
	}
	resp, err := http.Get(dashboard)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `id="noauth-banner"`) {
		t.Errorf("GET %s: %d, want 200 with the noauth banner:\n%s", dashboard, resp.StatusCode, page)
	}
}

// demoOutput is what `valence-api --demo` prints to try: curl lines, valence
// lines and the dashboard's URL.
type demoOutput struct {
	curl, cli []string
	dashboard string
}

// startDemo starts `valence-api --demo` and returns its URL once it has
// printed what to try, with what it printed. On bolt it runs without
// VALENCE_STORE, as `make demo` does, so that the demo keeps its records in
// a directory of its own.
func startDemo(t *testing.T, b backend) (base string, demo demoOutput) {
	t.Helper()
	var settings []string
	if b.etcd != nil {
		settings = b.storeEnv(t)
	}
	addr := freeAddr(t)
	settings = append(settings, "VALENCE_LISTEN="+addr, "VALENCE_LOG_LEVEL=warn")
	_, out := startProc(t, "valence-api-demo", apiBin, []string{"--demo"}, settings, true)
	return "http://" + addr, demoLines(t, out)
}

// demoDashboard starts the demo's line that names the dashboard's URL.
const demoDashboard = "Or in a browser: the dashboard, "

// demoLines reads the demo's output up to its last line and returns the
// curl commands, the valence commands and the dashboard's URL in it.
func demoLines(t *testing.T, out io.Reader) demoOutput {
	t.Helper()
	type result struct {
		demoOutput
		err error
	}
	done := make(chan result, 1)
	go func() {
		var res result
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if strings.HasPrefix(line, "curl ") {
				res.curl = append(res.curl, line)
			}
			if url, ok := strings.CutPrefix(line, demoDashboard); ok {
				res.dashboard = url
			}
			if strings.HasPrefix(line, "valence ") || strings.HasPrefix(line, "export VALENCE_URL=") {
				res.cli = append(res.cli, line)
			}
			if strings.HasPrefix(line, "Stop with") {
				break
			}
		}
		res.err = sc.Err()
		done <- res
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case res := <-done:
		if res.err != nil {
			t.Fatalf("reading the demo's output: %v", res.err)
		}
		return res.demoOutput
	case <-time.After(startTimeout):
		t.Fatalf("valence-api --demo printed nothing to try within %s", startTimeout)
		return demoOutput{}
	}
}

// parseCurl reads the method, URL and body of a curl command line as the
// demo prints them: words, and 'single-quoted' words, with -X, -H and -d.
func parseCurl(t *testing.T, line string) (method, url, body string) {
	t.Helper()
	var words []string
	for rest := strings.TrimSpace(line); rest != ""; rest = strings.TrimSpace(rest) {
		if rest[0] == '\'' {
			end := strings.IndexByte(rest[1:], '\'')
			if end < 0 {
				t.Fatalf("unbalanced quote in %s", line)
			}
			words, rest = append(words, rest[1:end+1]), rest[end+2:]
			continue
		}
		word, after, _ := strings.Cut(rest, " ")
		words, rest = append(words, word), after
	}
	method = http.MethodGet
	for i := 1; i < len(words); i++ {
		switch w := words[i]; {
		case w == "-X" && i+1 < len(words):
			i++
			method = words[i]
		case w == "-d" && i+1 < len(words):
			i++
			body = words[i]
			if method == http.MethodGet {
				method = http.MethodPost
			}
		case w == "-H" && i+1 < len(words):
			i++
		case strings.HasPrefix(w, "http"):
			url = w
		}
	}
	return method, url, body
}
