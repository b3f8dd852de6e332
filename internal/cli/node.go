package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/api/client"
)

var nodeColumns = []string{"uuid", "name", "podm_id", "index", "node_state", "node_power_state"}

// powerTargets maps the power subcommands to the API's targets.
var powerTargets = []struct{ cmd, target, short string }{
	{"on", api.PowerTargetOn, "Power on"},
	{"off", api.PowerTargetOff, "Power off at once"},
	{"soft-off", api.PowerTargetSoftOff, "Shut down gracefully"},
	{"reboot", api.PowerTargetReboot, "Restart at once"},
	{"soft-reboot", api.PowerTargetSoftReboot, "Restart gracefully"},
}

// bootTargets maps --target to Redfish's BootSourceOverrideTarget.
var bootTargets = map[string]string{"pxe": "Pxe", "hdd": "Hdd", "remote-drive": "RemoteDrive", "none": "None"}

// bootModes maps --mode to BootSourceOverrideMode.
var bootModes = map[string]string{"uefi": "UEFI", "legacy": "Legacy"}

// bootFlags are the flags of `node boot` and `system boot`.
type bootFlags struct {
	target, mode              string
	once, continuous, disable bool
}

func (b *bootFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&b.target, "target", "", "pxe, hdd, remote-drive or none")
	f.StringVar(&b.mode, "mode", "", "uefi or legacy (default: as it is)")
	f.BoolVar(&b.once, "once", false, "for the next boot only (the default)")
	f.BoolVar(&b.continuous, "continuous", false, "for every boot")
	f.BoolVar(&b.disable, "disable", false, "remove the override")
	_ = cmd.MarkFlagRequired("target")
	cmd.MarkFlagsMutuallyExclusive("once", "continuous", "disable")
}

// action is the Boot action the flags ask for.
func (b *bootFlags) action() (api.NodeAction, error) {
	target, ok := bootTargets[strings.ToLower(b.target)]
	if !ok {
		return api.NodeAction{}, usageErrorf("--target %q: want pxe, hdd, remote-drive or none", b.target)
	}
	boot := &api.BootAction{Target: target, Enabled: "Once"}
	switch {
	case b.continuous:
		boot.Enabled = "Continuous"
	case b.disable:
		boot.Enabled = "Disabled"
	}
	if b.mode != "" {
		if boot.Mode, ok = bootModes[strings.ToLower(b.mode)]; !ok {
			return api.NodeAction{}, usageErrorf("--mode %q: want uefi or legacy", b.mode)
		}
	}
	return api.NodeAction{Boot: boot}, nil
}

// powerCommand is `<noun> power on|off|...`, calling set for the target.
func (a *app) powerCommand(noun string, set func(ctx context.Context, c *client.Client, arg, target string) error) *cobra.Command {
	cmd := &cobra.Command{Use: "power", Short: "Power a " + noun + " on, off, or reboot it"}
	for _, pt := range powerTargets {
		target := pt.target
		cmd.AddCommand(&cobra.Command{
			Use: pt.cmd + " <" + noun + ">", Short: pt.short + " (" + target + ")", Args: cobra.ExactArgs(1),
			RunE: a.call(func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
				if err := set(ctx, c, args[0], target); err != nil {
					return err
				}
				fmt.Fprintf(a.env.Stdout, "Requested %s of %s %s\n", target, noun, args[0])
				return nil
			}),
		})
	}
	return cmd
}

func (a *app) nodeCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "node", Short: "Compose and manage nodes"}

	var lf struct{ name, podm, state, power, project string }
	listCmd := &cobra.Command{
		Use: "list", Short: "List composed nodes", Args: cobra.NoArgs,
		RunE: a.call(func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
			podm, err := a.optionalPodm(ctx, c, lf.podm)
			if err != nil {
				return err
			}
			nodes, err := c.ListNodes(ctx, nonEmpty(map[string]string{"name": lf.name, "podm_id": podm,
				"node_state": lf.state, "node_power_state": lf.power, "project_id": lf.project}))
			if err != nil {
				return err
			}
			return a.printList(nodes, nodeColumns)
		}),
	}
	listCmd.Flags().StringVar(&lf.name, "name", "", "only this name")
	listCmd.Flags().StringVar(&lf.podm, "podm", "", "only this pod manager's (name or UUID)")
	listCmd.Flags().StringVar(&lf.state, "state", "", "only this node_state")
	listCmd.Flags().StringVar(&lf.power, "power-state", "", "only this node_power_state")
	listCmd.Flags().StringVar(&lf.project, "project", "", "only this project's")

	showCmd := showCommand(a, "show <node>", "Show a node with its live detail", a.nodeID, (*client.Client).GetNode)

	var req reqFlags
	var flavor, podm, desc string
	composeCmd := &cobra.Command{
		Use: "compose <name> [--flavor F] [--podm P] [requirement flags]", Short: "Compose a node", Args: cobra.ExactArgs(1),
		RunE: a.call(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			if flavor != "" && req.given(cmd) {
				return usageErrorf("--flavor and requirement flags exclude each other")
			}
			body := api.NodeCompose{Name: args[0], Description: desc}
			var err error
			if body.PodmID, err = a.optionalPodm(ctx, c, podm); err != nil {
				return err
			}
			if flavor != "" {
				if body.FlavorID, err = a.flavorID(ctx, c, flavor); err != nil {
					return err
				}
			} else if req.given(cmd) {
				if body.Properties, err = req.properties(cmd); err != nil {
					return err
				}
			}
			var n *api.Node
			err = a.withProgress("composing "+args[0], func() error {
				n, err = c.ComposeNode(ctx, body)
				return err
			})
			if err != nil {
				return err
			}
			return a.printer().one(n)
		}),
	}
	req.register(composeCmd.Flags())
	composeCmd.Flags().StringVar(&flavor, "flavor", "", "compose from this flavor (name or UUID)")
	composeCmd.Flags().StringVar(&podm, "podm", "", "on this pod manager (name or UUID; default: any that can)")
	composeCmd.Flags().StringVar(&desc, "description", "", "description")

	deleteCmd := deleteCommand(a, "node", "delete <node>...", "Decompose nodes", a.nodeID,
		func(ctx context.Context, c *client.Client, id string) error {
			_, err := c.DecomposeNode(ctx, id)
			return err
		})
	deleteCmd.Aliases = []string{"decompose"}

	manageCmd := &cobra.Command{
		Use: "manage <node_index> <podmanager>", Short: "Adopt a node composed outside Valence", Args: cobra.ExactArgs(2),
		RunE: a.call(func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			podmID, err := a.podmID(ctx, c, args[1])
			if err != nil {
				return err
			}
			n, err := c.ManageNode(ctx, api.NodeManage{NodeIndex: args[0], PodmID: podmID})
			if err != nil {
				return err
			}
			return a.printer().one(n)
		}),
	}

	statesCmd := showCommand(a, "states <node>", "Show a node's power and composition states", a.nodeID, (*client.Client).GetNodeStates)

	storagesCmd := &cobra.Command{
		Use: "storages <node>", Aliases: []string{"volumes"}, Short: "List the volumes attached to a node", Args: cobra.ExactArgs(1),
		RunE: a.call(func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			id, err := a.nodeID(ctx, c, args[0])
			if err != nil {
				return err
			}
			vols, err := c.ListNodeStorages(ctx, id)
			if err != nil {
				return err
			}
			return a.printList(vols, storageColumns)
		}),
	}

	nmiCmd := &cobra.Command{
		Use: "inject-nmi <node>", Short: "Send a node a non-maskable interrupt", Args: cobra.ExactArgs(1),
		RunE: a.call(func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			id, err := a.nodeID(ctx, c, args[0])
			if err != nil {
				return err
			}
			if err := c.InjectNodeNMI(ctx, id); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "Injected an NMI into node %s\n", args[0])
			return nil
		}),
	}

	var boot bootFlags
	bootCmd := &cobra.Command{
		Use: "boot <node> --target pxe [--once|--continuous] [--mode uefi]", Short: "Set a node's boot override", Args: cobra.ExactArgs(1),
		RunE: a.call(func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			action, err := boot.action()
			if err != nil {
				return err
			}
			id, err := a.nodeID(ctx, c, args[0])
			if err != nil {
				return err
			}
			if err := c.NodeAction(ctx, id, action); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "Boot override of node %s: %s, %s\n", args[0], action.Boot.Target, action.Boot.Enabled)
			return nil
		}),
	}
	boot.register(bootCmd)

	cmd.AddCommand(listCmd, showCmd, composeCmd, deleteCmd, manageCmd, statesCmd, storagesCmd, nmiCmd, bootCmd,
		a.attachCommand("attach"), a.attachCommand("detach"),
		a.powerCommand("node", func(ctx context.Context, c *client.Client, arg, target string) error {
			id, err := a.nodeID(ctx, c, arg)
			if err != nil {
				return err
			}
			return c.SetNodePower(ctx, id, target)
		}))
	return cmd
}

// attachCommand is `node attach|detach <node> <volume>`.
func (a *app) attachCommand(verb string) *cobra.Command {
	return &cobra.Command{
		Use: verb + " <node> <volume>", Short: strings.ToUpper(verb[:1]) + verb[1:] + " a volume", Args: cobra.ExactArgs(2),
		RunE: a.call(func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			nodeID, err := a.nodeID(ctx, c, args[0])
			if err != nil {
				return err
			}
			volID, err := a.volumeID(ctx, c, args[1])
			if err != nil {
				return err
			}
			ref := &api.AttachAction{ResourceID: volID}
			action := api.NodeAction{Attach: ref}
			if verb == "detach" {
				action = api.NodeAction{Detach: ref}
			}
			if err := c.NodeAction(ctx, nodeID, action); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "%sed volume %s %s node %s\n", strings.ToUpper(verb[:1])+verb[1:], args[1],
				map[string]string{"attach": "to", "detach": "from"}[verb], args[0])
			return nil
		}),
	}
}

// withProgress runs fn; on a terminal it shows what runs and for how long
// on stderr, then clears the line. Piped, it adds nothing.
func (a *app) withProgress(what string, fn func() error) error {
	if isTerm, _ := a.env.Terminal(a.env.Stderr); !isTerm {
		return fn()
	}
	start := time.Now()
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			fmt.Fprintf(a.env.Stderr, "\r%s… %ds", what, int(time.Since(start).Seconds()))
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	err := fn()
	close(done)
	<-stopped
	result := "done"
	if err != nil {
		result = "failed"
	}
	fmt.Fprintf(a.env.Stderr, "\r\033[K%s: %s in %s\n", what, result, time.Since(start).Round(100*time.Millisecond))
	return err
}
