//go:build race

package rsdsim

// raceEnabled scales the large tests down: the race detector makes them ~10x slower.
const raceEnabled = true
