package feeds

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// ErrInvalidAddress is returned for a URL host written as numbers that is
// no IPv4 address (a part over its range, more than four parts). Class
// blocked.
var ErrInvalidAddress = errors.New("invalid numeric address")

// CheckURLPolicy applies the fetch policy to a source URL before anything
// is fetched, without DNS: the scheme must be http or https, and unless
// allowPrivate the host must not be an address literal off the public
// Internet, in any form a browser, curl or inet_aton would connect to
// (127.0.0.1, 2130706433, 0x7f.1, 127.1, 017700000001, [::],
// [::ffff:10.0.0.1]). It returns an error wrapping ErrUnsupportedScheme,
// a *BlockedError or ErrInvalidAddress, or nil. A URL that does not parse
// is left to Validate. Host names are judged at dial time, on the
// addresses they resolve to (NewClient).
func CheckURLPolicy(raw string, allowPrivate bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	if err := checkScheme(u.Scheme); err != nil {
		return err
	}
	if allowPrivate {
		return nil
	}
	addr, kind := hostAddr(u.Hostname())
	switch kind {
	case hostInvalid:
		return fmt.Errorf("host %q: %w", u.Hostname(), ErrInvalidAddress)
	case hostAddress:
		addr = addr.Unmap().WithZone("")
		if reason := nonPublicReason(addr); reason != "" {
			return &BlockedError{Addr: addr, Reason: reason}
		}
	}
	return nil
}

// hostKind says what a URL host is.
type hostKind int

const (
	hostName    hostKind = iota // a name, resolved by DNS
	hostAddress                 // an address literal
	hostInvalid                 // numbers that make no IPv4 address
)

// hostAddr returns the address a URL host (as url.URL.Hostname gives it,
// without brackets) denotes when it is an address literal: an IPv6
// address, or an IPv4 address in any form numericIPv4 reads.
func hostAddr(host string) (netip.Addr, hostKind) {
	if a, err := netip.ParseAddr(host); err == nil {
		return a, hostAddress
	}
	return numericIPv4(host)
}

// numericIPv4 reads the IPv4 forms of inet_aton, which the WHATWG URL
// standard also follows and net/netip does not accept: one to four parts
// separated by dots (one trailing dot allowed), each decimal, octal with a
// leading 0 or hexadecimal with 0x; every part but the last is one byte
// and the last fills the remaining bytes: 127.1 is 127.0.0.1, 0x7f.1 is
// 127.0.0.1, 2130706433 and 017700000001 are 127.0.0.1. A host with a
// part that is not a number is a name; a host of numbers out of range is
// hostInvalid.
func numericIPv4(host string) (netip.Addr, hostKind) {
	host = strings.TrimSuffix(host, ".")
	if host == "" {
		return netip.Addr{}, hostName
	}
	parts := strings.Split(host, ".")
	nums := make([]uint64, len(parts))
	invalid := len(parts) > 4
	for i, p := range parts {
		n, ok, inRange := ipv4Part(p)
		if !ok {
			return netip.Addr{}, hostName
		}
		invalid = invalid || !inRange
		nums[i] = n
	}
	if invalid {
		return netip.Addr{}, hostInvalid
	}
	last := len(nums) - 1
	for _, n := range nums[:last] {
		if n > 0xff {
			return netip.Addr{}, hostInvalid
		}
	}
	if nums[last] >= 1<<(8*(4-last)) {
		return netip.Addr{}, hostInvalid
	}
	v := nums[last]
	for i, n := range nums[:last] {
		v |= n << (8 * (3 - i))
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), hostAddress
}

// ipv4Part reads one part of a numeric IPv4 host. ok is false when it is
// not a number at all; inRange is false for a number over 32 bits.
func ipv4Part(p string) (n uint64, ok, inRange bool) {
	base, digits := 10, p
	switch {
	case len(p) >= 2 && (p[:2] == "0x" || p[:2] == "0X"):
		base, digits = 16, p[2:]
		if digits == "" {
			return 0, true, true // "0x" is zero
		}
	case len(p) >= 2 && p[0] == '0':
		base, digits = 8, p[1:]
	case p == "":
		return 0, false, false
	}
	// With an explicit base, ParseUint takes neither signs nor
	// underscores, only the digits of that base.
	n, err := strconv.ParseUint(digits, base, 32)
	var ne *strconv.NumError
	switch {
	case err == nil:
		return n, true, true
	case errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange):
		return 0, true, false
	default:
		return 0, false, false
	}
}

// numericHostDialer dials the address a numeric IPv4 host denotes
// (2130706433:80 as 127.0.0.1:80), as a browser would, instead of looking
// the digits up in DNS: the dialer's Control hook then judges the real
// address.
func numericHostDialer(d *net.Dialer) func(ctx context.Context, network, address string) (net.Conn, error) {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		if host, port, err := net.SplitHostPort(address); err == nil {
			if a, kind := numericIPv4(host); kind == hostAddress {
				address = net.JoinHostPort(a.String(), port)
			}
		}
		return d.DialContext(ctx, network, address)
	}
}
