package ui

import (
	"context"
	"slices"
	"strings"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/api/client"
)

// warnings gathers the Warning headers of a page's API answers: a pod
// manager that did not answer (its items are missing from the list), a
// system read only in part. The API sends at most 21 per answer.
type warnings struct{ list []string }

// listPodManagers lists the pod managers, the first read of a page of
// lists, with an API client of p's caller that notes the answers' warnings
// in w; it returns that client for the page's other lists.
func (w *warnings) listPodManagers(ctx context.Context, p *page) (*client.Client, []api.PodManager, error) {
	c := p.d.client(p.sess, client.WithWarnings(w.add))
	podms, err := c.ListPodManagers(ctx, nil)
	return c, podms, err
}

// add notes a Warning header's text, once.
func (w *warnings) add(header string) {
	if text := warningText(header); !slices.Contains(w.list, text) {
		w.list = append(w.list, text)
	}
}

// warningText is the text of a Warning header's value (RFC 7234: code,
// agent, quoted text), or the value itself when it is not of that form.
func warningText(h string) string {
	parts := strings.SplitN(h, " ", 3)
	if len(parts) < 3 || len(parts[2]) < 2 || !strings.HasPrefix(parts[2], `"`) || !strings.HasSuffix(parts[2], `"`) {
		return h
	}
	return strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(parts[2][1 : len(parts[2])-1])
}
