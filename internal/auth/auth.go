// Package auth establishes who calls the API and decides what they may do.
//
// Authentication has three strategies: keystone (X-Auth-Token validated by
// Keystone v3), http_basic (an htpasswd file of bcrypt hashes) and noauth
// (everyone is an admin). Authorization is a policy of named rules, one per
// operation, in oslo.policy's expression language, with defaults that an
// operator may override from a YAML file.
package auth
