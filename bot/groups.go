package bot

import (
	"context"
	"fmt"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/aajil/aajil/telegram"
)

// DefaultAdminCacheTTL is how long an answer of getChatMember is trusted.
// Long enough that a burst of commands in a group costs one call, short
// enough that a demoted admin loses control within a minute.
const DefaultAdminCacheTTL = time.Minute

// memberFunc asks Telegram for a user's status in a chat ("creator",
// "administrator", "member", …). It is a function so that the cache does
// not depend on tgbotapi and its tests need no server.
type memberFunc func(ctx context.Context, chatID, userID int64) (status string, err error)

// adminCache answers "is this user an admin of this chat?", asking
// Telegram at most once per TTL for each pair. Errors are not cached: the
// next command asks again. Safe for concurrent use.
type adminCache struct {
	ttl    time.Duration
	member memberFunc
	now    func() time.Time

	mu      sync.Mutex
	entries map[memberKey]adminEntry
	swept   time.Time
}

type memberKey struct{ chat, user int64 }

type adminEntry struct {
	admin   bool
	expires time.Time
}

func newAdminCache(ttl time.Duration, member memberFunc, now func() time.Time) *adminCache {
	if ttl <= 0 {
		ttl = DefaultAdminCacheTTL
	}
	return &adminCache{ttl: ttl, member: member, now: now, entries: map[memberKey]adminEntry{}}
}

// isAdmin reports whether user is the creator or an administrator of chat.
func (c *adminCache) isAdmin(ctx context.Context, chatID, userID int64) (bool, error) {
	key := memberKey{chatID, userID}
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.admin, nil
	}
	// Two commands racing here both ask Telegram; that is rarer and
	// cheaper than holding the lock across an HTTP call.
	status, err := c.member(ctx, chatID, userID)
	if err != nil {
		return false, err
	}
	admin := status == "creator" || status == "administrator"
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sweep(now)
	c.entries[key] = adminEntry{admin: admin, expires: now.Add(c.ttl)}
	return admin, nil
}

// sweep drops expired entries, at most once per TTL; c.mu held.
func (c *adminCache) sweep(now time.Time) {
	if now.Sub(c.swept) < c.ttl {
		return
	}
	c.swept = now
	for k, e := range c.entries {
		if !now.Before(e.expires) {
			delete(c.entries, k)
		}
	}
}

// telegramMember is the memberFunc that calls getChatMember.
func telegramMember(api *tgbotapi.BotAPI) memberFunc {
	return func(ctx context.Context, chatID, userID int64) (string, error) {
		m, err := telegram.WithContext(ctx, api).GetChatMember(tgbotapi.GetChatMemberConfig{
			ChatConfigWithUser: tgbotapi.ChatConfigWithUser{ChatID: chatID, UserID: userID},
		})
		if err != nil {
			return "", fmt.Errorf("get chat member %d of %d: %w", userID, chatID, telegram.RedactToken(err, api.Token))
		}
		return m.Status, nil
	}
}

// isGroup reports whether a chat type is a group of either kind.
func isGroup(chatType string) bool {
	return chatType == "group" || chatType == "supergroup"
}

// anonymousAdmin reports whether a group message was sent by an admin
// who posts as the group itself (Telegram's "remain anonymous" setting):
// its sender_chat is the group. Only admins can do that, and
// getChatMember cannot tell, since the message has no user behind it.
func anonymousAdmin(msg *tgbotapi.Message) bool {
	return msg.SenderChat != nil && msg.Chat != nil && msg.SenderChat.ID == msg.Chat.ID
}
