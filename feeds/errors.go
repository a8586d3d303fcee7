package feeds

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"time"
)

// ErrorClass says what kind of failure a fetch or parse error is, so that
// operators see "dns" or "too_large" per source rather than a raw message,
// and metrics can count failures by class.
type ErrorClass string

// The classes of error. ClassOf returns exactly one of them for any
// non-nil error.
const (
	ClassDNS        ErrorClass = "dns"         // the host name did not resolve
	ClassConnect    ErrorClass = "connect"     // refused, reset, unreachable
	ClassTLS        ErrorClass = "tls"         // certificate or handshake failure
	ClassTimeout    ErrorClass = "timeout"     // a deadline or client timeout
	ClassHTTPStatus ErrorClass = "http_status" // a status other than 2xx and 304
	ClassTooLarge   ErrorClass = "too_large"   // the body is over the source's cap
	ClassParse      ErrorClass = "parse"       // the document could not be decoded or parsed
	ClassBlocked    ErrorClass = "blocked"     // a private address or a scheme we refuse
	ClassCanceled   ErrorClass = "canceled"    // the caller's context was canceled
	ClassOther      ErrorClass = "other"       // anything else
)

// FetchError is the error Fetcher.Fetch returns: the cause, classified,
// with what the scheduler needs to decide when to try again.
//
// Parsers report their failures as *ParseError; ClassOf puts those in
// ClassParse, so a parse error need not be wrapped in a FetchError.
type FetchError struct {
	Class ErrorClass
	// Status is the HTTP status code when the server answered, else 0.
	Status int
	// RetryAfter is the delay a 429 or 503 asked for (Retry-After),
	// capped at MaxRetryAfter; zero when none was given.
	RetryAfter time.Duration
	// URL is the requested URL, with any password redacted.
	URL string
	// Err is the underlying error; never nil.
	Err error
}

// Error returns "fetch URL: cause".
func (e *FetchError) Error() string {
	return fmt.Sprintf("fetch %s: %v", e.URL, e.Err)
}

// Unwrap returns the underlying error, for errors.Is and errors.As.
func (e *FetchError) Unwrap() error { return e.Err }

// Sentinel errors, matched with errors.Is.
var (
	// ErrUnsupportedScheme is returned for a URL (or a redirect target)
	// whose scheme is not http or https; its message says "only http and
	// https". Class blocked.
	ErrUnsupportedScheme = errors.New("unsupported URL scheme")
	// ErrTooManyRedirects is returned when a redirect chain is longer
	// than the client allows. Class other.
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrUnknownCharset is returned by DecodeBody for a charset name that
	// is neither a WHATWG nor an IANA label we can decode. Class parse.
	ErrUnknownCharset = errors.New("unknown charset")
)

// BlockedError reports a connection refused at dial time because the
// address is loopback, private, link-local or otherwise not on the public
// Internet.
type BlockedError struct {
	Addr   netip.Addr // the address that was refused (IPv4-mapped forms unmapped)
	Reason string     // e.g. "loopback", "private", "link-local"
}

// Error says which address was refused, why and how to allow it, e.g.
// "private address refused: 127.0.0.1 (loopback; set
// AAJIL_ALLOW_PRIVATE_SOURCES=true to allow private addresses)".
func (e *BlockedError) Error() string {
	return fmt.Sprintf("private address refused: %s (%s; set AAJIL_ALLOW_PRIVATE_SOURCES=true to allow private addresses)",
		e.Addr, e.Reason)
}

// TooLargeError reports a response body over the source's cap, found from
// Content-Length or while reading (after decompression).
type TooLargeError struct {
	Limit int64 // the cap, in bytes
}

// Error returns e.g. "response too large: over 5 MiB".
func (e *TooLargeError) Error() string {
	return "response too large: over " + formatBytes(e.Limit)
}

// formatBytes writes n in the largest binary unit that divides it.
func formatBytes(n int64) string {
	switch {
	case n > 0 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n > 0 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}

// ClassOf classifies err. A *FetchError anywhere in the chain gives its
// Class; otherwise the cause is inspected with errors.Is and errors.As, so
// wrapping never changes the answer. ClassOf(nil) is "".
func ClassOf(err error) ErrorClass {
	if err == nil {
		return ""
	}
	var fe *FetchError
	if errors.As(err, &fe) && fe.Class != "" {
		return fe.Class
	}
	return classify(err)
}

// classify inspects the cause of err; the order matters: a refusal by our
// own dial hook arrives inside a *net.OpError, and a DNS timeout is also a
// net.Error with Timeout() true, but "blocked" and "dns" say more.
func classify(err error) ErrorClass {
	var (
		blocked    *BlockedError
		tooLarge   *TooLargeError
		maxBytes   *http.MaxBytesError
		parseErr   *ParseError
		dnsErr     *net.DNSError
		unknownCA  x509.UnknownAuthorityError
		hostErr    x509.HostnameError
		invalid    x509.CertificateInvalidError
		verifyErr  *tls.CertificateVerificationError
		recordErr  tls.RecordHeaderError
		alertErr   tls.AlertError
		echErr     *tls.ECHRejectionError
		netErr     net.Error
		opErr      *net.OpError
		unknownCS  = errors.Is(err, ErrUnknownCharset)
		badScheme  = errors.Is(err, ErrUnsupportedScheme) || errors.Is(err, ErrInvalidAddress)
		redirected = errors.Is(err, ErrTooManyRedirects)
	)
	switch {
	case errors.Is(err, context.Canceled):
		return ClassCanceled
	case errors.As(err, &blocked), badScheme:
		return ClassBlocked
	case errors.As(err, &tooLarge), errors.As(err, &maxBytes):
		return ClassTooLarge
	case errors.As(err, &parseErr), unknownCS:
		return ClassParse
	case redirected:
		return ClassOther
	case errors.As(err, &dnsErr):
		return ClassDNS
	case errors.As(err, &verifyErr), errors.As(err, &unknownCA), errors.As(err, &hostErr),
		errors.As(err, &invalid), errors.As(err, &recordErr), errors.As(err, &alertErr),
		errors.As(err, &echErr):
		return ClassTLS
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return ClassTimeout
	case errors.As(err, &opErr):
		return ClassConnect
	default:
		return ClassOther
	}
}
