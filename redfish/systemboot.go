package redfish

import (
	"context"
	"net/http"
)

// SetSystemBoot patches a system's boot override (Boot.BootSourceOverride*),
// by URI or Id, as SetBoot does a node's: empty fields are left as they are,
// set ones must be among the values the system lists, any 2xx is success.
func (c *Client) SetSystemBoot(ctx context.Context, system string, boot BootSettings) error {
	uri, err := c.systemURI(system)
	if err != nil {
		return err
	}
	var cs struct{ Boot Boot }
	if err := c.getJSON(ctx, uri, &cs); err != nil {
		return err
	}
	if err := cs.Boot.allows(boot); err != nil {
		return err
	}
	_, err = c.send(ctx, http.MethodPatch, uri, map[string]BootSettings{"Boot": boot})
	return err
}
