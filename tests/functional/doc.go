// Package functional is the black-box functional suite of valence-api: its
// tests build valence-api and rsd-simulator, run them as separate processes
// as a user would (flags, VALENCE_* environment, loopback ports), drive every
// endpoint of the v1 API over HTTP, and check every answer against
// api/openapi.yaml. Every scenario runs once with the store on bolt and once
// on etcd. The package has no code of its own outside its tests.
package functional
