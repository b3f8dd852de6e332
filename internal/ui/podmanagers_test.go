package ui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/rsdsim"
	"github.com/valence-rsd/valence/internal/stacktest"
)

func TestRegisterPodManager(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	b := f.signedIn(t, "admin")
	resp, body := b.get("/ui/podmanagers")
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, "No pod manager is registered.", `data-action="register-podm"`,
		`<label for="f-url">`, `id="f-url" name="url"`, `<label for="f-tls_verify">`, `id="f-tls_verify" name="tls_verify" value="true" checked`,
		`<label for="f-driver">`, `<label for="f-ca_cert">`, `<label for="f-username">`, `<label for="f-password">`, `<label for="f-description">`, `<label for="f-location">`,
		`data-refresh="/ui/podmanagers?fragment=list"`)

	resp, body = b.send("/ui/podmanagers", f.registerForm("pod1"))
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/ui/podmanagers/") {
		t.Fatalf("register: %d %v\n%s", resp.StatusCode, resp.Header, body)
	}
	// A poll of the page left behind does not take the message.
	b.get("/ui/podmanagers?fragment=list")
	resp, body = b.get(resp.Header.Get("Location"))
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `id="flash" role="status" class="flash ok"`, "Pod manager pod1 registered: Online.",
		`<dd data-field="status"><span class="state-Online">Online</span>`, `<dd data-field="location">room 1</dd>`,
		`<dd data-field="rsd_version">2.`)
	wantNotIn(t, body, stacktest.SimPassword)
	// The message is shown once.
	_, body = b.get(resp.Request.URL.Path)
	wantNotIn(t, body, `id="flash"`)

	list := f.podManagers(t)
	if len(list) != 1 || list[0].Description != "lab pod" || !list[0].TLSVerify {
		t.Fatalf("registered %+v", list)
	}
	_, body = b.get("/ui/podmanagers")
	wantIn(t, body, `<table id="podmanagers-table">`, `<tr data-id="`+list[0].UUID+`">`, `<td data-field="status"><span class="state-Online">Online</span>`)
	// The polled part alone.
	resp, body = b.get("/ui/podmanagers?fragment=list")
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `<tr data-id="`+list[0].UUID+`">`)
	wantNotIn(t, body, "<html", `data-action="register-podm"`)
}

func TestRegisterPodManagerShowsTheAPIsMessagesAtTheFields(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	b := f.signedIn(t, "admin")
	form := f.registerForm("pod1")
	form.Set("url", "ftp://nowhere")
	resp, body := b.send("/ui/podmanagers", form)
	wantStatus(t, resp, body, http.StatusBadRequest)
	wantIn(t, body, `id="flash" role="alert" class="flash error"`, `<p class="field-error" id="f-url-error">url &#34;ftp://nowhere&#34; is not an http:// or https:// URL</p>`,
		`id="f-name" name="name" value="pod1"`, `id="f-url" name="url" value="ftp://nowhere"`)
	wantNotIn(t, body, `value="`+stacktest.SimPassword+`"`)

	form = f.registerForm("pod1")
	form.Set("password", "")
	resp, body = b.send("/ui/podmanagers", form)
	wantStatus(t, resp, body, http.StatusBadRequest)
	wantIn(t, body, `id="f-username-error"`)

	// A service registered already: the API's 409 names it.
	f.registered(t)
	resp, body = b.send("/ui/podmanagers", f.registerForm("pod2"))
	wantStatus(t, resp, body, http.StatusConflict)
	wantIn(t, body, "is registered already as pod manager pod1")
	list := f.podManagers(t)
	if len(list) != 1 {
		t.Fatalf("%d pod managers", len(list))
	}
}

func TestRegisterPodManagerWithoutCSRFChangesNothing(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	b := f.signedIn(t, "admin")
	form := f.registerForm("pod1")
	form.Set(CSRFField, "forged")
	resp, body := b.post("/ui/podmanagers", form)
	wantStatus(t, resp, body, http.StatusForbidden)
	list := f.podManagers(t)
	if len(list) != 0 {
		t.Fatalf("a refused form registered %+v", list)
	}
}

func TestReaderSeesNoPodManagerControls(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	pm := f.registered(t)
	b := f.signedIn(t, "rita")
	resp, body := b.get("/ui/podmanagers")
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `<tr data-id="`+pm.UUID+`">`)
	wantNotIn(t, body, "register-podm", "<form method=\"post\" action=\"/ui/podmanagers\"")
	resp, body = b.get("/ui/podmanagers/" + pm.UUID)
	wantStatus(t, resp, body, http.StatusOK)
	wantNotIn(t, body, "update-podm", "delete-podm")
	// A form sent anyway is refused by the API's policy.
	resp, body = b.send("/ui/podmanagers", f.registerForm("pod2"))
	wantStatus(t, resp, body, http.StatusForbidden)
	wantIn(t, body, "valence:podmanager:create")
	resp, body = b.send("/ui/podmanagers/"+pm.UUID+"/delete", url.Values{})
	wantStatus(t, resp, body, http.StatusForbidden)
	if status := f.api(t, "admin", http.MethodGet, "/v1/pod_managers/"+pm.UUID, "", nil); status != http.StatusOK {
		t.Fatalf("the pod manager is gone: %d", status)
	}
}

func TestUpdatePodManager(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	pm := f.registered(t)
	b := f.signedIn(t, "admin")
	resp, body := b.get("/ui/podmanagers/" + pm.UUID)
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `data-action="update-podm"`, `id="f-name" name="name" value="pod1"`, `id="f-username" name="username" value="`+stacktest.SimUser+`"`)

	resp, body = b.send("/ui/podmanagers/"+pm.UUID, url.Values{
		"name": {"pod-renamed"}, "username": {stacktest.SimUser}, "password": {""},
		"location": {"room 2"}, "description": {"moved"}, "tls_verify": {"true"}, "ca_cert": {""},
	})
	wantRedirect(t, resp, body, "/ui/podmanagers/"+pm.UUID)
	var got api.PodManager
	f.api(t, "admin", http.MethodGet, "/v1/pod_managers/"+pm.UUID, "", &got)
	if got.Name != "pod-renamed" || got.Location != "room 2" || got.Description != "moved" || got.Status != api.PodManagerOnline {
		t.Fatalf("updated %+v", got)
	}
	// The CA certificates go as given, and the form shows them back.
	_, pem, err := rsdsim.SelfSignedCert("podm.test")
	if err != nil {
		t.Fatal(err)
	}
	ca := string(pem)
	resp, body = b.send("/ui/podmanagers/"+pm.UUID, url.Values{"name": {"pod-renamed"}, "tls_verify": {"true"}, "ca_cert": {ca}})
	wantRedirect(t, resp, body, "/ui/podmanagers/"+pm.UUID)
	f.api(t, "admin", http.MethodGet, "/v1/pod_managers/"+pm.UUID, "", &got)
	if got.CACert != ca {
		t.Fatalf("ca_cert %q", got.CACert)
	}
	_, body = b.get("/ui/podmanagers/" + pm.UUID)
	// (html/template escapes the base64's "+" and "=", so the armour lines stand for it.)
	wantIn(t, body, "with its own CA certificates", ">-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n</textarea>")
	// What is not a certificate is refused next to its field.
	resp, body = b.send("/ui/podmanagers/"+pm.UUID, url.Values{"name": {"pod-renamed"}, "tls_verify": {"true"}, "ca_cert": {"not a certificate"}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	wantIn(t, body, "no PEM certificate")
	// A refused change shows what was sent, with the message.
	resp, body = b.send("/ui/podmanagers/"+pm.UUID, url.Values{"name": {strings.Repeat("n", 300)}, "tls_verify": {"true"}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	wantIn(t, body, `id="f-name-error"`, `value="`+strings.Repeat("n", 300)+`"`)
}

func TestDeletePodManager(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	pm := f.registered(t)
	var node api.Node
	if status := f.api(t, "admin", http.MethodPost, "/v1/nodes", `{"name":"n1","podm_id":"`+pm.UUID+`"}`, &node); status != http.StatusCreated {
		t.Fatalf("compose: %d", status)
	}
	b := f.signedIn(t, "admin")
	_, body := b.get("/ui/podmanagers/" + pm.UUID)
	wantIn(t, body, `data-action="delete-podm" data-confirm="Delete pod manager pod1?"`, `<label for="f-force">`)
	// Its node stops it, and the page says which.
	resp, body := b.send("/ui/podmanagers/"+pm.UUID+"/delete", url.Values{})
	wantStatus(t, resp, body, http.StatusConflict)
	wantIn(t, body, "still has composed nodes", node.UUID)
	// force decomposes it first.
	resp, body = b.send("/ui/podmanagers/"+pm.UUID+"/delete", url.Values{"force": {"true"}})
	wantRedirect(t, resp, body, "/ui/podmanagers")
	if status := f.api(t, "admin", http.MethodGet, "/v1/pod_managers/"+pm.UUID, "", nil); status != http.StatusNotFound {
		t.Fatalf("still there: %d", status)
	}
	resp, body = b.get("/ui/podmanagers/" + pm.UUID)
	wantStatus(t, resp, body, http.StatusNotFound)
}
