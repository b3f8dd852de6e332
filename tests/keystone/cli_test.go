package keystone

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/endpoints"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/regions"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/services"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/api/client"
	"github.com/valence-rsd/valence/internal/auth/keystonetest"
	"github.com/valence-rsd/valence/internal/cli"
)

// valence runs the CLI in-process with the environment vars.
func valence(vars map[string]string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = cli.Run(context.Background(), args, cli.Env{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv:   func(k string) string { return vars[k] },
		Terminal: func(io.Writer) (bool, int) { return false, 0 },
		Version:  "test",
	})
	return code, out.String(), errb.String()
}

// osVars are the OS_* settings of u against ks.
func osVars(ks *keystonetest.Keystone, u keystonetest.User) map[string]string {
	return map[string]string{
		"OS_AUTH_URL": ks.URL, "OS_USERNAME": u.Name, "OS_PASSWORD": u.Password,
		"OS_PROJECT_NAME": u.ProjectName, "OS_USER_DOMAIN_NAME": "Default", "OS_PROJECT_DOMAIN_NAME": "Default",
	}
}

// TestClientAndCLIWithKeystone: api/client's Keystone session and the
// valence CLI's OS_* settings against a real Keystone, the endpoint named
// or found in the catalog.
func TestClientAndCLIWithKeystone(t *testing.T) {
	e := start(t)
	admin := e.ks.NewUser(t, "cli-ops", "admin")
	member := e.ks.NewUser(t, "cli-a", "member")
	ctx := context.Background()

	adminOpts := gophercloud.AuthOptions{
		IdentityEndpoint: e.ks.URL, Username: admin.Name, Password: admin.Password, DomainName: "Default",
		Scope: &gophercloud.AuthScope{ProjectName: admin.ProjectName, DomainName: "Default"},
	}
	ks, err := client.NewKeystone(ctx, adminOpts, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(e.url, client.WithAuth(ks))
	if err != nil {
		t.Fatal(err)
	}
	fl, err := c.CreateFlavor(ctx, api.FlavorCreate{Name: "ks-cli", Properties: api.FlavorPropertiesInput{
		Processor: &api.ProcessorRequirementInput{TotalCores: 2}}})
	if err != nil {
		t.Fatalf("create a flavor as admin: %v", err)
	}

	// The CLI with OS_AUTH_URL and a password, the endpoint named.
	vars := osVars(e.ks, member)
	vars["VALENCE_URL"] = e.url
	if code, out, errs := valence(vars, "flavor", "list", "-f", "value", "-c", "uuid"); code != 0 || !strings.Contains(out, fl.UUID) {
		t.Errorf("flavor list as a member: exit %d, %q %q", code, out, errs)
	}
	if code, _, errs := valence(vars, "flavor", "delete", "ks-cli"); code != 1 || !strings.Contains(errs, "(HTTP 403 Forbidden)") {
		t.Errorf("flavor delete as a member: exit %d, %q", code, errs)
	}
	vars["OS_PASSWORD"] = "wrong"
	if code, _, errs := valence(vars, "flavor", "list"); code != 1 || !strings.Contains(errs, "keystone") {
		t.Errorf("a wrong password: exit %d, %q", code, errs)
	}
	// A token alone.
	tokVars := map[string]string{"VALENCE_URL": e.url, "OS_TOKEN": e.ks.Token(t, member)}
	if code, out, errs := valence(tokVars, "flavor", "show", "ks-cli", "-f", "value", "-c", "name"); code != 0 || out != "ks-cli\n" {
		t.Errorf("OS_TOKEN: exit %d, %q %q", code, out, errs)
	}

	// The endpoint from the catalog: service type rsd, in a region of this
	// test's own so that other runs' endpoints do not match.
	region := "cli-" + uuid.NewString()[:8]
	registerEndpoint(t, e.ks, region, e.url)
	catVars := osVars(e.ks, admin)
	catVars["OS_REGION_NAME"] = region
	if code, out, errs := valence(catVars, "flavor", "delete", "ks-cli"); code != 0 || !strings.Contains(out, "Deleted flavor ks-cli") {
		t.Errorf("flavor delete through the catalog's endpoint: exit %d, %q %q", code, out, errs)
	}
	// OS_CLOUD with clouds.yaml (OS_CLIENT_CONFIG_FILE names it), the
	// endpoint from the catalog of the cloud's region.
	clouds := filepath.Join(t.TempDir(), "clouds.yaml")
	yaml := fmt.Sprintf("clouds:\n  lab:\n    auth:\n      auth_url: %s\n      username: %s\n      password: %s\n"+
		"      project_name: %s\n      user_domain_name: Default\n      project_domain_name: Default\n    region_name: %s\n",
		e.ks.URL, member.Name, member.Password, member.ProjectName, region)
	if err := os.WriteFile(clouds, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("OS_CLIENT_CONFIG_FILE", clouds)
	if code, out, errs := valence(map[string]string{"OS_CLOUD": "lab"}, "node", "list", "-f", "json"); code != 0 || out != "[]\n" {
		t.Errorf("OS_CLOUD: exit %d, %q %q", code, out, errs)
	}
	if code, _, errs := valence(map[string]string{"OS_CLOUD": "nosuch"}, "node", "list"); code != 1 || !strings.Contains(errs, `cloud "nosuch" not found`) {
		t.Errorf("an unknown cloud: exit %d, %q", code, errs)
	}

	// A session made after the endpoint was registered finds it.
	fresh, err := client.NewKeystone(ctx, adminOpts, nil)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := fresh.Endpoint(gophercloud.EndpointOpts{Region: region})
	if err != nil || strings.TrimRight(ep, "/") != e.url {
		t.Errorf("Keystone.Endpoint: %q, %v; want %s", ep, err, e.url)
	}
	_, err = c.GetFlavor(ctx, fl.UUID)
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.RequestID == "" {
		t.Errorf("the deleted flavor: %v", err)
	}
}

// registerEndpoint adds url as the public rsd endpoint of region.
func registerEndpoint(t *testing.T, ks *keystonetest.Keystone, region, url string) {
	t.Helper()
	ctx := context.Background()
	pc, err := openstack.AuthenticatedClient(ctx, gophercloud.AuthOptions{
		IdentityEndpoint: ks.URL, Username: keystonetest.AdminUser, Password: keystonetest.AdminPassword, DomainID: "default",
		Scope: &gophercloud.AuthScope{ProjectName: keystonetest.AdminProject, DomainID: "default"},
	})
	if err != nil {
		t.Fatal(err)
	}
	idc, err := openstack.NewIdentityV3(pc, gophercloud.EndpointOpts{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := regions.Create(ctx, idc, regions.CreateOpts{ID: region}).Extract(); err != nil {
		t.Fatalf("create region: %v", err)
	}
	svc, err := services.Create(ctx, idc, services.CreateOpts{Type: client.ServiceType, Extra: map[string]any{"name": "valence-" + region}}).Extract()
	if err != nil {
		t.Fatalf("create service: %v", err)
	}
	if _, err := endpoints.Create(ctx, idc, endpoints.CreateOpts{Availability: gophercloud.AvailabilityPublic,
		Name: "valence", Region: region, URL: url, ServiceID: svc.ID}).Extract(); err != nil {
		t.Fatalf("create endpoint: %v", err)
	}
}
