package store

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/valence-rsd/valence/internal/store/etcd/etcdtest"
	"github.com/valence-rsd/valence/internal/valence"
)

func TestParse(t *testing.T) {
	cases := []struct {
		url       string
		boltPath  string
		endpoints []string
	}{
		{"bolt:///var/lib/valence/valence.db", "/var/lib/valence/valence.db", nil},
		{"bolt://valence.db", "valence.db", nil},
		{"bolt://state/valence.db", "state/valence.db", nil},
		{"etcd://h1:2379,h2:2379", "", []string{"h1:2379", "h2:2379"}},
		{"etcd://h1:2379/", "", []string{"h1:2379"}},
		{"etcd://h1", "", []string{"h1:2379"}},
		{"etcd://10.0.0.1:12379,[::1]:2379,[fe80::1]", "", []string{"10.0.0.1:12379", "[::1]:2379", "[fe80::1]:2379"}},
		{"etcds://h1:2379,h2", "", []string{"https://h1:2379", "https://h2:2379"}},
	}
	for _, c := range cases {
		loc, err := parse(c.url)
		if err != nil {
			t.Errorf("%s: %v", c.url, err)
			continue
		}
		if loc.boltPath != c.boltPath || !slices.Equal(loc.endpoints, c.endpoints) {
			t.Errorf("%s: got %+v, want path %q endpoints %v", c.url, loc, c.boltPath, c.endpoints)
		}
	}
}

func TestOpenRejects(t *testing.T) {
	for _, url := range []string{
		"", "/var/lib/valence/valence.db", "bolt:/var/lib/x.db", "bolt://", "bolt:///x.db?mode=rw",
		"mysql://h/db", "etcd://", "etcd://h1:2379,", "etcd://h1:port", "etcd://h1:0", "etcd://h1:2379/valence",
		"etcd://::1:2379", "etcd://[::1", "http://h1:2379",
	} {
		_, err := Open(t.Context(), url, EtcdOptions{})
		if err == nil || !strings.Contains(err.Error(), "VALENCE_STORE") {
			t.Errorf("%q: error %v, want one naming VALENCE_STORE", url, err)
		}
	}
	_, err := Open(t.Context(), "etcd://root:secret@h1:2379", EtcdOptions{})
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("credentials in the URL: error %v, want a refusal that does not repeat them", err)
	}
}

func TestOpenBolt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "valence.db")
	s, err := Open(t.Context(), "bolt://"+path, EtcdOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Ping(t.Context()); err != nil {
		t.Error(err)
	}
}

func TestOpenEtcd(t *testing.T) {
	endpoints := etcdtest.Start(t)
	s, err := Open(t.Context(), "etcd://"+strings.Join(endpoints, ","), EtcdOptions{Prefix: "/opened"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Create(t.Context(), valence.Record{Kind: valence.KindFlavor, ID: "f1"}); err != nil {
		t.Fatal(err)
	}
	// The prefix reached the store: another prefix does not see the record.
	other, err := Open(t.Context(), "etcd://"+endpoints[0], EtcdOptions{Prefix: "/elsewhere"})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Get(t.Context(), valence.KindFlavor, "f1"); !valence.IsCode(err, valence.NotFound) {
		t.Errorf("Get under another prefix: %v, want NotFound", err)
	}
}
