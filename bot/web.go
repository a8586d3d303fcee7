package bot

import (
	"context"
	"strings"
)

// LoginLinks gives admins their way into the web console (package web):
// /web asks for a one-time login link, /web off ends every session the
// admin has open.
type LoginLinks interface {
	// NewLoginLink returns a link that signs userID in once, within a
	// few minutes.
	NewLoginLink(ctx context.Context, userID int64) (string, error)
	// RevokeSessions ends userID's sessions and returns how many were
	// open.
	RevokeSessions(ctx context.Context, userID int64) (int, error)
}

// AdminSet is the set of the bot's admins (Options.Admins, from
// AAJIL_ADMINS): who may use the admin commands, and the web console,
// which checks it on every request.
type AdminSet map[int64]bool

// NewAdminSet returns the set of ids.
func NewAdminSet(ids []int64) AdminSet {
	s := make(AdminSet, len(ids))
	for _, id := range ids {
		s[id] = true
	}
	return s
}

// IsAdmin reports whether userID is in the set.
func (s AdminSet) IsAdmin(userID int64) bool { return s[userID] }

// IsAdmin reports whether userID is one of the bot's admins.
func (b *Bot) IsAdmin(userID int64) bool { return b.admin.IsAdmin(userID) }

// cmdWeb is /web and /web off, for admins. It is a command of the
// general table rather than an admin one, so that an admin who sends it
// in a group is told to use a private chat (the link must not be shown
// to the group); for anyone else it is an unknown command, as admin
// commands are.
func (b *Bot) cmdWeb(ctx context.Context, c *cmdContext) error {
	if c.from == nil || !b.admin[c.from.ID] {
		return b.reply(ctx, c, T(c.lang, MsgUnknownCommand, "/"+c.cmd.Name))
	}
	if c.chat.Type != "private" {
		return b.reply(ctx, c, T(c.lang, MsgWebPrivateOnly))
	}
	if b.opts.LoginLinks == nil {
		return b.reply(ctx, c, T(c.lang, MsgWebNotConfigured))
	}
	switch arg := strings.ToLower(strings.TrimSpace(c.cmd.Args)); arg {
	case "":
		link, err := b.opts.LoginLinks.NewLoginLink(ctx, c.from.ID)
		if err != nil {
			return err
		}
		return b.reply(ctx, c, T(c.lang, MsgWebLink, link, WebLinkMinutes))
	case "off":
		n, err := b.opts.LoginLinks.RevokeSessions(ctx, c.from.ID)
		if err != nil {
			return err
		}
		return b.reply(ctx, c, T(c.lang, MsgWebRevoked, n))
	default:
		return b.reply(ctx, c, T(c.lang, MsgUsageWeb))
	}
}

// WebLinkMinutes is how long a login link of /web is valid, as its reply
// says; package web holds links to it.
const WebLinkMinutes = 10
