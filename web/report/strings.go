package report

import "time"

// Strings are the texts of the pages (StoriesContent, DeliveryContent,
// SubscribersContent) by language ("ar", "en") and
// key; both languages have every key.
var Strings = map[string]map[string]string{
	"en": {
		"stories.title":            "Stories",
		"stories.window":           "Stories first seen between",
		"stories.caption":          "Stories of the last 24 hours, newest first",
		"stories.none":             "No story in this period.",
		"stories.headline":         "Headline",
		"stories.reports":          "Reported by (first seen)",
		"stories.first_seen":       "First seen",
		"stories.first_delivered":  "First delivered",
		"stories.not_delivered":    "not yet",
		"stories.delay":            "Delay",
		"stories.sent":             "Sent",
		"stories.queued":           "Queued",
		"stories.failed":           "Failed",
		"stories.edited":           "Edited",
		"stories.also_reported_by": "Also reported by",
		"stories.why_merged":       "Why these reports are one story",
		"stories.merge_report":     "Report",
		"stories.merge_verdict":    "Verdict (score)",
		"stories.matched":          "Shared",
		"stories.conflicts":        "Conflicts",
		"stories.only_story":       "Only in the story",
		"stories.only_report":      "Only in the report",

		"delivery.title":            "Delivery",
		"delivery.rate":             "Sending",
		"delivery.sent_last_minute": "Sent in the last minute",
		"delivery.of_limit":         "of the limit",
		"delivery.429_hour":         "Too many requests (429), last hour",
		"delivery.429_day":          "Too many requests (429), last day",
		"delivery.depth":            "In the outbox",
		"delivery.pending":          "Being sent",
		"delivery.partitions":       "Outbox partitions",
		"delivery.partition":        "Partition",
		"delivery.holder":           "Held by",
		"delivery.no_holder":        "nobody",
		"delivery.instances":        "Live instances",
		"delivery.instance":         "Instance",
		"delivery.alive_until":      "Alive until",
		"delivery.holds":            "Partitions held",
		"delivery.no_instances":     "No live instance.",
		"delivery.dead_letters":     "Dead letters",
		"delivery.no_dead_letters":  "No dead letter.",
		"delivery.dead_at":          "Given up at",
		"delivery.chat":             "Chat",
		"delivery.story":            "Story",
		"delivery.headline":         "Headline",
		"delivery.reason":           "Reason",
		"delivery.attempts":         "Attempts",
		"delivery.retry":            "Retry",

		"subscribers.title":     "Subscribers",
		"subscribers.total":     "Subscribers",
		"subscribers.count":     "Count",
		"subscribers.none":      "None.",
		"subscribers.unset":     "not set",
		"subscribers.by_state":  "By state",
		"subscribers.state":     "State",
		"subscribers.by_lang":   "By language",
		"subscribers.lang":      "Language",
		"subscribers.by_mode":   "By mode",
		"subscribers.mode":      "Mode",
		"subscribers.top_rules": "Most used rules",
		"subscribers.rule":      "Rule",
		"state.active":          "active",
		"state.paused":          "paused",
		"state.stopped":         "stopped",
	},
	"ar": {
		"stories.title":            "الأخبار",
		"stories.window":           "الأخبار التي ظهرت أولًا بين",
		"stories.caption":          "أخبار آخر 24 ساعة، الأحدث أولًا",
		"stories.none":             "لا أخبار في هذه المدة.",
		"stories.headline":         "العنوان",
		"stories.reports":          "المصادر (أول ظهور)",
		"stories.first_seen":       "أول ظهور",
		"stories.first_delivered":  "أول إرسال",
		"stories.not_delivered":    "لم يُرسل بعد",
		"stories.delay":            "التأخير",
		"stories.sent":             "أُرسل",
		"stories.queued":           "في الانتظار",
		"stories.failed":           "فشل",
		"stories.edited":           "عُدّلت",
		"stories.also_reported_by": "نقله أيضًا",
		"stories.why_merged":       "لماذا عُدّت هذه التقارير خبرًا واحدًا",
		"stories.merge_report":     "التقرير",
		"stories.merge_verdict":    "الحكم (الدرجة)",
		"stories.matched":          "المشترك",
		"stories.conflicts":        "التعارضات",
		"stories.only_story":       "في الخبر وحده",
		"stories.only_report":      "في التقرير وحده",

		"delivery.title":            "الإرسال",
		"delivery.rate":             "معدل الإرسال",
		"delivery.sent_last_minute": "أُرسل في الدقيقة الأخيرة",
		"delivery.of_limit":         "من الحد",
		"delivery.429_hour":         "طلبات كثيرة جدًا (429)، آخر ساعة",
		"delivery.429_day":          "طلبات كثيرة جدًا (429)، آخر يوم",
		"delivery.depth":            "في صندوق الصادر",
		"delivery.pending":          "قيد الإرسال",
		"delivery.partitions":       "أقسام صندوق الصادر",
		"delivery.partition":        "القسم",
		"delivery.holder":           "تحت يد",
		"delivery.no_holder":        "لا أحد",
		"delivery.instances":        "النسخ العاملة",
		"delivery.instance":         "النسخة",
		"delivery.alive_until":      "حيّة حتى",
		"delivery.holds":            "الأقسام التي تحملها",
		"delivery.no_instances":     "لا نسخة عاملة.",
		"delivery.dead_letters":     "الرسائل المتعذرة",
		"delivery.no_dead_letters":  "لا رسائل متعذرة.",
		"delivery.dead_at":          "تُخلّي عنها في",
		"delivery.chat":             "المحادثة",
		"delivery.story":            "الخبر",
		"delivery.headline":         "العنوان",
		"delivery.reason":           "السبب",
		"delivery.attempts":         "المحاولات",
		"delivery.retry":            "أعد المحاولة",

		"subscribers.title":     "المشتركون",
		"subscribers.total":     "المشتركون",
		"subscribers.count":     "العدد",
		"subscribers.none":      "لا شيء.",
		"subscribers.unset":     "غير محدد",
		"subscribers.by_state":  "حسب الحالة",
		"subscribers.state":     "الحالة",
		"subscribers.by_lang":   "حسب اللغة",
		"subscribers.lang":      "اللغة",
		"subscribers.by_mode":   "حسب الوضع",
		"subscribers.mode":      "الوضع",
		"subscribers.top_rules": "القواعد الأكثر استخدامًا",
		"subscribers.rule":      "القاعدة",
		"state.active":          "نشط",
		"state.paused":          "موقوف مؤقتًا",
		"state.stopped":         "متوقف",
	},
}

// T is the text of key in lang, else in English, else the key itself.
func T(lang, key string) string {
	if s, ok := Strings[lang][key]; ok {
		return s
	}
	if s, ok := Strings["en"][key]; ok {
		return s
	}
	return key
}

// isoTime is t for a datetime attribute.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// sep is what goes before the i-th item of a list: nothing, then commas.
func sep(i int) string {
	if i == 0 {
		return ""
	}
	return ", "
}
