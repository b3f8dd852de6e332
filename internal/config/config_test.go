package config

import (
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite configs/valence-api.env from the Config struct")

const envFilePath = "../../configs/valence-api.env"

// clearEnv unsets every VALENCE_ variable for the test, so the host's
// environment cannot leak into it.
func clearEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, Prefix+"_") {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
	}
}

func TestDefaults(t *testing.T) {
	clearEnv(t)
	c, err := Load()
	if err != nil {
		t.Fatalf("Load with no settings: %v", err)
	}
	want := Config{
		Listen:                    "127.0.0.1:8181",
		LogLevel:                  "info",
		LogFormat:                 "json",
		AuthStrategy:              "noauth",
		Store:                     "bolt:///var/lib/valence/valence.db",
		EtcdPrefix:                "/valence",
		EtcdLeaseTTL:              10 * time.Second,
		KeystoneProjectName:       "service",
		KeystoneUserDomainName:    "Default",
		KeystoneProjectDomainName: "Default",
		TokenCacheTTL:             5 * time.Minute,
		ProbeInterval:             30 * time.Second,
		InventoryTTL:              5 * time.Second,
		InventoryMaxStale:         time.Minute,
		PodmTimeout:               30 * time.Second,
		PodmMaxResponse:           4 << 20,
		PodmMaxMembers:            100_000,
		PodmParallelism:           16,
		PodmETags:                 true,
		PodmMaxInFlight:           64,
		ComposeTimeout:            10 * time.Minute,
		ShutdownTimeout:           30 * time.Second,
		Metrics:                   true,
		BasicMaxFailures:          10,
		BasicFailureWindow:        time.Minute,
		UI:                        true,
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("defaults\n got %+v\nwant %+v", c, want)
	}
}

func TestValuesAreRead(t *testing.T) {
	clearEnv(t)
	t.Setenv("VALENCE_LISTEN", "[::1]:9000")
	t.Setenv("VALENCE_STORE", "etcd://10.0.0.1:2379,10.0.0.2:2379")
	t.Setenv("VALENCE_PODM_TIMEOUT", "5s")
	t.Setenv("VALENCE_METRICS", "false")
	t.Setenv("VALENCE_CORS_ORIGINS", "https://a.example,https://b.example")
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "[::1]:9000" || c.Store != "etcd://10.0.0.1:2379,10.0.0.2:2379" ||
		c.PodmTimeout != 5*time.Second || c.Metrics ||
		!reflect.DeepEqual(c.CORSOrigins, []string{"https://a.example", "https://b.example"}) {
		t.Errorf("settings not read: %+v", c)
	}
}

func TestBadValuesNameTheVariable(t *testing.T) {
	cases := []struct {
		env   map[string]string
		names string // the variable the error must name
	}{
		{map[string]string{"VALENCE_LISTEN": "8181"}, "VALENCE_LISTEN"},
		{map[string]string{"VALENCE_LOG_LEVEL": "loud"}, "VALENCE_LOG_LEVEL"},
		{map[string]string{"VALENCE_LOG_FORMAT": "xml"}, "VALENCE_LOG_FORMAT"},
		{map[string]string{"VALENCE_AUTH_STRATEGY": "trust-me"}, "VALENCE_AUTH_STRATEGY"},
		{map[string]string{"VALENCE_STORE": "mysql://db"}, "VALENCE_STORE"},
		{map[string]string{"VALENCE_STORE": "::"}, "VALENCE_STORE"},
		{map[string]string{"VALENCE_PODM_TIMEOUT": "soon"}, "VALENCE_PODM_TIMEOUT"},
		{map[string]string{"VALENCE_PODM_TIMEOUT": "-1s"}, "VALENCE_PODM_TIMEOUT"},
		{map[string]string{"VALENCE_PODM_MAX_RESPONSE": "1000"}, "VALENCE_PODM_MAX_RESPONSE"},
		{map[string]string{"VALENCE_PODM_MAX_RESPONSE": "4GiB"}, "VALENCE_PODM_MAX_RESPONSE"},
		{map[string]string{"VALENCE_PODM_MAX_MEMBERS": "99"}, "VALENCE_PODM_MAX_MEMBERS"},
		{map[string]string{"VALENCE_PODM_MAX_MEMBERS": "1000001"}, "VALENCE_PODM_MAX_MEMBERS"},
		{map[string]string{"VALENCE_PODM_MAX_MEMBERS": "many"}, "VALENCE_PODM_MAX_MEMBERS"},
		{map[string]string{"VALENCE_COMPOSE_TIMEOUT": "0s"}, "VALENCE_COMPOSE_TIMEOUT"},
		{map[string]string{"VALENCE_SHUTDOWN_TIMEOUT": "10"}, "VALENCE_SHUTDOWN_TIMEOUT"},
		{map[string]string{"VALENCE_METRICS": "sometimes"}, "VALENCE_METRICS"},
		{map[string]string{"VALENCE_TLS_CERT": "/etc/valence/cert.pem"}, "VALENCE_TLS_CERT"},
		{map[string]string{"VALENCE_TLS_KEY": "/etc/valence/key.pem"}, "VALENCE_TLS_CERT"},
		{map[string]string{"VALENCE_ETCD_CERT_FILE": "/c.pem"}, "VALENCE_ETCD_CERT_FILE"},
		{map[string]string{"VALENCE_PROBE_INTERVAL": "0s"}, "VALENCE_PROBE_INTERVAL"},
		{map[string]string{"VALENCE_INVENTORY_TTL": "0s"}, "VALENCE_INVENTORY_TTL"},
		{map[string]string{"VALENCE_INVENTORY_TTL": "2h"}, "VALENCE_INVENTORY_TTL"},
		{map[string]string{"VALENCE_INVENTORY_MAX_STALE": "-1s"}, "VALENCE_INVENTORY_MAX_STALE"},
		{map[string]string{"VALENCE_INVENTORY_MAX_STALE": "2h"}, "VALENCE_INVENTORY_MAX_STALE"},
		{map[string]string{"VALENCE_PODM_PARALLELISM": "0"}, "VALENCE_PODM_PARALLELISM"},
		{map[string]string{"VALENCE_PODM_PARALLELISM": "65"}, "VALENCE_PODM_PARALLELISM"},
		{map[string]string{"VALENCE_ETCD_LEASE_TTL": "1s"}, "VALENCE_ETCD_LEASE_TTL"},
		{map[string]string{"VALENCE_ETCD_LEASE_TTL": "2500ms"}, "VALENCE_ETCD_LEASE_TTL"},
		{map[string]string{"VALENCE_TOKEN_CACHE_TTL": "forever"}, "VALENCE_TOKEN_CACHE_TTL"},
		{map[string]string{"VALENCE_AUTH_STRATEGY": "keystone"}, "VALENCE_KEYSTONE_AUTH_URL"},
		{map[string]string{"VALENCE_AUTH_STRATEGY": "http_basic"}, "VALENCE_HTPASSWD_FILE"},
		{map[string]string{"VALENCE_PUBLIC_URL": "valence.example:8181"}, "VALENCE_PUBLIC_URL"},
		{map[string]string{"VALENCE_PUBLIC_URL": "ftp://valence.example"}, "VALENCE_PUBLIC_URL"},
		{map[string]string{"VALENCE_PUBLIC_URL": "https://valence.example/?a=b"}, "VALENCE_PUBLIC_URL"},
		{map[string]string{"VALENCE_PUBLIC_URL": "https://valence.example/#top"}, "VALENCE_PUBLIC_URL"},
		{map[string]string{"VALENCE_PUBLIC_URL": "https://u:p@valence.example"}, "VALENCE_PUBLIC_URL"},
		{map[string]string{"VALENCE_KEYSTONE_AUTH_URL": "keystone:5000"}, "VALENCE_KEYSTONE_AUTH_URL"},
		{map[string]string{"VALENCE_BASIC_MAX_FAILURES": "-1"}, "VALENCE_BASIC_MAX_FAILURES"},
		{map[string]string{"VALENCE_BASIC_FAILURE_WINDOW": "0s"}, "VALENCE_BASIC_FAILURE_WINDOW"},
	}
	for _, tc := range cases {
		t.Run(tc.names, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			_, err := Load()
			if err == nil {
				t.Fatalf("Load accepted %v", tc.env)
			}
			if !strings.Contains(err.Error(), tc.names) {
				t.Errorf("error %q does not name %s", err, tc.names)
			}
		})
	}
}

// A Keystone URL with credentials stops the start, and the error does not
// repeat them: they would otherwise be logged and sent to every caller in
// the 401's WWW-Authenticate.
func TestKeystoneURLWithCredentialsIsRefusedUnshown(t *testing.T) {
	for _, raw := range []string{"https://valence:s3cr3t@keystone.example:5000/v3", "https://s3cr3t@keystone.example/v3"} {
		clearEnv(t)
		t.Setenv("VALENCE_AUTH_STRATEGY", "keystone")
		t.Setenv("VALENCE_KEYSTONE_AUTH_URL", raw)
		t.Setenv("VALENCE_KEYSTONE_USERNAME", "valence")
		t.Setenv("VALENCE_KEYSTONE_PASSWORD", "other")
		_, err := Load()
		if err == nil || !strings.Contains(err.Error(), "VALENCE_KEYSTONE_AUTH_URL") || !strings.Contains(err.Error(), "credentials") {
			t.Errorf("%s: %v, want a refusal naming VALENCE_KEYSTONE_AUTH_URL", raw, err)
		} else if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("the error shows the secret: %v", err)
		}
	}
	clearEnv(t)
	t.Setenv("VALENCE_KEYSTONE_AUTH_URL", "https://keystone.example:5000/v3")
	t.Setenv("VALENCE_PUBLIC_URL", "https://valence.example/rsd/")
	if _, err := Load(); err != nil {
		t.Errorf("good URLs refused: %v", err)
	}
}

func TestEveryFieldIsDocumented(t *testing.T) {
	typ := reflect.TypeFor[Config]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		if f.Tag.Get("envconfig") == "" || f.Tag.Get("desc") == "" {
			t.Errorf("field %s lacks an envconfig name or a desc", f.Name)
		}
		if _, ok := f.Tag.Lookup("default"); !ok {
			t.Errorf("field %s has no default", f.Name)
		}
	}
}

// TestEnvFileMatchesStruct fails when configs/valence-api.env and the struct
// disagree; -update rewrites the file.
func TestEnvFileMatchesStruct(t *testing.T) {
	want := EnvFile()
	if *update {
		if err := os.WriteFile(envFilePath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(envFilePath)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s is out of date with internal/config; run: go test ./internal/config -update", envFilePath)
	}
	// Each documented default must also be what Load yields: parse the file
	// back and load it.
	clearEnv(t)
	for _, line := range strings.Split(string(got), "\n") {
		if kv, ok := strings.CutPrefix(line, "#"+Prefix+"_"); ok {
			k, v, _ := strings.Cut(kv, "=")
			t.Setenv(Prefix+"_"+k, v)
		}
	}
	fromFile, err := Load()
	if err != nil {
		t.Fatalf("the env file's defaults do not load: %v", err)
	}
	clearEnv(t)
	defaults, _ := Load()
	if !reflect.DeepEqual(fromFile, defaults) {
		t.Errorf("env file defaults %+v differ from struct defaults %+v", fromFile, defaults)
	}
}

// TestOperatorsGuideNamesEverySetting keeps the operator's guide's table
// of settings complete.
func TestOperatorsGuideNamesEverySetting(t *testing.T) {
	guide, err := os.ReadFile("../../docs/operators-guide.md")
	if err != nil {
		t.Fatal(err)
	}
	ty := reflect.TypeFor[Config]()
	for i := range ty.NumField() {
		name := Prefix + "_" + ty.Field(i).Tag.Get("envconfig")
		if !strings.Contains(string(guide), "`"+name+"`") {
			t.Errorf("docs/operators-guide.md does not describe %s", name)
		}
	}
}
