package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRunFlags(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"--version"}, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "valence-api ") {
		t.Errorf("--version: code %d, out %q", code, out.String())
	}
	out.Reset()
	t.Setenv("VALENCE_LOG_LEVEL", "chatty")
	if code := run(context.Background(), nil, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "VALENCE_LOG_LEVEL") {
		t.Errorf("bad setting: code %d, stderr %q", code, errOut.String())
	}
	if code := run(context.Background(), []string{"--bogus"}, &out, &errOut); code != 2 {
		t.Errorf("unknown flag: code %d", code)
	}
}
