package config

import (
	"fmt"
	"reflect"
	"strings"
)

// EnvFile renders every setting as a commented KEY=default line, the content
// of configs/valence-api.env (used by the systemd unit's EnvironmentFile).
func EnvFile() string {
	var b strings.Builder
	b.WriteString("# Settings of valence-api. Each line is VALENCE_<NAME>=<default>; uncomment and\n")
	b.WriteString("# change what you need. This file is generated from internal/config: after a\n")
	b.WriteString("# change there, run `go test ./internal/config -update`.\n")
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		f := t.Field(i)
		fmt.Fprintf(&b, "\n# %s\n#%s_%s=%s\n", f.Tag.Get("desc"), Prefix, f.Tag.Get("envconfig"), f.Tag.Get("default"))
	}
	return b.String()
}
