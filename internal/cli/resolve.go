package cli

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/api/client"
)

// uuidPattern is the form of the ids the server mints.
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// resolve turns a UUID or a name into the object's id: a UUID is taken as
// it is, a name is looked up with find. No match is an error, and so is a
// name that several objects have, listing them.
func resolve[T any](ctx context.Context, kind, arg string, find func(ctx context.Context, name string) ([]T, error), id func(T) string) (string, error) {
	if uuidPattern.MatchString(arg) {
		return arg, nil
	}
	found, err := find(ctx, arg)
	if err != nil {
		return "", err
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("no %s with the name or UUID %q", kind, arg)
	case 1:
		return id(found[0]), nil
	}
	ids := make([]string, len(found))
	for i, f := range found {
		ids[i] = id(f)
	}
	return "", fmt.Errorf("%d %ss are named %q: %s; name one by its UUID", len(found), kind, arg, strings.Join(ids, ", "))
}

// byName finds with a list's name filter.
func byName[T any](list func(context.Context, client.Filters) ([]T, error)) func(context.Context, string) ([]T, error) {
	return func(ctx context.Context, name string) ([]T, error) { return list(ctx, client.Filters{"name": name}) }
}

func (a *app) podmID(ctx context.Context, c *client.Client, arg string) (string, error) {
	return resolve(ctx, "pod manager", arg, byName(c.ListPodManagers), func(p api.PodManager) string { return p.UUID })
}

func (a *app) flavorID(ctx context.Context, c *client.Client, arg string) (string, error) {
	return resolve(ctx, "flavor", arg, byName(c.ListFlavors), func(f api.Flavor) string { return f.UUID })
}

func (a *app) nodeID(ctx context.Context, c *client.Client, arg string) (string, error) {
	return resolve(ctx, "node", arg, byName(c.ListNodes), func(n api.Node) string { return n.UUID })
}

func (a *app) volumeID(ctx context.Context, c *client.Client, arg string) (string, error) {
	return resolve(ctx, "volume", arg, func(ctx context.Context, name string) ([]api.Storage, error) {
		return volumesNamed(ctx, c, "", name)
	}, func(s api.Storage) string { return s.ID })
}

// volumesNamed lists the volumes (of podmID's pod manager when set) and
// keeps those called name (all when ""): the server filters volumes by pod
// manager only, so names are matched here.
func volumesNamed(ctx context.Context, c *client.Client, podmID, name string) ([]api.Storage, error) {
	vols, err := c.ListStorages(ctx, nonEmpty(map[string]string{"podm_id": podmID}))
	if err != nil || name == "" {
		return vols, err
	}
	return slices.DeleteFunc(vols, func(v api.Storage) bool { return v.Name != name }), nil
}

// optionalPodm resolves a --podm flag, "" when it is not given.
func (a *app) optionalPodm(ctx context.Context, c *client.Client, arg string) (string, error) {
	if arg == "" {
		return "", nil
	}
	return a.podmID(ctx, c, arg)
}

// apiCall is what every command that calls the API runs: the client, a
// context bounded by --timeout, and the arguments.
type apiCall func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error

// call wraps an apiCall into a cobra RunE.
func (a *app) call(fn apiCall) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		ctx, cancel := a.context(cmd)
		defer cancel()
		c, err := a.client(ctx)
		if err != nil {
			return err
		}
		return fn(ctx, c, cmd, args)
	}
}

// resolver turns a name or UUID into an id.
type resolver func(ctx context.Context, c *client.Client, arg string) (string, error)

// showCommand is `<use> <name-or-uuid>`: it resolves the argument with
// find and prints the one object get returns (a method expression of
// client.Client, hence the client first).
func showCommand[T any](a *app, use, short string, find resolver, get func(c *client.Client, ctx context.Context, id string) (T, error)) *cobra.Command {
	return &cobra.Command{
		Use: use, Short: short, Args: cobra.ExactArgs(1),
		RunE: a.call(func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			id, err := find(ctx, c, args[0])
			if err != nil {
				return err
			}
			v, err := get(c, ctx, id)
			if err != nil {
				return err
			}
			return a.printer().one(v)
		}),
	}
}

// deleteCommand is `<use> <name-or-uuid>...`: it deletes every object
// named, going on after a failure as python-valenceclient did, and fails
// when any failed.
func deleteCommand(a *app, kind, use, short string, find resolver, del func(ctx context.Context, c *client.Client, id string) error) *cobra.Command {
	return &cobra.Command{
		Use: use, Short: short, Args: cobra.MinimumNArgs(1),
		RunE: a.call(func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			return a.deleteEach(kind, args, func(arg string) error {
				id, err := find(ctx, c, arg)
				if err == nil {
					err = del(ctx, c, id)
				}
				return err
			})
		}),
	}
}

// deleteEach runs del on every argument, reporting each outcome.
func (a *app) deleteEach(kind string, args []string, del func(arg string) error) error {
	failed := 0
	for _, arg := range args {
		if err := del(arg); err != nil {
			failed++
			a.printError(fmt.Errorf("%s %s: %w", kind, arg, err))
			continue
		}
		fmt.Fprintf(a.env.Stdout, "Deleted %s %s\n", kind, arg)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d %ss failed to delete", failed, len(args), kind)
	}
	return nil
}
