package bot

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aajil/aajil/telegram/telegramtest"
)

func TestAdminCache(t *testing.T) {
	clock := &testClock{now: testEpoch}
	var mu sync.Mutex
	calls := 0
	statuses := map[int64]string{1: "creator", 2: "administrator", 3: "member", 4: "left", 5: "kicked", 6: "restricted"}
	fail := false
	c := newAdminCache(time.Minute, func(_ context.Context, chatID, userID int64) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if fail {
			return "", errors.New("telegram down")
		}
		return statuses[userID], nil
	}, clock.Now)

	for user, want := range map[int64]bool{1: true, 2: true, 3: false, 4: false, 5: false, 6: false} {
		got, err := c.isAdmin(context.Background(), -100, user)
		if err != nil || got != want {
			t.Errorf("isAdmin(user %d, %s) = %v, %v; want %v", user, statuses[user], got, err, want)
		}
	}
	if calls != 6 {
		t.Fatalf("calls = %d, want 6", calls)
	}
	// Within the TTL: from the cache.
	clock.Advance(59 * time.Second)
	if got, _ := c.isAdmin(context.Background(), -100, 2); !got || calls != 6 {
		t.Errorf("cached isAdmin = %v after %d calls, want true after 6", got, calls)
	}
	// After it: asked again, and a demotion is seen.
	clock.Advance(2 * time.Second)
	statuses[2] = "member"
	if got, _ := c.isAdmin(context.Background(), -100, 2); got || calls != 7 {
		t.Errorf("isAdmin after the TTL = %v after %d calls, want false after 7", got, calls)
	}
	// Errors are returned and not cached.
	clock.Advance(2 * time.Minute)
	fail = true
	if _, err := c.isAdmin(context.Background(), -100, 1); err == nil {
		t.Error("isAdmin with Telegram down succeeded, want an error")
	}
	fail = false
	if got, err := c.isAdmin(context.Background(), -100, 1); err != nil || !got || calls != 9 {
		t.Errorf("isAdmin after recovery = %v, %v after %d calls; want true after 9", got, err, calls)
	}
	// Other chats are other entries.
	if got, _ := c.isAdmin(context.Background(), -200, 1); !got || calls != 10 {
		t.Errorf("isAdmin in another chat = %v after %d calls, want true after 10", got, calls)
	}
}

func TestGroupAdminCheckIsCached(t *testing.T) {
	h := newHarness(t, Options{})
	h.send(group, groupAdmin, "/start")
	h.send(group, groupAdmin, "/add حمص")
	h.send(group, groupMember, "/add درعا")
	h.send(group, groupMember, "/mode all")
	if n := len(h.fake.Calls("getChatMember")); n != 2 {
		t.Errorf("getChatMember calls = %d, want 2 (one per user)", n)
	}
	// Promoted: seen once the cached answer expires.
	h.fake.SetChatMember(group.ID, groupMember.ID, "administrator")
	if got := h.send(group, groupMember, "/mode all"); len(got) != 1 || got[0].Text != T(LangAR, MsgNotAdmin) {
		t.Errorf("reply within the TTL = %+v, want the refusal", got)
	}
	h.clock.Advance(DefaultAdminCacheTTL + time.Second)
	if got := h.send(group, groupMember, "/mode all"); len(got) != 1 || got[0].Text != T(LangAR, MsgModeAll) {
		t.Errorf("reply after the TTL = %+v, want the mode set", got)
	}
}

func TestGroupRepliesQuoteTheCommand(t *testing.T) {
	h := newHarness(t, Options{})
	msgID := h.fake.SendText(group, groupAdmin, "/help")
	h.handlePending()
	sent := h.fake.Sent(group.ID)
	if len(sent) != 1 || sent[0].ReplyToMessageID != msgID {
		t.Errorf("group reply = %+v, want a reply to message %d", sent, msgID)
	}
	h.send(telegramtest.PrivateChat(enUser.ID), enUser, "/help")
	if got := h.fake.Sent(enUser.ID); len(got) != 1 || got[0].ReplyToMessageID != 0 {
		t.Errorf("private reply = %+v, want a plain message", got)
	}
}

func TestAnonymousGroupAdmin(t *testing.T) {
	h := newHarness(t, Options{})
	// An admin posting as the group: sender_chat is the group, from is
	// Telegram's placeholder user, which getChatMember knows nothing of.
	u := helpUpdate(1, 1087968824)
	u.Message.Text = "/start"
	u.Message.Chat.ID, u.Message.Chat.Type = group.ID, group.Type
	u.Message.SenderChat = u.Message.Chat
	h.bot.HandleUpdate(context.Background(), u)
	if h.sub(group.ID) == nil {
		t.Error("group not subscribed by its anonymous admin")
	}
	if n := len(h.fake.Calls("getChatMember")); n != 0 {
		t.Errorf("getChatMember calls = %d, want 0", n)
	}
}
