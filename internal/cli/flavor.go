package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/api/client"
)

var flavorColumns = []string{"uuid", "name", "properties", "created_at", "updated_at"}

// maxPropertiesFile caps --properties-file; the server takes 1 MiB bodies.
const maxPropertiesFile = 1 << 20

// reqFlags are the requirement flags of flavor create/update and node
// compose: every property a flavor has.
type reqFlags struct {
	cores, cpuCount, memoryMiB int
	cpuModel, isa, memoryType  string
	localDrives, remoteDrives  []string
	networks, pciTypes         []string
	tpm, txt                   bool
	propertiesFile             string
}

// reqFlagNames are the flags of reqFlags, to tell whether any was given.
var reqFlagNames = []string{"cores", "cpu-count", "cpu-model", "instruction-set", "memory-mib", "memory-type",
	"local-drive", "remote-drive", "network", "pci-device", "tpm", "txt", "properties-file"}

func (r *reqFlags) register(f *pflag.FlagSet) {
	f.IntVar(&r.cores, "cores", 0, "total processor cores")
	f.IntVar(&r.cpuCount, "cpu-count", 0, "number of processors")
	f.StringVar(&r.cpuModel, "cpu-model", "", "processor model")
	f.StringVar(&r.isa, "instruction-set", "", "processor instruction set, e.g. x86-64")
	f.IntVar(&r.memoryMiB, "memory-mib", 0, "memory in MiB")
	f.StringVar(&r.memoryType, "memory-type", "", "memory type, e.g. DDR4")
	f.StringArrayVar(&r.localDrives, "local-drive", nil, "a local drive GiB[:HDD|SSD[:SAS|SATA|NVMe]]; repeat")
	f.StringArrayVar(&r.remoteDrives, "remote-drive", nil, "a remote drive GiB[:iSCSI|NVMeOverFabrics]; repeat")
	f.StringArrayVar(&r.networks, "network", nil, "a network interface MBPS[:VLAN]; repeat")
	f.StringArrayVar(&r.pciTypes, "pci-device", nil, "a PCI device type; repeat")
	f.BoolVar(&r.tpm, "tpm", false, "require a TPM (--tpm=false: require none)")
	f.BoolVar(&r.txt, "txt", false, "require TXT (--txt=false: require none)")
	f.StringVar(&r.propertiesFile, "properties-file", "", "the properties as a JSON file (flags override it)")
}

// given reports whether any requirement flag was set.
func (r *reqFlags) given(cmd *cobra.Command) bool { return anyChanged(cmd, reqFlagNames...) }

// properties builds the requirements: the file's, then the flags'.
func (r *reqFlags) properties(cmd *cobra.Command) (*api.FlavorPropertiesInput, error) {
	p := &api.FlavorPropertiesInput{}
	if r.propertiesFile != "" {
		b, err := readCapped(r.propertiesFile, maxPropertiesFile)
		if err != nil {
			return nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(p); err != nil {
			return nil, usageErrorf("--properties-file %s: %v", r.propertiesFile, err)
		}
	}
	f := cmd.Flags()
	if f.Changed("cores") || f.Changed("cpu-count") || f.Changed("cpu-model") || f.Changed("instruction-set") {
		if p.Processor == nil {
			p.Processor = &api.ProcessorRequirementInput{}
		}
		setInt(f.Changed("cores"), &p.Processor.TotalCores, r.cores)
		setInt(f.Changed("cpu-count"), &p.Processor.Count, r.cpuCount)
		setString(f.Changed("cpu-model"), &p.Processor.Model, r.cpuModel)
		setString(f.Changed("instruction-set"), &p.Processor.InstructionSet, r.isa)
	}
	if f.Changed("memory-mib") || f.Changed("memory-type") {
		if p.Memory == nil {
			p.Memory = &api.MemoryRequirementInput{}
		}
		setInt(f.Changed("memory-mib"), &p.Memory.CapacityMiB, r.memoryMiB)
		setString(f.Changed("memory-type"), &p.Memory.Type, r.memoryType)
	}
	if len(r.localDrives) > 0 {
		p.LocalDrives = nil
		for _, d := range r.localDrives {
			parts, n, err := splitSpec("--local-drive", d, 3)
			if err != nil {
				return nil, err
			}
			p.LocalDrives = append(p.LocalDrives, api.LocalDriveRequirementInput{CapacityGiB: n, Type: parts[1], Interface: parts[2]})
		}
	}
	if len(r.remoteDrives) > 0 {
		p.RemoteDrives = nil
		for _, d := range r.remoteDrives {
			parts, n, err := splitSpec("--remote-drive", d, 2)
			if err != nil {
				return nil, err
			}
			p.RemoteDrives = append(p.RemoteDrives, api.RemoteDriveRequirementInput{CapacityGiB: n, Protocol: parts[1]})
		}
	}
	if len(r.networks) > 0 {
		p.Network = nil
		for _, d := range r.networks {
			parts, n, err := splitSpec("--network", d, 2)
			if err != nil {
				return nil, err
			}
			net := api.NetworkRequirementInput{SpeedMbps: n}
			if parts[1] != "" {
				vlan, err := strconv.Atoi(parts[1])
				if err != nil {
					return nil, usageErrorf("--network %q: the VLAN %q is not a number", d, parts[1])
				}
				net.VLAN = api.FlexInt(vlan)
			}
			p.Network = append(p.Network, net)
		}
	}
	if f.Changed("tpm") || f.Changed("txt") {
		if p.Security == nil {
			p.Security = &api.SecurityRequirement{}
		}
		if f.Changed("tpm") {
			p.Security.TPM = &r.tpm
		}
		if f.Changed("txt") {
			p.Security.TXT = &r.txt
		}
	}
	if len(r.pciTypes) > 0 {
		p.PCIDevice = &api.PCIDeviceRequirement{Type: r.pciTypes}
	}
	return p, nil
}

// splitSpec reads "N[:a[:b]]" into n parts (missing ones empty) and the
// number N.
func splitSpec(flag, spec string, n int) ([]string, api.FlexInt, error) {
	parts := strings.Split(spec, ":")
	if len(parts) > n {
		return nil, 0, usageErrorf("%s %q: too many ':' parts", flag, spec)
	}
	for len(parts) < n {
		parts = append(parts, "")
	}
	v, err := strconv.Atoi(parts[0])
	if err != nil {
		return nil, 0, usageErrorf("%s %q: %q is not a number", flag, spec, parts[0])
	}
	return parts, api.FlexInt(v), nil
}

func setInt(given bool, dst *api.FlexInt, v int) {
	if given {
		*dst = api.FlexInt(v)
	}
}

func setString(given bool, dst *string, v string) {
	if given {
		*dst = v
	}
}

// readCapped reads a file of at most limit bytes.
func readCapped(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return os.ReadFile(path)
}

func (a *app) flavorCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "flavor", Short: "Manage flavors (composition templates)"}

	var name string
	listCmd := &cobra.Command{
		Use: "list", Short: "List flavors", Args: cobra.NoArgs,
		RunE: a.call(func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
			fl, err := c.ListFlavors(ctx, nonEmpty(map[string]string{"name": name}))
			if err != nil {
				return err
			}
			return a.printList(fl, flavorColumns)
		}),
	}
	listCmd.Flags().StringVar(&name, "name", "", "only this name")

	showCmd := showCommand(a, "show <flavor>", "Show a flavor", a.flavorID, (*client.Client).GetFlavor)

	var createReq reqFlags
	var createDesc string
	createCmd := &cobra.Command{
		Use: "create <name> [requirement flags]", Short: "Create a flavor", Args: cobra.ExactArgs(1),
		RunE: a.call(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			props, err := createReq.properties(cmd)
			if err != nil {
				return err
			}
			fl, err := c.CreateFlavor(ctx, api.FlavorCreate{Name: args[0], Description: createDesc, Properties: *props})
			if err != nil {
				return err
			}
			return a.printer().one(fl)
		}),
	}
	createReq.register(createCmd.Flags())
	createCmd.Flags().StringVar(&createDesc, "description", "", "description")

	var updReq reqFlags
	var updName, updDesc string
	updateCmd := &cobra.Command{
		Use: "update <flavor> [--name N] [requirement flags]", Short: "Change a flavor (properties merge into its own)", Args: cobra.ExactArgs(1),
		RunE: a.call(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			f := cmd.Flags()
			patch := api.FlavorUpdate{Name: changed(f.Changed("name"), updName), Description: changed(f.Changed("description"), updDesc)}
			if updReq.given(cmd) {
				props, err := updReq.properties(cmd)
				if err != nil {
					return err
				}
				patch.Properties = props
			}
			if patch.Name == nil && patch.Description == nil && patch.Properties == nil {
				return usageErrorf("nothing to change: give at least one flag")
			}
			id, err := a.flavorID(ctx, c, args[0])
			if err != nil {
				return err
			}
			fl, err := c.UpdateFlavor(ctx, id, patch)
			if err != nil {
				return err
			}
			return a.printer().one(fl)
		}),
	}
	updReq.register(updateCmd.Flags())
	updateCmd.Flags().StringVar(&updName, "name", "", "new name")
	updateCmd.Flags().StringVar(&updDesc, "description", "", "description")

	deleteCmd := deleteCommand(a, "flavor", "delete <flavor>...", "Delete flavors", a.flavorID,
		func(ctx context.Context, c *client.Client, id string) error {
			_, err := c.DeleteFlavor(ctx, id)
			return err
		})
	cmd.AddCommand(listCmd, showCmd, createCmd, updateCmd, deleteCmd)
	return cmd
}
