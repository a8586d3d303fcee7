package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aajil/aajil/store"
)

// sessionCookie is the name of the session cookie.
const sessionCookie = "aajil_session"

// A login token is payload.signature, both base64url: the payload is the
// user id and expiry (Unix seconds), 8 bytes each, and a 16-byte nonce;
// the signature the first 16 bytes of its HMAC-SHA256 under the secret.
// A forged or altered token is refused by the signature, an expired one
// by its expiry, both before Redis is asked; Redis then takes the token
// once (single use).
const (
	payloadLen = 8 + 8 + 16
	sigLen     = 16
)

var b64 = base64.RawURLEncoding

// errBadToken is any token that cannot sign in: forged, expired or used.
var errBadToken = errors.New("login link invalid, expired or already used")

// NewLoginLink makes a one-time login link for userID, valid LinkTTL
// (bot.LoginLinks).
func (c *Console) NewLoginLink(ctx context.Context, userID int64) (string, error) {
	payload := make([]byte, payloadLen)
	binary.BigEndian.PutUint64(payload, uint64(userID))
	binary.BigEndian.PutUint64(payload[8:], uint64(c.now().Add(LinkTTL).Unix()))
	if _, err := rand.Read(payload[16:]); err != nil {
		return "", fmt.Errorf("login link: %w", err)
	}
	token := b64.EncodeToString(payload) + "." + b64.EncodeToString(c.sign(payload))
	if err := c.opts.Store.PutLoginToken(ctx, hashID(token), userID, LinkTTL); err != nil {
		return "", fmt.Errorf("login link: %w", err)
	}
	return c.loginURL(token), nil
}

// RevokeSessions ends every session of userID (bot.LoginLinks).
func (c *Console) RevokeSessions(ctx context.Context, userID int64) (int, error) {
	return c.opts.Store.RevokeWebSessions(ctx, userID)
}

// sign is the truncated HMAC of payload.
func (c *Console) sign(payload []byte) []byte {
	m := hmac.New(sha256.New, c.secret)
	m.Write(payload)
	return m.Sum(nil)[:sigLen]
}

// checkToken verifies a token's signature and expiry, without Redis, and
// returns the user it names.
func (c *Console) checkToken(token string) (int64, error) {
	p, s, ok := strings.Cut(token, ".")
	if !ok {
		return 0, errBadToken
	}
	payload, err1 := b64.DecodeString(p)
	sig, err2 := b64.DecodeString(s)
	if err1 != nil || err2 != nil || len(payload) != payloadLen || !hmac.Equal(sig, c.sign(payload)) {
		return 0, errBadToken
	}
	if c.now().Unix() > int64(binary.BigEndian.Uint64(payload[8:])) {
		return 0, errBadToken
	}
	return int64(binary.BigEndian.Uint64(payload)), nil
}

// redeem uses a login token once and opens a session: it returns the
// session's cookie value.
func (c *Console) redeem(ctx context.Context, token string) (string, error) {
	user, err := c.checkToken(token)
	if err != nil {
		return "", err
	}
	stored, err := c.opts.Store.TakeLoginToken(ctx, hashID(token))
	if errors.Is(err, store.ErrNotFound) || (err == nil && stored != user) {
		return "", errBadToken
	}
	if err != nil {
		return "", err
	}
	if !c.opts.Admins.IsAdmin(user) {
		return "", errBadToken
	}
	sid, csrf := randomToken(), randomToken()
	sess := store.WebSession{UserID: user, CSRF: csrf, Created: c.now().UTC()}
	if err := c.opts.Store.PutWebSession(ctx, hashID(sid), sess, SessionTTL); err != nil {
		return "", err
	}
	return sid, nil
}

// randomToken is 32 random bytes, base64url.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return b64.EncodeToString(b)
}

// hashID is the Redis name of a token or session id: what a browser
// holds never lands in Redis as such.
func hashID(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}

// session is the signed-in admin of a request.
type session struct {
	id   string // the cookie's value
	sess store.WebSession
}

// by names the admin in the audit log and in origins.
func (s *session) by() string { return "web:tg:" + strconv.FormatInt(s.sess.UserID, 10) }

// sessionOf returns the request's session, nil when it has none that is
// valid: no cookie, expired or revoked, or its user no longer an admin.
func (c *Console) sessionOf(r *http.Request) (*session, error) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return nil, nil
	}
	sess, err := c.opts.Store.WebSession(r.Context(), hashID(ck.Value))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !c.opts.Admins.IsAdmin(sess.UserID) {
		return nil, nil
	}
	return &session{id: ck.Value, sess: sess}, nil
}

// setSessionCookie gives the browser its session.
func (c *Console) setSessionCookie(w http.ResponseWriter, sid string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: sid, Path: strings.TrimSuffix(Prefix, "/"),
		MaxAge: int(maxAge / time.Second), HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteStrictMode,
	})
}

// csrfOK reports whether a POST carries the session's CSRF token.
func (s *session) csrfOK(r *http.Request) bool {
	got := r.PostFormValue("csrf")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.sess.CSRF)) == 1
}

// handlerFunc is a page of a signed-in admin.
type handlerFunc func(w http.ResponseWriter, r *http.Request, s *session)

// authed runs h for a signed-in admin; anyone else gets the login page.
// A POST must carry the session's CSRF token, or it is refused (403)
// before anything changes.
func (c *Console) authed(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := c.sessionOf(r)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		if s == nil {
			c.renderLogin(w, r, http.StatusForbidden, "", false)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
			if err := r.ParseMultipartForm(maxForm); err != nil && !errors.Is(err, http.ErrNotMultipart) {
				http.Error(w, "bad form", http.StatusBadRequest)
				return
			}
			if !s.csrfOK(r) {
				http.Error(w, "forbidden: the form's token is missing or wrong; reload the page", http.StatusForbidden)
				return
			}
		}
		h(w, r, s)
	}
}

// maxForm bounds a form, an imported file included.
const maxForm = 1 << 20

// loginPage is GET /admin/login?t=TOKEN: a page whose button signs in.
// The link is only checked here, not used, so that a link preview or a
// prefetch cannot spend it, and the POST it makes is same-site, so the
// Strict cookie it sets goes with the next page.
func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("t")
	if token == "" {
		c.renderLogin(w, r, http.StatusOK, "", false)
		return
	}
	if _, err := c.checkToken(token); err != nil {
		c.renderLogin(w, r, http.StatusForbidden, "", true)
		return
	}
	c.renderLogin(w, r, http.StatusOK, token, false)
}

// login is POST /admin/login: the token is used and a session opened.
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	sid, err := c.redeem(r.Context(), r.PostFormValue("t"))
	if errors.Is(err, errBadToken) {
		c.renderLogin(w, r, http.StatusForbidden, "", true)
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.setSessionCookie(w, sid, SessionTTL)
	http.Redirect(w, r, Prefix+"sources", http.StatusSeeOther)
}

// logout is POST /admin/logout.
func (c *Console) logout(w http.ResponseWriter, r *http.Request, s *session) {
	if err := c.opts.Store.DeleteWebSession(r.Context(), hashID(s.id), s.sess.UserID); err != nil {
		c.fail(w, r, err)
		return
	}
	c.setSessionCookie(w, "", -time.Second)
	http.Redirect(w, r, Prefix+"login", http.StatusSeeOther)
}
