package web

import "fmt"

// texts are the console's words, English and Arabic, by key; a text with
// fmt verbs takes arguments. The pages escape what tr returns.
var texts = map[string][2]string{
	"nav_sources":     {"Sources", "المصادر"},
	"nav_tester":      {"Tester", "فاحص المحددات"},
	"nav_stories":     {"Stories", "الأخبار"},
	"nav_delivery":    {"Delivery", "الإرسال"},
	"nav_subscribers": {"Subscribers", "المشتركون"},
	"sign_out":        {"Sign out", "تسجيل الخروج"},

	"login_title":   {"Aajil admin console", "لوحة إدارة عاجل"},
	"login_help":    {"To sign in, send /web to the bot in a private chat and open the link it gives you (valid 10 minutes, once).", "لتسجيل الدخول أرسل ‎/web‎ إلى البوت في محادثة خاصة وافتح الرابط الذي يرسله (صالح لعشر دقائق ولمرة واحدة)."},
	"login_button":  {"Sign in", "تسجيل الدخول"},
	"login_refused": {"This login link is invalid, expired or already used. Send /web to the bot for a new one.", "رابط الدخول هذا غير صالح أو منتهي أو استُخدم من قبل. أرسل ‎/web‎ إلى البوت للحصول على رابط جديد."},

	"sources_title":    {"Sources (%d)", "المصادر (%d)"},
	"no_sources":       {"No sources yet.", "لا توجد مصادر بعد."},
	"add_source":       {"Add a source", "إضافة مصدر"},
	"edit_source":      {"Edit source", "تعديل المصدر"},
	"import_yaml":      {"Import YAML", "استيراد YAML"},
	"export_yaml":      {"Export YAML", "تصدير YAML"},
	"col_source":       {"Source", "المصدر"},
	"col_kind":         {"Kind", "النوع"},
	"col_interval":     {"Interval", "الفاصل"},
	"col_last_success": {"Last success", "آخر نجاح"},
	"col_last_error":   {"Last error", "آخر خطأ"},
	"col_items":        {"Items 24 h", "الأخبار خلال 24 ساعة"},
	"col_urgent":       {"Urgent", "عاجل"},
	"col_poll":         {"Last poll", "آخر جلب"},
	"col_304":          {"304 share", "نسبة 304"},
	"col_actions":      {"Actions", "إجراءات"},
	"col_headline":     {"Headline", "العنوان"},
	"col_published":    {"Published", "النشر"},
	"state_paused":     {"paused", "متوقف"},
	"state_failing":    {"failing (%d)", "يفشل (%d)"},
	"now":              {"now", "الآن"},
	"reason_fixed":     {"fixed", "ثابت"},
	"reason_learned":   {"learned from its rate", "من معدل نشره"},
	"reason_cascade":   {"breaking news elsewhere", "خبر عاجل في مصدر آخر"},
	"reason_push":      {"pushed by WebSub", "يصل بالدفع (WebSub)"},
	"lag":              {"late by", "تأخر"},
	"next":             {"next", "التالي"},
	"edit":             {"Edit", "تعديل"},
	"pause":            {"Pause", "إيقاف"},
	"resume":           {"Resume", "استئناف"},
	"delete":           {"Delete", "حذف"},
	"cancel":           {"Cancel", "إلغاء"},
	"save":             {"Save", "حفظ"},
	"probe_and_add":    {"Probe and add", "فحص وإضافة"},
	"delete_question":  {"Delete the source %s?", "حذف المصدر %s؟"},
	"yes":              {"yes", "نعم"},
	"why_marker":       {"the marker selector", "محدد علامة العاجل"},
	"why_marker_text":  {"the marker selector: %s", "محدد علامة العاجل: %s"},
	"why_category":     {"category %s", "التصنيف %s"},
	"why_all_urgent":   {"all of this source is urgent", "كل أخبار المصدر عاجلة"},
	"why_banner":       {"banner %s in the headline", "شارة %s في العنوان"},
	"no":               {"no", "لا"},
	"items_found":      {"Items found: %d", "الأخبار الموجودة: %d"},

	"selectors":      {"Selectors (html: CSS; json: paths)", "المحددات (html: CSS، وjson: مسارات)"},
	"f_id":           {"Id", "المعرّف"},
	"f_name":         {"Name", "الاسم"},
	"f_url":          {"URL", "الرابط"},
	"f_kind":         {"Kind", "النوع"},
	"f_interval":     {"Interval", "الفاصل"},
	"f_min_interval": {"Shortest interval", "أقصر فاصل"},
	"f_max_interval": {"Longest interval", "أطول فاصل"},
	"f_all_urgent":   {"Every item is urgent", "كل أخباره عاجلة"},
	"f_item":         {"Item", "العنصر"},
	"f_text":         {"Text", "النص"},
	"f_link":         {"Link", "الرابط"},
	"f_marker":       {"Urgency marker", "علامة العاجل"},
	"f_image":        {"Image", "الصورة"},
	"f_lang":         {"Language", "اللغة"},

	"import_paste":          {"Paste the sources file", "الصق ملف المصادر"},
	"import_file":           {"or upload it", "أو ارفعه"},
	"import_button":         {"Import", "استيراد"},
	"import_help":           {"The file replaces the sources: those it does not list are removed. Its format is that of Export.", "الملف يحل محل المصادر: ما لا يذكره يُحذف. صيغته صيغة التصدير."},
	"import_confirm":        {"This file removes %d of the %d current sources, adds %d and changes %d. Import it?", "هذا الملف يحذف %d من المصادر الحالية وعددها %d، ويضيف %d ويعدّل %d. هل تستورده؟"},
	"import_confirm_button": {"Import, remove %d", "استورد واحذف %d"},

	"tester_title":    {"Selector tester", "فاحص المحددات"},
	"tester_help":     {"Fetches the page once, as a poll does, and shows the items as the pipeline sees them. Change a selector and try again.", "يجلب الصفحة مرة واحدة كما يفعل الجلب الدوري، ويعرض الأخبار كما يراها البوت. عدّل المحدد وجرّب من جديد."},
	"tester_run":      {"Test", "افحص"},
	"tester_no_items": {"No items.", "لا أخبار."},
	"save_as_source":  {"Save as source", "حفظ كمصدر"},

	"report_unavailable": {"This report is not connected on this server.", "هذا التقرير غير موصول في هذا الخادم."},

	"p_exists":       {"a source with the id %s exists already", "يوجد مصدر بالمعرّف %s"},
	"p_not_found":    {"no source has the id %s", "لا يوجد مصدر بالمعرّف %s"},
	"p_probe_failed": {"probe failed: %s", "فشل الفحص: %s"},
	"p_no_items":     {"the page gave no items", "لم تُعطِ الصفحة أي خبر"},
	"p_private":      {"private address refused: %s", "عنوان داخلي غير مسموح: %s"},
	"p_only_http":    {"only http and https", "http وhttps فقط"},
	"p_unknown":      {"unknown field", "حقل غير معروف"},
	"p_import_empty": {"paste the file or upload it", "الصق الملف أو ارفعه"},

	"notice_added":         {"Source %s added.", "أُضيف المصدر %s."},
	"notice_updated":       {"Source %s updated.", "عُدّل المصدر %s."},
	"notice_deleted":       {"Source %s deleted.", "حُذف المصدر %s."},
	"notice_paused":        {"Source %s paused.", "أُوقف المصدر %s."},
	"notice_resumed":       {"Source %s resumed.", "استُؤنف المصدر %s."},
	"notice_imported":      {"Imported (added · changed · removed): %s.", "استُورد (أُضيف · عُدّل · حُذف): %s."},
	"notice_retried":       {"Dead letter %s is back in the outbox: it will be sent again.", "عادت الرسالة المتعذّرة %s إلى صندوق الإرسال: ستُرسل من جديد."},
	"notice_retry_gone":    {"Dead letter %s was already retried or is gone.", "الرسالة المتعذّرة %s أُعيدت من قبل أو لم تعد موجودة."},
	"notice_retry_corrupt": {"Dead letter %s holds no delivery that could be sent again.", "الرسالة المتعذّرة %s لا تحمل إرسالاً يمكن إعادته."},
	"notice_unchanged":     {"The file holds the current sources: nothing changed.%.0s", "الملف يطابق المصادر الحالية: لم يتغير شيء.%.0s"},
}

// notices are the keys of the notices a redirect may ask for (?done=).
var notices = map[string]bool{"added": true, "updated": true, "deleted": true, "paused": true,
	"resumed": true, "imported": true, "unchanged": true, "retried": true, "retry_gone": true, "retry_corrupt": true}

// tr is the text of key in lang ("ar", else English) with args.
func tr(lang, key string, args ...any) string {
	t, ok := texts[key]
	if !ok {
		return key
	}
	s := t[0]
	if lang == "ar" {
		s = t[1]
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}
