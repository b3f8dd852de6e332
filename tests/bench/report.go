package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// printTable writes the table of a run: each scenario, its limit, and the
// ratios. "× p50" is the server's median over the limit's (lower is
// better, 1 is the limit); "% req/s" is the server's throughput as a share
// of the limit's (higher is better, 100% is the limit).
func printTable(w io.Writer, r results) {
	s := r.Settings
	fmt.Fprintf(w, "\n%d pod manager(s) of %d systems, %d node records, %s per scenario (at least %d requests), loopback\n\n",
		s.Podms, s.Systems, r.NodeRecords, s.Duration, s.MinSamples)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tc\tp50\tp99\treq/s\tlimit\tp50\tp99\treq/s\t× p50\t% req/s\t")
	for _, row := range r.Rows {
		a, b := row.Server, row.Direct
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%.1f\t%s\t%s\t%s\t%.1f\t%.2f\t%.0f%%\t\n", row.Scenario, a.Concurrency,
			ms(a.P50), ms(a.P99), a.PerSecond, row.Limit, ms(b.P50), ms(b.P99), b.PerSecond,
			float64(a.P50)/float64(b.P50), 100*a.PerSecond/b.PerSecond)
	}
	tw.Flush()
	for _, n := range r.Notes {
		fmt.Fprintf(w, "\n%s", n)
	}
	if len(r.Notes) > 0 {
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\nvalence-api VmHWM: %.1f MiB (warm, with the records), %.1f MiB (cold)\n",
		float64(r.WarmVmHWM)/(1<<20), float64(r.ColdVmHWM)/(1<<20))
}

// ms prints a duration in milliseconds.
func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

// writeJSON writes the results to file, for comparison between runs.
func writeJSON(file string, r results) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, append(b, '\n'), 0o644)
}

// parseInts reads "1,8,64".
func parseInts(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}
