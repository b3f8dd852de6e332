package main

import (
	"fmt"
	"net/http"
	"os"
)

// dashboardRows drives the web dashboard's pages (GET /ui/..., under
// noauth, so without a session) one request at a time, as a user's browser
// loads them: the issue asks that each answer within 200 ms at 1,000
// systems. Each is set beside the bare handler serving the same bytes. It
// runs once the node records exist, so that the Overview and the Nodes page
// show them. The warm server serves the inventory from its cache; the Pod
// page of the cold one walks the pod manager each time, as the first load
// after VALENCE_INVENTORY_TTL does.
func (l *lab) dashboardRows(res *results, systemID string) error {
	pages := []struct{ name, base, path, scenario string }{
		{"overview", l.warmURL, "/ui/", "GET /ui/ (Overview) warm"},
		{"pod", l.warmURL, "/ui/pod", "GET /ui/pod warm"},
		{"nodes", l.warmURL, "/ui/nodes", "GET /ui/nodes warm"},
		{"system", l.warmURL, "/ui/systems/" + l.warmPodm + "/" + systemID, "GET /ui/systems/{podm}/{id} warm"},
		{"pod-cold", l.coldURL, "/ui/pod", "GET /ui/pod cold"},
	}
	for _, p := range pages {
		url := p.base + p.path
		body, err := l.do(http.MethodGet, url, "", false, http.StatusOK)
		if err != nil {
			return fmt.Errorf("dashboard %s: %w", p.name, err)
		}
		page, err := l.profiled("ui-"+p.name, p.base, func() (measure, error) {
			return drive(1, l.s.Duration, l.s.MinSamples, l.get(url))
		})
		if err != nil {
			return fmt.Errorf("dashboard %s: %w", p.name, err)
		}
		bare, err := l.bare(body, 1)
		if err != nil {
			return fmt.Errorf("dashboard %s: bare handler: %w", p.name, err)
		}
		name := fmt.Sprintf("%s, %d systems", p.scenario, l.s.Systems)
		res.Rows = append(res.Rows, row{name, page, fmt.Sprintf("bare handler, %d B", len(body)), bare})
		fmt.Fprintf(os.Stderr, "bench: %s: p50 %s p99 %s\n", name, page.P50, page.P99)
	}
	return nil
}
