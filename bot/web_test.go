package bot

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/aajil/aajil/telegram/telegramtest"
)

// fakeLinks hands out numbered links and records revocations.
type fakeLinks struct {
	mu      sync.Mutex
	links   []int64 // users given a link
	revoked []int64
}

func (f *fakeLinks) NewLoginLink(_ context.Context, userID int64) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.links = append(f.links, userID)
	return "https://aajil.example/admin/login?t=abc&x=1", nil
}

func (f *fakeLinks) RevokeSessions(_ context.Context, userID int64) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.revoked = append(f.revoked, userID)
	return 2, nil
}

func TestWebCommand(t *testing.T) {
	const link = "https://aajil.example/admin/login?t=abc&x=1"
	tests := map[string]struct {
		chat        telegramtest.Chat
		from        telegramtest.User
		text        string
		noLinks     bool
		want        string
		wantLinks   []int64
		wantRevoked []int64
	}{
		"admin, private":        {chat: telegramtest.PrivateChat(enAdmin.ID), from: enAdmin, text: "/web", want: T(LangEN, MsgWebLink, link, WebLinkMinutes), wantLinks: []int64{enAdmin.ID}},
		"admin, private, ar":    {chat: telegramtest.PrivateChat(arAdmin.ID), from: arAdmin, text: "/web", want: T(LangAR, MsgWebLink, link, WebLinkMinutes), wantLinks: []int64{arAdmin.ID}},
		"admin, off":            {chat: telegramtest.PrivateChat(enAdmin.ID), from: enAdmin, text: "/web off", want: T(LangEN, MsgWebRevoked, 2), wantRevoked: []int64{enAdmin.ID}},
		"admin, bad argument":   {chat: telegramtest.PrivateChat(enAdmin.ID), from: enAdmin, text: "/web now", want: T(LangEN, MsgUsageWeb)},
		"admin, in a group":     {chat: group, from: enAdmin, text: "/web", want: T(LangEN, MsgWebPrivateOnly)},
		"not an admin":          {chat: telegramtest.PrivateChat(enUser.ID), from: enUser, text: "/web", want: T(LangEN, MsgUnknownCommand, "/web")},
		"not an admin, a group": {chat: group, from: groupMember, text: "/web", want: T(LangEN, MsgUnknownCommand, "/web")},
		"console not served":    {chat: telegramtest.PrivateChat(enAdmin.ID), from: enAdmin, text: "/web", noLinks: true, want: T(LangEN, MsgWebNotConfigured)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			links := &fakeLinks{}
			opts := Options{Admins: []int64{arAdmin.ID, enAdmin.ID}, LoginLinks: links}
			if tc.noLinks {
				opts.LoginLinks = nil
			}
			h := newHarness(t, opts)
			got := h.send(tc.chat, tc.from, tc.text)
			if len(got) != 1 || got[0].Text != tc.want {
				var texts []string
				for _, m := range got {
					texts = append(texts, m.Text)
				}
				t.Fatalf("replies = %q, want [%q]", texts, tc.want)
			}
			if !slices.Equal(links.links, tc.wantLinks) || !slices.Equal(links.revoked, tc.wantRevoked) {
				t.Errorf("links for %v, revoked %v; want %v and %v", links.links, links.revoked, tc.wantLinks, tc.wantRevoked)
			}
		})
	}
}

func TestIsAdmin(t *testing.T) {
	b := New(nil, nil, Options{Admins: []int64{7}})
	for id, want := range map[int64]bool{7: true, 8: false} {
		if got := b.IsAdmin(id); got != want {
			t.Errorf("IsAdmin(%d) = %v, want %v", id, got, want)
		}
	}
}
