package valence

import (
	"strings"
	"testing"
	"time"
)

func TestCanonicalURL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"http://h:8000", "http://h:8000"},
		{"http://h:8000/", "http://h:8000"},
		{"http://h:8000/redfish/v1/", "http://h:8000"},
		{"http://h:8000/redfish/v1", "http://h:8000"},
		{"HTTP://PodM.Example:8000//", "http://podm.example:8000"},
		{"http://h:80/redfish/v1", "http://h"},
		{"https://h:443", "https://h"},
		{"https://h:80", "https://h:80"},
		{"http://h:443", "http://h:443"},
		{"https://[FE80::1]:443/redfish/v1/", "https://[fe80::1]"},
		{"https://[fe80::1]:8443", "https://[fe80::1]:8443"},
		{"https://proxy.example/podm1/redfish/v1/", "https://proxy.example/podm1"},
		{"  https://h  ", "https://h"},
	} {
		got, err := canonicalURL(c.in)
		if err != nil || got != c.want {
			t.Errorf("canonicalURL(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{
		"ftp://h", "h:8000", "https://", "https://:8000", "https://h:0", "https://h:65536", "https://h:x",
		"https://h?x=1", "https://h/#top", "https://h?", "mailto:a@b",
	} {
		if got, err := canonicalURL(in); !IsCode(err, Invalid) {
			t.Errorf("canonicalURL(%q) = %q, %v; want Invalid", in, got, err)
		}
	}
}

// One service is registered once: through any spelling of its URL, or at another URL whose
// service root has the same UUID. The refusal names the first registration.
func TestPodManagerRegisteredTwice(t *testing.T) {
	f := newFixture(t)
	first, p := f.podm("rack1", 1)
	for _, variant := range []string{
		"HTTPS://RACK1.TEST:8443/redfish/v1/", "https://rack1.test:8443/redfish/v1", "https://Rack1.test:8443//",
	} {
		sp := f.spec(p, "again")
		sp.URL = variant
		_, err := f.svc.CreatePodManager(f.ctx, sp)
		wantCode(t, variant, err, Conflict)
		wantMessage(t, variant, err, first.Name, first.UUID)
	}

	// A service root with a UUID, reached at two addresses.
	f2 := newFixture(t)
	a := f2.fake("bmc-a", 1)
	b := f2.fake("bmc-b", 1)
	c := f2.fake("bmc-c", 1)
	for _, p := range []*fakePodm{a, b} {
		p.set(func(p *fakePodm) { p.info.UUID = "92384634-2938-2342-8820-489239905423" })
	}
	firstA := must[PodManager](t, "a")(f2.svc.CreatePodManager(f2.ctx, f2.spec(a, "bmc-a")))
	if firstA.ServiceUUID != "92384634-2938-2342-8820-489239905423" {
		t.Errorf("service uuid %q not recorded", firstA.ServiceUUID)
	}
	_, err := f2.svc.CreatePodManager(f2.ctx, f2.spec(b, "bmc-b"))
	wantCode(t, "same service uuid", err, Conflict)
	wantMessage(t, "same service uuid", err, "bmc-a", firstA.UUID, "92384634-2938-2342-8820-489239905423")
	// Services without a UUID are told apart by their URLs only.
	must[PodManager](t, "c")(f2.svc.CreatePodManager(f2.ctx, f2.spec(c, "bmc-c")))
	if ids := f2.store.ids(KindPodManager); len(ids) != 2 {
		t.Errorf("stored %v, want bmc-a and bmc-c", ids)
	}
	f2.svc.conns.mu.Lock()
	defer f2.svc.conns.mu.Unlock()
	if n := len(f2.svc.conns.conns); n != 2 {
		t.Errorf("%d connections kept, want those of the 2 registered", n)
	}
}

// A record written before URLs were made canonical keeps working: an update that does not
// change the URL is accepted and stores the canonical form.
func TestUpdatePodManagerWithLegacyURL(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 1)
	if _, err := f.svc.podms.modify(f.ctx, pm.UUID, func(cur *PodManager) error {
		cur.URL = strings.ToUpper(p.url[:5]) + p.url[5:] + "/redfish/v1/"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.UpdatePodManager(f.ctx, pm.UUID, func(sp *PodManagerSpec) error { sp.Description = "x"; return nil })
	if err != nil || got.URL != p.url {
		t.Errorf("update: %q, %v; want url %q", got.URL, err, p.url)
	}
}

// No message of the store, which names its buckets, reaches the caller.
func TestStoreMessagesStayInTheLog(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		code Code
	}{
		{"not found", Errorf(NotFound, "pod_managers %q not found", "x"), NotFound},
		{"stale", Errorf(Conflict, "pod_managers %q was changed meanwhile (revision 3, not 2)", "x"), Conflict},
		{"taken", Wrap(&Taken{Index: "url", Value: "https://h"}, Conflict, "pod_managers with url %q already exists", "https://h"), Conflict},
		{"too large", Errorf(Invalid, "pod_managers %q: 2000000 bytes exceed the record size limit of 1048576", "x"), Invalid},
		{"damaged", Errorf(Internal, "stored pod_managers %q is damaged", "x"), Internal},
	} {
		f := newFixture(t)
		pm, _ := f.podm("rack1", 1)
		f.store.fail = func(string, Kind) error { return c.err }
		for op, err := range map[string]error{
			"get":  func() error { _, err := f.svc.podmByID(f.ctx, pm.UUID); return err }(),
			"list": func() error { _, _, err := f.svc.ListPodManagers(f.ctx, nil, Page{}); return err }(),
			"update": func() error {
				_, err := f.svc.UpdatePodManager(f.ctx, pm.UUID, func(*PodManagerSpec) error { return nil })
				return err
			}(),
			"delete": f.svc.DeletePodManager(f.ctx, pm.UUID, false),
		} {
			wantCode(t, c.name+" "+op, err, c.code)
			var e *Error
			if asError(err, &e); strings.Contains(e.Message, "pod_managers") || !strings.Contains(e.Message, "od manager") {
				t.Errorf("%s %s: %q", c.name, op, e.Message)
			}
		}
	}
}

// A service registered twice while its root UUID was unknown (it was unreachable) keeps its
// status up to date once both answer, without the second record taking the UUID.
func TestRefreshWithASharedServiceUUID(t *testing.T) {
	f := newFixture(t)
	a, b := f.fake("bmc-a", 1), f.fake("bmc-b", 1)
	for _, p := range []*fakePodm{a, b} {
		p.set(func(p *fakePodm) { p.info.UUID = "92384634-2938-2342-8820-489239905423" })
	}
	must[PodManager](t, "a")(f.svc.CreatePodManager(f.ctx, f.spec(a, "bmc-a")))
	b.setDown(true)
	second := must[PodManager](t, "b")(f.svc.CreatePodManager(f.ctx, f.spec(b, "bmc-b")))
	if second.Status != StatusOffline {
		t.Fatalf("b: %s", second.Status)
	}
	b.setDown(false)
	f.clock.advance(time.Minute)
	got, err := f.svc.GetPodManager(f.ctx, second.UUID)
	if err != nil || got.Status != StatusOnline {
		t.Fatalf("GetPodManager: %s, %v", got.Status, err)
	}
	stored, _, _ := f.svc.podms.get(f.ctx, second.UUID)
	if stored.Status != StatusOnline || stored.ServiceUUID != "" {
		t.Errorf("stored %s with service uuid %q, want Online without one", stored.Status, stored.ServiceUUID)
	}
}
