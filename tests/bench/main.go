// Command bench is the benchmark harness of `make bench`: it builds and
// starts rsd-simulator and valence-api as separate processes on loopback,
// drives them with a concurrent load generator, and prints one table that
// sets each scenario beside its limit measured in the same run: what the
// pod manager itself gives (the direct Redfish requests) or what the same
// HTTP stack gives with no work behind it (a bare handler serving the same
// bytes). docs/performance.md explains the scenarios and holds a run.
//
//	go run ./tests/bench [-systems 1000] [-podms 1] [-records 200] [-c 8] [-duration 3s] [-compose-c 1,8,64] [-json FILE]
//	go run ./tests/bench -quick
//
// It asserts nothing about timings: it fails only when a process or a
// request fails.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// settings are the flags of a run.
type settings struct {
	Systems      int           `json:"systems"`
	Podms        int           `json:"podms"`
	Records      int           `json:"records"`
	Concurrency  int           `json:"concurrency"`
	Composes     []int         `json:"compose_concurrency"`
	WalkInFlight int           `json:"walk_in_flight"`
	Duration     time.Duration `json:"duration_ns"`
	MinSamples   int           `json:"min_samples"`
	Sustain      time.Duration `json:"sustain_ns"`
	SustainTTL   time.Duration `json:"sustain_ttl_ns"`
	Bin          string        `json:"bin,omitempty"`
	Profiles     string        `json:"profiles,omitempty"`
}

// Bounds of the flags, so that a typo cannot start a run of hours.
const (
	maxSystems     = 20000
	maxRecords     = 100000
	maxConcurrency = 256
	maxWalk        = 64
	maxPodms       = 16
	maxDuration    = 10 * time.Minute
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var s settings
	fs.IntVar(&s.Systems, "systems", 1000, "systems of each simulated pod manager")
	fs.IntVar(&s.Podms, "podms", 1, "simulated pod managers, each registered with every valence-api")
	fs.IntVar(&s.Records, "records", 200, "node records (composed nodes) for the node list; past -systems, composed in rounds of -systems whose nodes all but the last round's are then deleted on the simulator directly, leaving their records")
	fs.IntVar(&s.Concurrency, "c", 8, "clients at once for the warm lists")
	fs.IntVar(&s.WalkInFlight, "walk", 16, "requests in flight of the direct walk, and valence-api's VALENCE_PODM_PARALLELISM (an older build keeps its own, 16)")
	fs.DurationVar(&s.Duration, "duration", 3*time.Second, "how long each scenario (and each limit) is driven")
	fs.IntVar(&s.MinSamples, "min", 3, "fewest requests measured per scenario, even past -duration")
	fs.DurationVar(&s.Sustain, "sustain", 10*time.Second, "how long the mixed load across cache expiry is driven")
	fs.DurationVar(&s.SustainTTL, "sustain-ttl", 2*time.Second, "VALENCE_INVENTORY_TTL of the valence-api under that load (several expire within -sustain)")
	composes := fs.String("compose-c", "1,8,64", "concurrency levels of compose+decompose, comma-separated")
	jsonOut := fs.String("json", "", "also write the results as JSON to this file")
	fs.StringVar(&s.Profiles, "profile", "", "directory to write a CPU profile of valence-api (VALENCE_PPROF) for each scenario it serves, taken while it is driven")
	fs.StringVar(&s.Bin, "bin", "", "directory of valence-api and rsd-simulator already built (e.g. of another commit, to compare); empty builds them from this module")
	quick := fs.Bool("quick", false, "small sizes and short runs: every scenario in under a minute (make bench-quick)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *quick {
		s.Systems, s.Records, s.Duration, s.MinSamples, s.Sustain, s.SustainTTL = 100, 50, 500*time.Millisecond, 2, 2*time.Second, 300*time.Millisecond
	}
	var err error
	if s.Composes, err = parseInts(*composes); err != nil {
		return fmt.Errorf("-compose-c: %v", err)
	}
	switch {
	case s.Systems < 1 || s.Systems > maxSystems:
		return fmt.Errorf("-systems must be 1 to %d", maxSystems)
	case s.Podms < 1 || s.Podms > maxPodms:
		return fmt.Errorf("-podms must be 1 to %d", maxPodms)
	case s.Records < 1 || s.Records > maxRecords:
		return fmt.Errorf("-records must be 1 to %d", maxRecords)
	case s.Concurrency < 1 || s.Concurrency > maxConcurrency:
		return fmt.Errorf("-c must be 1 to %d", maxConcurrency)
	case s.WalkInFlight < 1 || s.WalkInFlight > maxWalk:
		return fmt.Errorf("-walk must be 1 to %d (VALENCE_PODM_PARALLELISM's bound)", maxWalk)
	case s.Duration <= 0 || s.Duration > maxDuration || s.Sustain <= 0 || s.Sustain > maxDuration:
		return fmt.Errorf("-duration and -sustain must be in (0, %s]", maxDuration)
	case s.SustainTTL < time.Millisecond || s.SustainTTL > time.Hour:
		return fmt.Errorf("-sustain-ttl must be in [1ms, 1h]")
	case s.MinSamples < 1 || s.MinSamples > 1000:
		return fmt.Errorf("-min must be 1 to 1000")
	}
	for _, c := range s.Composes {
		if c < 1 || c > maxConcurrency || c > s.Systems {
			return fmt.Errorf("-compose-c: %d is not in 1 to min(%d, -systems)", c, maxConcurrency)
		}
	}

	// SIGINT stops the processes started before the harness exits.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	lab, err := startLab(s)
	if err != nil {
		return err
	}
	defer lab.close()
	go func() { <-sig; lab.close(); os.Exit(130) }()

	res, err := lab.runAll()
	if err != nil {
		return err
	}
	printTable(os.Stdout, res)
	if *jsonOut != "" {
		return writeJSON(*jsonOut, res)
	}
	return nil
}
