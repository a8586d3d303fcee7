package callback

// Button is an inline button: its label and callback data.
type Button struct {
	Text string
	Data string
}

// The labels of an alert's buttons, in Arabic and English.
const (
	muteAR = "🔇 أوقف هذا المصدر"
	muteEN = "🔇 Mute this source"
	whyAR  = "لماذا؟"
	whyEN  = "Why?"
)

// AlertKeyboard is the keyboard under an alert: "Mute this source" for
// sourceID and, when why (the chat has rules, so the alert matched one),
// "Why?" for storyID; in Arabic when lang is "ar". Nil without a source.
func AlertKeyboard(lang, sourceID, storyID string, why bool) [][]Button {
	if sourceID == "" {
		return nil
	}
	mute, whyText := muteEN, whyEN
	if lang == "ar" {
		mute, whyText = muteAR, whyAR
	}
	row := []Button{{Text: mute, Data: Alert{MuteAsk, SourceKey(sourceID)}.Data()}}
	if why && storyID != "" && len(storyID) <= maxArg {
		row = append(row, Button{Text: whyText, Data: Alert{Why, storyID}.Data()})
	}
	return [][]Button{row}
}
