package redfish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/stmcginnis/gofish/schemas"
)

// Ref is a reference to a Redfish resource by URI, sent as {"@odata.id": uri}.
// An empty Ref in a field marked omitempty is left out.
type Ref string

// MarshalJSON writes the reference as a Redfish link object.
func (r Ref) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]string{"@odata.id": string(r)})
}

// collectionJSON is a Redfish collection's members.
type collectionJSON struct {
	Members schemas.Links
}

// member returns idOrURI if it is a path, else the URI of the member of the
// collection with that Id.
func member(collection, idOrURI string) string {
	if strings.HasPrefix(idOrURI, "/") || collection == "" {
		return idOrURI
	}
	return strings.TrimSuffix(collection, "/") + "/" + idOrURI
}

// members reads the member URIs of a collection.
func (c *Client) members(ctx context.Context, uri string) ([]string, error) {
	var coll collectionJSON
	if err := c.getJSON(ctx, uri, &coll); err != nil {
		return nil, err
	}
	return coll.Members.ToStrings(), nil
}

// fetchAll calls get for every URI with at most c.max calls in flight and
// keeps the order of uris. Failed members are left out and their errors
// joined, so a caller gets what could be read and learns what could not.
func fetchAll[T any](ctx context.Context, c *Client, uris []string, get func(context.Context, string) (T, error)) ([]T, error) {
	ctx = inFanOut(ctx)
	results := make([]T, len(uris))
	errs := make([]error, len(uris))
	ok := make([]bool, len(uris))
	sem := make(chan struct{}, c.max)
	var wg sync.WaitGroup
loop:
	for i, uri := range uris {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			errs[i] = ctx.Err()
			break loop
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i], errs[i] = get(ctx, uri)
			ok[i] = errs[i] == nil
		}()
	}
	wg.Wait()
	out := make([]T, 0, len(uris))
	for i := range uris {
		if ok[i] {
			out = append(out, results[i])
		}
	}
	return out, joinErrs(errs)
}

// joinErrs joins the first few errors and counts the rest, so that a pod
// manager that is down does not yield a thousand-line message.
func joinErrs(errs []error) error {
	const keep = 3
	var kept []error
	n := 0
	for _, err := range errs {
		if err == nil {
			continue
		}
		if n++; n <= keep {
			kept = append(kept, err)
		}
	}
	if n > keep {
		kept = append(kept, fmt.Errorf("and %d more failures", n-keep))
	}
	return errors.Join(kept...)
}
