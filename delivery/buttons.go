package delivery

import (
	"context"

	"github.com/aajil/aajil/internal/callback"
)

// alertButtons is the keyboard under an alert to chatID about storyID
// from sourceID (callback.AlertKeyboard): "Mute this source" and, when
// the alert matched a rule, "Why?". None when the chat turned buttons
// off (/buttons off) or its subscriber cannot be read: an alert is never
// held back for its buttons.
func (s *Sender) alertButtons(ctx context.Context, chatID int64, lang, sourceID, storyID, rule string) [][]callback.Button {
	sub, found, err := s.subscriber(ctx, chatID)
	if err != nil || !found || sub.NoButtons {
		return nil
	}
	return callback.AlertKeyboard(alertLang(lang), sourceID, storyID, rule != "")
}
