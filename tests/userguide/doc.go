// Package userguide runs the curl blocks of docs/users-guide.md, in order,
// against the built `valence-api --demo`, so that the guide's examples stay
// true. Other blocks of the guide (the CLI's) are left to their own tests.
package userguide
