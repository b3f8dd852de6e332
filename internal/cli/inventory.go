package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/api/client"
)

var (
	systemColumns  = []string{"id", "uuid", "name", "podm_id", "power_state", "health", "composed_node"}
	rackColumns    = []string{"id", "name", "podm_id", "manufacturer", "model"}
	storageColumns = []string{"id", "name", "podm_id", "capacity_gib", "protocol", "bootable", "attached_to", "status"}
)

// asIs is the resolver of systems and racks, which have no names to look
// up: the server takes a UUID or a Redfish Id.
func asIs(_ context.Context, _ *client.Client, arg string) (string, error) { return arg, nil }

func (a *app) systemCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "system", Short: "Physical compute systems of the pod managers"}
	var podm string
	cmd.PersistentFlags().StringVar(&podm, "podm", "", "the pod manager (name or UUID)")

	listCmd := &cobra.Command{
		Use: "list", Short: "List systems", Args: cobra.NoArgs,
		RunE: a.call(func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
			podmID, err := a.optionalPodm(ctx, c, podm)
			if err != nil {
				return err
			}
			systems, err := c.ListSystems(ctx, podmID)
			if err != nil {
				return err
			}
			return a.printList(systems, systemColumns)
		}),
	}
	showCmd := showCommand(a, "show <system>", "Show a system (by UUID or Redfish Id)", asIs,
		func(c *client.Client, ctx context.Context, id string) (*api.System, error) {
			podmID, err := a.optionalPodm(ctx, c, podm)
			if err != nil {
				return nil, err
			}
			return c.GetSystem(ctx, id, podmID)
		})
	nmiCmd := &cobra.Command{
		Use: "inject-nmi <system>", Short: "Send a system a non-maskable interrupt", Args: cobra.ExactArgs(1),
		RunE: a.call(func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			podmID, err := a.optionalPodm(ctx, c, podm)
			if err != nil {
				return err
			}
			if err := c.InjectSystemNMI(ctx, args[0], podmID); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "Injected an NMI into system %s\n", args[0])
			return nil
		}),
	}
	var boot bootFlags
	bootCmd := &cobra.Command{
		Use: "boot <system> --target pxe [--once|--continuous] [--mode uefi]", Short: "Set a system's boot override", Args: cobra.ExactArgs(1),
		RunE: a.call(func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			action, err := boot.action()
			if err != nil {
				return err
			}
			podmID, err := a.optionalPodm(ctx, c, podm)
			if err != nil {
				return err
			}
			if err := c.SystemAction(ctx, args[0], podmID, action); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "Boot override of system %s: %s, %s\n", args[0], action.Boot.Target, action.Boot.Enabled)
			return nil
		}),
	}
	boot.register(bootCmd)
	cmd.AddCommand(listCmd, showCmd, nmiCmd, bootCmd,
		a.powerCommand("system", func(ctx context.Context, c *client.Client, arg, target string) error {
			podmID, err := a.optionalPodm(ctx, c, podm)
			if err != nil {
				return err
			}
			return c.SetSystemPower(ctx, arg, podmID, target)
		}))
	return cmd
}

func (a *app) rackCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "rack", Short: "Racks of the pod managers"}
	var podm string
	cmd.PersistentFlags().StringVar(&podm, "podm", "", "the pod manager (name or UUID)")
	cmd.AddCommand(&cobra.Command{
		Use: "list", Short: "List racks", Args: cobra.NoArgs,
		RunE: a.call(func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
			podmID, err := a.optionalPodm(ctx, c, podm)
			if err != nil {
				return err
			}
			racks, err := c.ListRacks(ctx, podmID)
			if err != nil {
				return err
			}
			return a.printList(racks, rackColumns)
		}),
	}, showCommand(a, "show <rack>", "Show a rack (by Redfish Id)", asIs,
		func(c *client.Client, ctx context.Context, id string) (*api.Rack, error) {
			podmID, err := a.optionalPodm(ctx, c, podm)
			if err != nil {
				return nil, err
			}
			return c.GetRack(ctx, id, podmID)
		}))
	return cmd
}

func (a *app) storageCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "storage", Aliases: []string{"volume"}, Short: "Remote storage volumes"}

	var lf struct{ podm, name string }
	listCmd := &cobra.Command{
		Use: "list", Short: "List volumes", Args: cobra.NoArgs,
		RunE: a.call(func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
			podmID, err := a.optionalPodm(ctx, c, lf.podm)
			if err != nil {
				return err
			}
			vols, err := volumesNamed(ctx, c, podmID, lf.name)
			if err != nil {
				return err
			}
			return a.printList(vols, storageColumns)
		}),
	}
	listCmd.Flags().StringVar(&lf.podm, "podm", "", "only this pod manager's (name or UUID)")
	listCmd.Flags().StringVar(&lf.name, "name", "", "only this name")

	showCmd := showCommand(a, "show <volume>", "Show a volume", a.volumeID, (*client.Client).GetStorage)

	var cf struct {
		podm, name, service, source string
		size                        int
		bootable                    bool
	}
	createCmd := &cobra.Command{
		Use: "create --podm P --size GIB [--name N] [--source VOLUME]", Short: "Create a volume", Args: cobra.NoArgs,
		RunE: a.call(func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
			if cf.size <= 0 {
				return usageErrorf("--size must be a positive number of GiB")
			}
			podmID, err := a.podmID(ctx, c, cf.podm)
			if err != nil {
				return err
			}
			body := api.StorageCreate{PodmID: podmID, CapacityGiB: api.FlexInt(cf.size), Name: cf.name,
				Bootable: cf.bootable, StorageService: cf.service}
			if cf.source != "" {
				if body.Source, err = a.volumeID(ctx, c, cf.source); err != nil {
					return err
				}
			}
			v, err := c.CreateStorage(ctx, body)
			if err != nil {
				return err
			}
			return a.printer().one(v)
		}),
	}
	f := createCmd.Flags()
	f.StringVar(&cf.podm, "podm", "", "the pod manager (name or UUID)")
	f.IntVar(&cf.size, "size", 0, "capacity in GiB")
	f.StringVar(&cf.name, "name", "", "name")
	f.BoolVar(&cf.bootable, "bootable", false, "bootable")
	f.StringVar(&cf.service, "storage-service", "", "URI of the storage service (default: the server picks)")
	f.StringVar(&cf.source, "source", "", "copy this volume (name or id)")
	_ = createCmd.MarkFlagRequired("podm")
	_ = createCmd.MarkFlagRequired("size")

	deleteCmd := deleteCommand(a, "volume", "delete <volume>...", "Delete volumes", a.volumeID,
		func(ctx context.Context, c *client.Client, id string) error {
			_, err := c.DeleteStorage(ctx, id)
			return err
		})
	cmd.AddCommand(listCmd, showCmd, createCmd, deleteCmd)
	return cmd
}

// apiCommand reads the service documents: versions, health, the OpenAPI
// document, the API reference, metrics.
func (a *app) apiCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "api", Short: "The server's service documents"}
	show := func(use, short string, get func(context.Context, *client.Client) (any, error)) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, Args: cobra.NoArgs,
			RunE: a.call(func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
				v, err := get(ctx, c)
				if err != nil {
					return err
				}
				return a.printer().one(v)
			})}
	}
	raw := func(use, short string, get func(*client.Client, context.Context) ([]byte, error)) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, Args: cobra.NoArgs,
			RunE: a.call(func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
				b, err := get(c, ctx)
				if err != nil {
					return err
				}
				_, err = a.env.Stdout.Write(b)
				return err
			})}
	}
	cmd.AddCommand(
		show("versions", "The API versions the server offers (GET /)", func(ctx context.Context, c *client.Client) (any, error) { return c.Root(ctx) }),
		show("v1", "The v1 document (GET /v1)", func(ctx context.Context, c *client.Client) (any, error) { return c.V1(ctx) }),
		show("health", "Whether the server serves (GET /healthz)", func(ctx context.Context, c *client.Client) (any, error) { return c.Health(ctx) }),
		show("ready", "Whether the server is ready (GET /readyz)", func(ctx context.Context, c *client.Client) (any, error) { return c.Ready(ctx) }),
		raw("openapi", "The server's OpenAPI document", (*client.Client).OpenAPI),
		raw("docs", "The server's API reference, an HTML page (GET /v1/docs)", (*client.Client).Docs),
		raw("metrics", "The server's Prometheus metrics", (*client.Client).Metrics),
	)
	return cmd
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use: "version", Short: "The versions of this client and of the server's API", Args: cobra.NoArgs,
		RunE: a.call(func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
			fmt.Fprintf(a.env.Stdout, "client: valence %s\n", a.env.Version)
			root, err := c.Root(ctx)
			if err != nil {
				return fmt.Errorf("server at %s: %w", c.URL(), err)
			}
			for _, v := range root.Versions {
				fmt.Fprintf(a.env.Stdout, "server: %s API %s (%s)\n", root.Name, v.ID, v.Status)
			}
			return nil
		}),
	}
}
