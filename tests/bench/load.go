package main

import (
	"slices"
	"sync"
	"time"
)

// measure is what driving one thing gave: latencies and throughput.
type measure struct {
	Concurrency int           `json:"concurrency"`
	Requests    int           `json:"requests"`
	P50         time.Duration `json:"p50_ns"`
	P99         time.Duration `json:"p99_ns"`
	Max         time.Duration `json:"max_ns"`
	PerSecond   float64       `json:"per_second"`
}

// drive calls op from c goroutines at once until d has passed and at least
// min calls are done; the first error stops it.
func drive(c int, d time.Duration, min int, op func() error) (measure, error) {
	var (
		mu    sync.Mutex
		lats  []time.Duration
		first error
		wg    sync.WaitGroup
	)
	start := time.Now()
	more := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return first == nil && (time.Since(start) < d || len(lats) < min)
	}
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for more() {
				t := time.Now()
				err := op()
				lat := time.Since(t)
				mu.Lock()
				if err != nil && first == nil {
					first = err
				}
				lats = append(lats, lat)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if first != nil {
		return measure{}, first
	}
	slices.Sort(lats)
	return measure{
		Concurrency: c, Requests: len(lats),
		P50: pct(lats, 50), P99: pct(lats, 99), Max: lats[len(lats)-1],
		PerSecond: float64(len(lats)) / elapsed.Seconds(),
	}, nil
}

// pct is the p-th percentile of sorted (nearest rank).
func pct(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100
	return sorted[max(i-1, 0)]
}
