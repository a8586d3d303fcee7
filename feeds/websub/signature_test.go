package websub

import (
	"errors"
	"os"
	"testing"
)

func TestVerifySignature(t *testing.T) {
	body, err := os.ReadFile("../../testdata/en_bbc_world_2026-08-13T0424Z.rss")
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("s3cr3t")
	for _, method := range []string{"sha1", "sha256", "sha384", "sha512"} {
		t.Run(method, func(t *testing.T) {
			sig := Sign(method, secret, body)
			if err := VerifySignature(sig, secret, body); err != nil {
				t.Errorf("VerifySignature(own %s signature) = %v, want nil", method, err)
			}
			if err := VerifySignature(sig, []byte("other"), body); !errors.Is(err, ErrBadSignature) {
				t.Errorf("with another secret: got %v, want ErrBadSignature", err)
			}
			changed := append([]byte(nil), body...)
			changed[len(changed)/2] ^= 1
			if err := VerifySignature(sig, secret, changed); !errors.Is(err, ErrBadSignature) {
				t.Errorf("with a changed body: got %v, want ErrBadSignature", err)
			}
		})
	}
	for _, tc := range []struct {
		name, header string
		want         error
	}{
		{"none", "", ErrUnsigned},
		{"blank", "  ", ErrUnsigned},
		{"no method", "abcdef", ErrBadSignature},
		{"unknown method", "md5=" + Sign("sha1", secret, body)[5:], ErrBadSignature},
		{"not hex", "sha256=zz", ErrBadSignature},
		{"truncated", Sign("sha256", secret, body)[:20], ErrBadSignature},
	} {
		if err := VerifySignature(tc.header, secret, body); !errors.Is(err, tc.want) {
			t.Errorf("%s: VerifySignature(%q) = %v, want %v", tc.name, tc.header, err, tc.want)
		}
	}
}

func TestSignUnknownMethod(t *testing.T) {
	if got := Sign("md5", []byte("k"), []byte("b")); got != "" {
		t.Errorf("Sign(md5) = %q, want empty", got)
	}
}
