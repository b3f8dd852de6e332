// Package browser tests the web dashboard (/ui/) end to end: Debian's
// chromium, headless, driven with chromedp, against valence-api and
// rsd-simulator started as a user runs them. It follows what a user does
// (sign in, register a pod manager, create a flavor, compose a node, power,
// volumes, decompose), checks what each page shows and that the browser's
// console holds no error, and that a reader sees no control that changes
// anything, another project's node is not found and a change without the
// CSRF token is refused. It saves a screenshot of every view; with
// -update-screenshots it also writes them to docs/images/ (make
// screenshots).
//
// Without /usr/bin/chromium the tests skip, or fail when CI=true.
package browser
