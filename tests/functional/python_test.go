package functional

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// python is Debian's interpreter, the client behind most of OpenStack's tools.
const python = "/usr/bin/python3"

// oversizedFromPython posts size bytes to url with Python's urllib, which
// writes the whole body before it reads the answer, and checks that the
// answer is the 413 rather than a reset connection.
func oversizedFromPython(t *testing.T, url string, size int) {
	t.Helper()
	if _, err := os.Stat(python); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s: %v", python, err)
		}
		t.Logf("skipping the urllib check: %v", err)
		return
	}
	const script = `
import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[1], data=b"x" * int(sys.argv[2]), method="POST",
                             headers={"Content-Type": "application/json", "Connection": "close"})
try:
    urllib.request.urlopen(req, timeout=60)
    print("no error")
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
except Exception as e:
    print("failed:", repr(e))
`
	out, err := exec.Command(python, "-c", script, url, strconv.Itoa(size)).CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "413 ") || !strings.Contains(string(out), `"code":"RequestEntityTooLarge"`) {
		t.Errorf("urllib posting %d bytes: %v: %s, want the 413", size, err, out)
	}
}
