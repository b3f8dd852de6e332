package valence

import (
	"crypto/x509"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The bounds of everything a request may ask for, in one place: the core
// checks them before it stores anything or asks a pod manager anything, and
// api/openapi.yaml states the same numbers as maximum, maxLength and
// maxItems (a test in internal/server holds the two together). Each is far
// above what real hardware has and far below what could hurt the server: an
// Allocate request has one entry per processor asked for, so an unbounded
// count exhausts memory, and a capacity in GiB becomes bytes in an int64.
const (
	// MaxNameLen bounds names (pod managers, flavors, nodes, volumes), user
	// names, a processor model and a PCI device type.
	MaxNameLen = 255
	// MaxDescriptionLen bounds descriptions and a pod manager's location.
	MaxDescriptionLen = 1024
	// MaxURLLen bounds a pod manager's URL and a storage service's URI.
	MaxURLLen = 2048
	// MaxPasswordLen bounds a pod manager's password.
	MaxPasswordLen = 1024
	// MaxCACertLen bounds a pod manager's PEM certificates: a few
	// certificates, not a whole system bundle (empty uses the system's).
	MaxCACertLen = 64 << 10
	// MaxIDLen bounds an id given in a body (podm_id, flavor_id,
	// resource_id, source): a uuid has 36 characters.
	MaxIDLen = 64
	// MaxNodeIndexLen bounds the pod manager's Id of a node to adopt.
	MaxNodeIndexLen = 255
	// MaxPathIDLen bounds the {id} of a path (a system's or rack's UUID or
	// pod-manager Id, a volume's id) and the index filter of nodes.
	MaxPathIDLen = 255
	// MaxMarkerLen bounds ?marker=: an item's id, or a system's
	// "podm_id:Id".
	MaxMarkerLen = MaxIDLen + 1 + MaxPathIDLen
	// MaxQueryParamLen bounds a query parameter's name, and the value of one
	// without a bound of its own (an enum filter, force, limit, or one the
	// operation refuses).
	MaxQueryParamLen = 64
	// MaxListItems bounds every list in a body: drives, network
	// interfaces, PCI device types, authentication entries.
	MaxListItems = 64

	// MaxProcessorCount bounds processor.count, the number of processors.
	MaxProcessorCount = 64
	// MaxTotalCores bounds processor.total_cores.
	MaxTotalCores = 16384
	// MaxMemoryMiB bounds memory.capacity_mib (64 TiB).
	MaxMemoryMiB = 1 << 26
	// MaxCapacityGiB bounds a drive's or volume's capacity_gib (1 PiB).
	MaxCapacityGiB = 1 << 20
	// MaxSpeedMbps bounds network.speed_mbps (1 Tbit/s).
	MaxSpeedMbps = 1_000_000
	// MaxVLAN is the highest VLAN id (IEEE 802.1Q).
	MaxVLAN = 4094
	// MaxPageLimit is the largest page a list answers (?limit=).
	MaxPageLimit = 1000
)

// Shortened is s cut to at most max bytes at a rune boundary, marked "…"
// when cut: what a message may echo of a caller's overlong input.
func Shortened(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// name checks a required name: not blank, and text of at most MaxNameLen.
func (v *validator) name(s string) {
	if strings.TrimSpace(s) == "" {
		v.fail("name is required")
		return
	}
	v.text("name", s, MaxNameLen)
}

// upTo checks that n is within [0, max], naming the field and the bound.
func (v *validator) upTo(field string, n, max int) {
	v.nonNegative(field, n)
	if n > max {
		v.fail("%s must be at most %d, not %d", field, max, n)
	}
}

// items checks the length of a list.
func (v *validator) items(field string, n, max int) {
	if n > max {
		v.fail("%s may have at most %d entries, not %d", field, max, n)
	}
}

// size checks the length of a string in bytes; it is for secrets and
// certificates, whose content is not shown back.
func (v *validator) size(field, s string, max int) {
	if len(s) > max {
		v.fail("%s may be at most %d bytes long, not %d", field, max, len(s))
	}
}

// pem checks that a non-empty s holds at least one PEM certificate that
// parses, so that a pasted key or a DER file is refused at once instead of
// leaving the pod manager Offline at every connection.
func (v *validator) pem(field, s string, max int) {
	if len(s) > max {
		v.size(field, s, max)
		return
	}
	if s != "" && !x509.NewCertPool().AppendCertsFromPEM([]byte(s)) {
		v.fail("%s holds no PEM certificate (-----BEGIN CERTIFICATE-----) that parses", field)
	}
}

// text checks a string that is shown, stored and sent on as text (a name, a
// description): at most max bytes of valid UTF-8 without control
// characters, which would forge log lines and break terminals.
func (v *validator) text(field, s string, max int) {
	if msg := textProblem(s, max); msg != "" {
		v.fail("%s %s", field, msg)
	}
}

// textProblem says what is wrong with s as text of at most max bytes, or "".
func textProblem(s string, max int) string {
	if len(s) > max {
		return fmt.Sprintf("may be at most %d bytes long, not %d", max, len(s))
	}
	for i, r := range s {
		// Invalid UTF-8 reads as U+FFFD, and so does a lone surrogate
		// escape ("\ud800") once JSON is decoded: either is a broken text.
		if r == utf8.RuneError {
			return fmt.Sprintf("is not valid UTF-8 (U+FFFD at byte %d)", i)
		}
		if unicode.IsControl(r) {
			return fmt.Sprintf("must not hold control characters (%U at byte %d)", r, i)
		}
	}
	return ""
}
