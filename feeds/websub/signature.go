package websub

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
)

// Errors of VerifySignature.
var (
	// ErrUnsigned: the delivery has no X-Hub-Signature.
	ErrUnsigned = errors.New("no signature")
	// ErrBadSignature: the signature is not the body's HMAC with the
	// subscription's secret, or cannot be read.
	ErrBadSignature = errors.New("bad signature")
)

// SignatureHeader is the header in which a hub signs a content delivery.
const SignatureHeader = "X-Hub-Signature"

// hashes are the HMAC hashes a hub may sign with, by the method name of
// the signature header.
var hashes = map[string]func() hash.Hash{
	"sha1": sha1.New, "sha256": sha256.New, "sha384": sha512.New384, "sha512": sha512.New,
}

// VerifySignature checks a signature header value, "method=hexdigest"
// (sha1, sha256, sha384 or sha512), against the HMAC of body with secret,
// comparing in constant time. It returns nil, ErrUnsigned or an error
// wrapping ErrBadSignature.
func VerifySignature(header string, secret, body []byte) error {
	header = strings.TrimSpace(header)
	if header == "" {
		return ErrUnsigned
	}
	method, digest, ok := strings.Cut(header, "=")
	if !ok {
		return fmt.Errorf("%w: not method=digest", ErrBadSignature)
	}
	newHash, ok := hashes[strings.ToLower(method)]
	if !ok {
		return fmt.Errorf("%w: unknown method %q", ErrBadSignature, truncate(method, 16))
	}
	got, err := hex.DecodeString(digest)
	if err != nil {
		return fmt.Errorf("%w: digest not hex", ErrBadSignature)
	}
	mac := hmac.New(newHash, secret)
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return fmt.Errorf("%w: digest does not match", ErrBadSignature)
	}
	return nil
}

// Sign returns the signature header value of body with secret by method
// (sha1, sha256, sha384 or sha512), as a hub computes it; "" for an
// unknown method.
func Sign(method string, secret, body []byte) string {
	newHash, ok := hashes[method]
	if !ok {
		return ""
	}
	mac := hmac.New(newHash, secret)
	mac.Write(body)
	return method + "=" + hex.EncodeToString(mac.Sum(nil))
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
