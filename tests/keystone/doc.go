// Package keystone tests valence-api's authentication and policy end to end
// against a real Keystone (Debian's keystone package, started by
// internal/auth/keystonetest): tokens from Keystone, roles and projects
// enforced by the server, answers from the real core over an emulated pod
// manager.
package keystone
