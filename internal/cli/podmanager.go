package cli

import (
	"context"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/api/client"
)

// podmColumns are python-valenceclient's columns of a pod manager list.
var podmColumns = []string{"uuid", "name", "url", "driver", "status", "created_at", "updated_at"}

func (a *app) podManagerCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "podmanager", Aliases: []string{"pod-manager"}, Short: "Register and manage RSD pod managers"}

	var filters struct{ name, url, driver, status string }
	listCmd := &cobra.Command{
		Use: "list", Short: "List pod managers", Args: cobra.NoArgs,
		RunE: a.call(func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
			pms, err := c.ListPodManagers(ctx, nonEmpty(map[string]string{
				"name": filters.name, "url": filters.url, "driver": filters.driver, "status": filters.status}))
			if err != nil {
				return err
			}
			return a.printList(pms, podmColumns)
		}),
	}
	listCmd.Flags().StringVar(&filters.name, "name", "", "only this name")
	listCmd.Flags().StringVar(&filters.url, "url", "", "only this URL")
	listCmd.Flags().StringVar(&filters.driver, "driver", "", "only this driver")
	listCmd.Flags().StringVar(&filters.status, "status", "", "only this status")

	showCmd := showCommand(a, "show <podmanager>", "Show a pod manager", a.podmID, (*client.Client).GetPodManager)
	capacityCmd := showCommand(a, "capacity <podmanager>", "Show what a pod manager has, and has free, to compose with",
		a.podmID, (*client.Client).GetPodManagerCapacity)

	var create struct {
		driver, caCert, description, location string
		auth                                  []string
		insecure                              bool
	}
	createCmd := &cobra.Command{
		Use:   "create <name> <url> --auth username=U --auth password=P",
		Short: "Register a pod manager (python-valenceclient's syntax)",
		Args:  cobra.ExactArgs(2),
		RunE: a.call(func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			auth, err := parseAuth(create.auth)
			if err != nil {
				return err
			}
			body := api.PodManagerCreate{Name: args[0], URL: args[1], Driver: create.driver,
				Authentication: []api.Authentication{auth}, Description: create.description, Location: create.location}
			if create.insecure {
				body.TLSVerify = new(bool)
			}
			if body.CACert, err = readOptional(create.caCert); err != nil {
				return err
			}
			pm, err := c.CreatePodManager(ctx, body)
			if err != nil {
				return err
			}
			return a.printer().one(pm)
		}),
	}
	cf := createCmd.Flags()
	cf.StringArrayVar(&create.auth, "auth", nil, "credentials as key=value: username, password, type (basic); repeat")
	cf.StringVar(&create.driver, "driver", "", "rsd (default), redfish, or redfishv1 (= rsd)")
	cf.StringVar(&create.caCert, "ca-cert", "", "PEM file of the CAs to verify the pod manager with")
	cf.BoolVar(&create.insecure, "insecure", false, "do not verify the pod manager's certificate")
	cf.StringVar(&create.description, "description", "", "description")
	cf.StringVar(&create.location, "location", "", "location")

	var update struct {
		name, caCert, description, location string
		auth                                []string
		insecure, verify                    bool
	}
	updateCmd := &cobra.Command{
		Use: "update <podmanager>", Short: "Change a pod manager", Args: cobra.ExactArgs(1),
		RunE: a.call(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			f := cmd.Flags()
			var patch api.PodManagerUpdate
			if f.Changed("insecure") && f.Changed("tls-verify") {
				return usageErrorf("--insecure and --tls-verify exclude each other")
			}
			patch.Name = changed(f.Changed("name"), update.name)
			patch.Description = changed(f.Changed("description"), update.description)
			patch.Location = changed(f.Changed("location"), update.location)
			if f.Changed("insecure") || f.Changed("tls-verify") {
				v := !f.Changed("insecure")
				patch.TLSVerify = &v
			}
			if f.Changed("ca-cert") {
				pem, err := readOptional(update.caCert)
				if err != nil {
					return err
				}
				patch.CACert = &pem
			}
			if len(update.auth) > 0 {
				auth, err := parseAuth(update.auth)
				if err != nil {
					return err
				}
				patch.Authentication = []api.Authentication{auth}
			}
			if !anyChanged(cmd, "name", "auth", "ca-cert", "insecure", "tls-verify", "description", "location") {
				return usageErrorf("nothing to change: give at least one flag")
			}
			id, err := a.podmID(ctx, c, args[0])
			if err != nil {
				return err
			}
			pm, err := c.UpdatePodManager(ctx, id, patch)
			if err != nil {
				return err
			}
			return a.printer().one(pm)
		}),
	}
	uf := updateCmd.Flags()
	uf.StringVar(&update.name, "name", "", "new name")
	uf.StringArrayVar(&update.auth, "auth", nil, "new credentials as key=value (username, password); repeat")
	uf.StringVar(&update.caCert, "ca-cert", "", "PEM file of the CAs (\"\" for the system's)")
	uf.BoolVar(&update.insecure, "insecure", false, "stop verifying the certificate")
	uf.BoolVar(&update.verify, "tls-verify", false, "verify the certificate")
	uf.StringVar(&update.description, "description", "", "description")
	uf.StringVar(&update.location, "location", "", "location")

	var force bool
	deleteCmd := deleteCommand(a, "pod manager", "delete <podmanager>...", "Unregister pod managers", a.podmID,
		func(ctx context.Context, c *client.Client, id string) error {
			_, err := c.DeletePodManager(ctx, id, force)
			return err
		})
	deleteCmd.Flags().BoolVar(&force, "force", false, "decompose the pod manager's nodes first")

	cmd.AddCommand(listCmd, showCmd, capacityCmd, createCmd, updateCmd, deleteCmd)
	return cmd
}

// parseAuth reads --auth key=value pairs into basic credentials; username
// and password are required.
func parseAuth(pairs []string) (api.Authentication, error) {
	auth := api.Authentication{Type: "basic"}
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return auth, usageErrorf("--auth %q: want key=value", p)
		}
		switch k {
		case "type":
			auth.Type = v
		case "username":
			auth.AuthItems.Username = v
		case "password":
			auth.AuthItems.Password = v
		default:
			return auth, usageErrorf("--auth %q: the keys are username, password and type", p)
		}
	}
	if auth.AuthItems.Username == "" || auth.AuthItems.Password == "" {
		return auth, usageErrorf("--auth username=U --auth password=P are both required")
	}
	return auth, nil
}

// readOptional reads a file named by a flag; "" is no file.
func readOptional(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	return string(b), err
}

// changed is &v when the flag was given.
func changed(given bool, v string) *string {
	if !given {
		return nil
	}
	return &v
}

// nonEmpty keeps the filters that have a value.
func nonEmpty(m map[string]string) client.Filters {
	f := client.Filters{}
	for k, v := range m {
		if v != "" {
			f[k] = v
		}
	}
	return f
}

// printList prints items with the default columns cols.
func (a *app) printList(items any, cols []string) error {
	recs, err := anyRecords(items)
	if err != nil {
		return err
	}
	return a.printer().many(recs, cols)
}

// anyChanged reports whether any of the named flags was given.
func anyChanged(cmd *cobra.Command, names ...string) bool {
	for _, n := range names {
		if cmd.Flags().Changed(n) {
			return true
		}
	}
	return false
}
