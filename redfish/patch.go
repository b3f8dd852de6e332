package redfish

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/stmcginnis/gofish/schemas"
)

// patchRereads bounds the reads of the resource's ETag of one PATCH, and so
// its PATCHes to one more: the first without If-Match, then one per read.
const patchRereads = 2

// patch sends a PATCH of body to uri and returns the answer as sendStatus
// does. It is sent without If-Match first, as services that need none take
// it and some refuse one (Lenovo XCC). A service that wants one answers 428,
// or 412 to a PATCH without it (AMI, Huawei iBMC): then the resource's ETag
// is read and the PATCH sent again with If-Match, and a 412 to that (the
// resource changed in between) reads it once more. Without an ETag to send,
// or after the last try, the error is the service's last refusal.
func (c *Client) patch(ctx context.Context, uri string, body any) (http.Header, int, error) {
	h, status, err := c.request(ctx, http.MethodPatch, uri, body, nil)
	if code := StatusCode(err); code != http.StatusPreconditionRequired && code != http.StatusPreconditionFailed {
		return h, status, err
	}
	for range patchRereads {
		etag := c.etag(ctx, uri)
		if etag == "" {
			return nil, 0, err
		}
		h, status, err = c.request(ctx, http.MethodPatch, uri, body, map[string]string{"If-Match": etag})
		if StatusCode(err) != http.StatusPreconditionFailed {
			return h, status, err
		}
	}
	return nil, 0, err
}

// etag reads the resource at uri and returns its ETag header, else its
// @odata.etag, as given; "" when it has neither, cannot be read, or gives
// one that cannot be sent as a header.
func (c *Client) etag(ctx context.Context, uri string) string {
	resp, err := c.get(ctx, uri, "")
	if err != nil {
		return ""
	}
	defer schemas.DeferredCleanupHTTPResponse(resp) // drains, so the connection is reused
	if etag := resp.Header.Get("ETag"); etag != "" {
		return etag
	}
	var v struct {
		ETag string `json:"@odata.etag"`
	}
	if json.NewDecoder(resp.Body).Decode(&v) != nil || strings.ContainsFunc(v.ETag, isControl) {
		return "" // a control character (a line break) would fail the request, not be refused
	}
	return v.ETag
}

// isControl says whether r is a control character, which no header value holds.
func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
