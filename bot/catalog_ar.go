package bot

import "github.com/aajil/aajil/telegram/tgtext"

// ltr isolates a Latin piece (a command, a URL, an example) inside Arabic
// text so that it reads left to right in place: without it the slash of
// "/add" and the punctuation around it are pulled to the wrong side.
func ltr(s string) string { return tgtext.LRI + s + tgtext.PDI }

// catalogAR holds the Arabic replies, in plain Modern Standard Arabic.
// Templates are Telegram HTML with {n} placeholders (see T); arguments are
// isolated by T, commands by ltr. Built once, never written.
var catalogAR = map[MsgID]string{
	MsgWelcome: "👋 أهلاً بك في <b>عاجل</b>! ستصلك الأخبار العاجلة من كل المصادر فور نشرها.\n" +
		"لتلقي ما يهمك فقط أضف قاعدة، مثلاً: " + ltr("/add حمص") + " أو عبارة بين علامتي تنصيص: " + ltr("/add \"مطار دمشق\"") + "\n" +
		"أرسل " + ltr("/settings") + " لتغيير كل شيء بضغطة زر، أو " + ltr("/help") + " لعرض كل الأوامر.",
	MsgWelcomeBack: "أنت مشترك بالفعل. أرسل " + ltr("/status") + " لمعرفة ما يصلك، أو " + ltr("/help") + " لعرض الأوامر.",
	MsgHelp: "<b>الأوامر</b>\n" +
		ltr("/add") + " <i>قاعدة</i> — لتلقي الأخبار المطابقة لها فقط: " + ltr("/add حمص") + "\n" +
		ltr("/del") + " <i>قاعدة أو رقمها</i> — لحذف قاعدة: " + ltr("/del 2") + "\n" +
		ltr("/list") + " — قواعدك مرقّمة: " + ltr("/list") + "\n" +
		ltr("/clear") + " — لحذف كل قواعدك: " + ltr("/clear") + "\n" +
		ltr("/mode urgent|all") + " — العاجل فقط، أو كل خبر يطابق قواعدك: " + ltr("/mode all") + "\n" +
		ltr("/media on|off") + " — التنبيه صورةً مع صورته حين يقدّمها المصدر: " + ltr("/media on") + "\n" +
		ltr("/sources") + " — لاختيار المصادر التي تتابعها: " + ltr("/sources") + "\n" +
		ltr("/pause") + " [<i>مدة</i>] — لإيقاف التنبيهات مؤقتاً أو حتى " + ltr("/resume") + ": " + ltr("/pause 2h") + "\n" +
		ltr("/resume") + " — لاستئناف التنبيهات: " + ltr("/resume") + "\n" +
		ltr("/lang ar|en") + " — لغة الردود: " + ltr("/lang en") + "\n" +
		ltr("/status") + " — ما يصل إلى هذه المحادثة: " + ltr("/status") + "\n" +
		ltr("/last") + " [<i>عدد</i>] — آخر تنبيهات هذه المحادثة (5، وحتى 20): " + ltr("/last 10") + "\n" +
		ltr("/quiet") + " <i>من-إلى</i> [عاجل] — ساعات الهدوء: تصل التنبيهات دون صوت، ومع «عاجل» يرن العاجل منها؛ " + ltr("/quiet off") + " لإلغائها: " + ltr("/quiet 23-7") + " أو " + ltr("/quiet") + " من 11 مساءً إلى 7 صباحاً\n" +
		ltr("/tz") + " <i>مدينة أو منطقة زمنية</i> — توقيت هذه المحادثة لساعات الهدوء والأوقات المعروضة: " + ltr("/tz") + " بيروت\n" +
		ltr("/settings") + " — كل الإعدادات أزراراً تغيّرها بضغطة: " + ltr("/settings") + "\n" +
		ltr("/digest") + " كل ساعة|يومي <i>08:00</i>|إيقاف — الأخبار غير العاجلة مجتمعة في رسالة واحدة: " + ltr("/digest يومي 08:00") + "\n" +
		ltr("/buttons on|off") + " — الأزرار تحت التنبيهات (إيقاف المصدر، ولماذا طابق): " + ltr("/buttons off") + "\n" +
		ltr("/stop") + " — لإلغاء الاشتراك: " + ltr("/stop") + "\n" +
		ltr("/channel") + " @<i>اسم</i> — في محادثة خاصة معي، لإدارة قناة تشرف عليها: تعمل الأوامر أعلاه عليها، و" + ltr("/channel off") + " للعودة: " + ltr("/channel @my_news") + "\n\n" +
		"<b>القواعد</b>: يجب أن ترد كل الكلمات في الخبر، والعبارة بين علامتي تنصيص ترد كما كُتبت، والكلمة المسبوقة بـ - تستبعد الأخبار التي تحتويها: " + ltr("/add دمشق -طقس"),
	MsgAdminHelp: "<b>أوامر المشرفين</b>\n" +
		ltr("/feeds") + " — كل المصادر وحالتها: " + ltr("/feeds") + "\n" +
		ltr("/feed") + " <i>المعرّف</i> — تفاصيل مصدر واحد: " + ltr("/feed sana-ticker") + "\n" +
		ltr("/addfeed") + " <i>الرابط</i> [key=value…] — لفحص مصدر وإضافته: " + ltr("/addfeed https://example.com/news kind=html item=\".news li\"") + "، وقناة تيليغرام عامة (" + ltr("kind=telegram") + "): " + ltr("/addfeed @channel_name") + "\n" +
		ltr("/setfeed") + " <i>المعرّف</i> key=value… — لتعديل مصدر: " + ltr("/setfeed sana-ticker interval=30s") + "\n" +
		ltr("/delfeed") + " <i>المعرّف</i> — لحذف مصدر: " + ltr("/delfeed sana-ticker") + "\n" +
		ltr("/pausefeed") + " <i>المعرّف</i> — لإيقاف متابعة مصدر: " + ltr("/pausefeed sana-ticker") + "\n" +
		ltr("/resumefeed") + " <i>المعرّف</i> — لاستئناف متابعته: " + ltr("/resumefeed sana-ticker") + "\n" +
		ltr("/probe") + " <i>الرابط</i> [key=value…] — معاينة دون إضافة: " + ltr("/probe https://example.com/rss") + "\n" +
		ltr("/stats") + " — المشتركون والتنبيهات والرسائل المرسلة: " + ltr("/stats") + "\n" +
		ltr("/export") + " — المصادر في ملف YAML: " + ltr("/export") + "\n" +
		ltr("/audit") + " [<i>عدد</i>] — آخر تعديلات المشرفين: " + ltr("/audit 20") + "\n" +
		ltr("/dead") + " [<i>عدد</i>] — آخر الرسائل التي تعذّر إرسالها: " + ltr("/dead 5") + "\n" +
		ltr("/web") + " — رابط دخول إلى لوحة الإدارة في المتصفح، و" + ltr("/web off") + " لتسجيل الخروج من كل الأجهزة: " + ltr("/web") + "\n" +
		"أرسل ملف YAML لاستيراد المصادر.",
	MsgUnknownCommand:      "الأمر {0} غير معروف. أرسل " + ltr("/help") + " لعرض الأوامر.",
	MsgNotSubscribed:       "هذه المحادثة غير مشتركة. أرسل " + ltr("/start") + " أولاً.",
	MsgInternalError:       "حدث خطأ من جهتنا. حاول مجدداً بعد قليل.",
	MsgFlood:               "أرسلت أوامر كثيرة دفعة واحدة. انتظر بضع ثوانٍ من فضلك.",
	MsgNotAdmin:            "تعديل اشتراك المجموعة متاح لمشرفيها فقط.",
	MsgBadArguments:        "تعذّرت قراءة هذه المدخلات. أرسل " + ltr("/help") + " لرؤية أمثلة.",
	MsgArgsUnbalancedQuote: "علامة التنصيص عند الحرف {0} غير مغلقة.",
	MsgArgsTextAfterQuote:  "ضع مسافة بعد علامة التنصيص الخاتمة (الحرف {0}).",
	MsgArgsDuplicateKey:    "الحقل {0} مكرر.",

	MsgUsageAdd:        "اكتب القاعدة بعد الأمر، مثلاً: " + ltr("/add حمص"),
	MsgUsageDel:        "اكتب القاعدة أو رقمها (انظر " + ltr("/list") + ")، مثلاً: " + ltr("/del 2"),
	MsgUsageMedia:      "اختر: " + ltr("/media on") + " (التنبيه الذي يقدّم مصدره صورة يصلك تلك الصورة والتنبيه تحتها) أو " + ltr("/media off") + " (نص فقط).",
	MsgUsageMode:       "اختر الوضع: " + ltr("/mode urgent") + " (العاجل فقط) أو " + ltr("/mode all") + " (كل ما يطابق قواعدك).",
	MsgUsageLang:       "اختر اللغة: " + ltr("/lang ar") + " أو " + ltr("/lang en"),
	MsgUsageFeed:       "اكتب معرّف المصدر، مثلاً: " + ltr("/feed sana-ticker"),
	MsgUsageAddFeed:    "اكتب الرابط ثم الحقول إن لزم، مثلاً: " + ltr("/addfeed https://example.com/news kind=html item=\".news li\""),
	MsgUsageSetFeed:    "اكتب معرّف المصدر والحقول المراد تعديلها، مثلاً: " + ltr("/setfeed sana-ticker interval=30s"),
	MsgUsageDelFeed:    "اكتب معرّف المصدر، مثلاً: " + ltr("/delfeed sana-ticker"),
	MsgUsagePauseFeed:  "اكتب معرّف المصدر، مثلاً: " + ltr("/pausefeed sana-ticker"),
	MsgUsageResumeFeed: "اكتب معرّف المصدر، مثلاً: " + ltr("/resumefeed sana-ticker"),
	MsgUsageProbe:      "اكتب الرابط ثم الحقول إن لزم، مثلاً: " + ltr("/probe https://example.com/rss"),
	MsgUsageAudit:      "اكتب عدد السجلات المطلوب عرضها، مثلاً: " + ltr("/audit 20"),
	MsgUsageDead:       "اكتب عدد الرسائل المطلوب عرضها، مثلاً: " + ltr("/dead 5"),

	MsgRuleAdded:           "✅ أُضيفت القاعدة: <b>{0}</b>\nعدد قواعدك: {1}",
	MsgRuleEmpty:           "القاعدة فارغة. اكتب كلمة أو عبارة، مثلاً: " + ltr("/add حمص"),
	MsgRuleTooLong:         "القاعدة طويلة جداً: يجب ألا يتجاوز عدد حروفها {0}.",
	MsgRuleUnbalancedQuote: "علامة التنصيص عند الحرف {0} غير مغلقة. أغلق العبارة بعلامة تنصيص ثانية.",
	MsgRuleOnlyVetoes:      "القاعدة تستبعد كلمات فقط. أضف كلمة واحدة على الأقل يجب أن ترد، مثلاً: " + ltr("/add دمشق -طقس"),
	MsgRuleEmptyTerm:       "{0} لا يحتوي على حروف أو أرقام. احذفه أو اكتب كلمة.",
	MsgTooManyRules:        "بلغت الحد الأقصى لعدد القواعد ({0}). احذف قاعدة بالأمر " + ltr("/del") + " أولاً.",
	MsgRuleDuplicate:       "لديك هذه القاعدة بالفعل: <b>{0}</b>",
	MsgRuleInvalid:         "تعذّرت قراءة هذه القاعدة. أرسل " + ltr("/help") + " لرؤية أمثلة.",
	MsgRuleDeleted:         "🗑 حُذفت القاعدة: <b>{0}</b>",
	MsgNoSuchRule:          "لا توجد قاعدة تطابق {0}. أرسل " + ltr("/list") + " لعرض قواعدك.",
	MsgRulesList:           "<b>قواعدك</b> ({0}):",
	MsgRuleLine:            "{0}. {1}",
	MsgNoRules:             "ليست لديك قواعد، لذا يصلك كل خبر عاجل من المصادر التي تتابعها. أضف قاعدة، مثلاً: " + ltr("/add حمص"),
	MsgClearConfirm:        "هل تريد حذف كل قواعدك؟ (عددها {0})",
	MsgCleared:             "🗑 حُذفت كل القواعد ({0}). سيصلك الآن كل خبر عاجل من المصادر التي تتابعها.",
	MsgClearCancelled:      "لم يُحذف شيء.",

	MsgModeUrgent: "الوضع: <b>العاجل فقط</b>. ستصلك الأخبار العاجلة وحدها.",
	MsgModeAll:    "الوضع: <b>الكل</b>. سيصلك كل خبر يطابق قواعدك، عاجلاً كان أم لا.",
	MsgBadMode:    "الوضع {0} غير معروف. اختر " + ltr("/mode urgent") + " أو " + ltr("/mode all") + ".",

	MsgMediaOn:  "🖼 الصور: <b>مفعّلة</b>. التنبيه الذي يقدّم مصدره صورة يصلك تلك الصورة والتنبيه تحتها.",
	MsgMediaOff: "الصور: <b>معطّلة</b>. تصلك التنبيهات نصاً فقط.",
	MsgBadMedia: "الإعداد {0} غير معروف. اختر " + ltr("/media on") + " أو " + ltr("/media off") + ".",

	MsgSourcesHeader:    "<b>المصادر</b>: تتابع {0} من {1}. اضغط على مصدر لمتابعته أو إلغاء متابعته.",
	MsgSourceFollowed:   "تتابع الآن {0}",
	MsgSourceUnfollowed: "أُلغيت متابعة {0}",
	MsgUnknownSource:    "المصدر {0} غير معروف. أرسل " + ltr("/sources") + " لعرض المصادر.",
	MsgMenuStart:        "اشترك في الأخبار العاجلة",
	MsgMenuAdd:          "أضف قاعدة كلمات مفتاحية",
	MsgMenuDel:          "احذف قاعدة",
	MsgMenuList:         "قواعدك",
	MsgMenuClear:        "احذف كل القواعد",
	MsgMenuMode:         "العاجل فقط أم كل ما يطابق",
	MsgMenuMedia:        "التنبيهات مع الصور أم نص فقط",
	MsgMenuSources:      "اختر مصادرك",
	MsgMenuPause:        "أوقف التنبيهات مؤقتاً",
	MsgMenuResume:       "استأنف التنبيهات",
	MsgMenuLang:         "لغة الردود",
	MsgMenuStatus:       "ما يصل إلى هذه المحادثة",
	MsgMenuHelp:         "كل الأوامر مع أمثلة",
	MsgMenuStop:         "ألغِ الاشتراك",
	MsgSourceLastOne:    "هذا هو المصدر الوحيد الذي تتابعه. لإيقاف التنبيهات مؤقتاً أرسل " + ltr("/pause") + "، ولإلغاء الاشتراك " + ltr("/stop") + ".",

	MsgPaused:           "⏸ أُوقفت التنبيهات حتى ترسل " + ltr("/resume") + ".",
	MsgPausedUntil:      "⏸ أُوقفت التنبيهات لمدة {0}، حتى {1}. أرسل " + ltr("/resume") + " لاستئنافها قبل ذلك.",
	MsgResumed:          "▶️ استُؤنفت التنبيهات.",
	MsgNotPaused:        "التنبيهات غير موقفة.",
	MsgBadDuration:      "تعذّرت قراءة المدة {0}. أمثلة: " + ltr("/pause 30m") + "، " + ltr("/pause 2h") + "، " + ltr("/pause ساعتين"),
	MsgDurationTooShort: "يجب ألا تقل مدة الإيقاف عن {0}.",
	MsgDurationTooLong:  "لا يمكن أن تزيد مدة الإيقاف على {0}. لإيقاف التنبيهات نهائياً أرسل " + ltr("/stop") + ".",

	MsgLangSet: "سأرد عليك بالعربية.",
	MsgBadLang: "اختر اللغة: " + ltr("/lang ar") + " أو " + ltr("/lang en"),

	MsgStatus:            "<b>الحالة</b>\nالتنبيهات: {0}\nالوضع: {1}\nالمصادر المتابَعة: {2} من {3}\nعدد القواعد: {4}\nالصور: {5}",
	MsgStatusActive:      "مفعّلة",
	MsgStatusPaused:      "موقفة حتى " + ltr("/resume"),
	MsgStatusPausedUntil: "موقفة حتى {0}",
	MsgStatusModeUrgent:  "العاجل فقط",
	MsgStatusModeAll:     "كل ما يطابق قواعدك",
	MsgStatusMediaOn:     "مفعّلة",
	MsgStatusMediaOff:    "معطّلة (نص فقط)",

	MsgStopped: "أُلغي اشتراكك ولن تصلك تنبيهات بعد الآن. أرسل " + ltr("/start") + " للاشتراك من جديد.",

	MsgChannelSubscribed:   "✅ اشتركت القناة {0}. لتعديل قواعدها أو مصادرها أو لغتها اضغط الزر أدناه أو أرسل " + ltr("/channel") + " {0}.",
	MsgChannelBotNotAdmin:  "لست مشرفاً في {0}. أضفني مشرفاً يملك صلاحية النشر ثم حاول مجدداً.",
	MsgChannelUserNotAdmin: "إشراك {0} متاح لمشرفيها فقط.",
	MsgChannelNotFound:     "لم أعثر على القناة {0}.",

	MsgChannelHeader: "📢 <b>القناة {0}</b>",
	MsgChannelManaging: "أنت تدير الآن القناة {0} من هذه المحادثة: الأوامر " + ltr("/add /del /list /clear /mode /media /sources /pause /resume /lang /status /stop") + " تعمل عليها، وكل رد يبدأ باسمها.\n" +
		"أرسل " + ltr("/channel off") + " لتعود إلى إدارة هذه المحادثة.",
	MsgChannelCurrent:        "هذه المحادثة تدير القناة {0}: أوامر الاشتراك تعمل عليها. أرسل " + ltr("/channel off") + " لتعود إلى هذه المحادثة، أو " + ltr("/channel @name") + " لقناة أخرى.",
	MsgChannelNone:           "هذه المحادثة تدير اشتراكها هي. لإدارة قناة تشرف عليها أرسل " + ltr("/channel @name") + " أو رابطها على " + ltr("t.me") + ".",
	MsgChannelOff:            "عدت إلى هذه المحادثة: الأوامر تعمل على اشتراكك أنت من جديد.",
	MsgChannelUsage:          "اكتب اسم القناة بعد @ أو رابطها، مثلاً: " + ltr("/channel @my_news") + "، أو " + ltr("/channel off") + " لتعود إلى هذه المحادثة.",
	MsgChannelPrivateOnly:    "تُدار القنوات من محادثة خاصة معي: أرسل " + ltr("/channel @name") + " هناك.",
	MsgChannelManageNotAdmin: "إدارة {0} متاحة لمشرفيها فقط.",
	MsgChannelNotSubscribed:  "القناة {0} غير مشتركة. أشركها أولاً بالأمر " + ltr("/start") + " {0}.",
	MsgChannelAccessLost:     "لم تعد مشرفاً في {0} (أو لم أعد أستطيع الوصول إليها)، فلم تعد هذه المحادثة تديرها. الأوامر تعمل على هذه المحادثة من جديد.",
	MsgChannelGone:           "لم تعد القناة {0} مشتركة، فلم تعد هذه المحادثة تديرها. الأوامر تعمل على هذه المحادثة من جديد؛ ولإشراكها مجدداً أرسل " + ltr("/start") + " {0}.",
	MsgChannelStopped:        "أُلغي اشتراك القناة {0} ولن تصلها تنبيهات بعد الآن. الأوامر تعمل على هذه المحادثة من جديد.",
	MsgChannelLangSet:        "ستصل تنبيهات القناة الآن باللغة {0}. وسأواصل الرد عليك بلغتك.",
	MsgChannelNoAccess:       "لست مشرفاً في {0}: لم يتغير شيء.",
	MsgChannelButtonGone:     "لم تعد القناة {0} مشتركة.",
	MsgLangNameAR:            "العربية",
	MsgLangNameEN:            "الإنجليزية",
	MsgMenuChannel:           "إدارة قناة تشرف عليها",

	MsgButtonClearYes:  "🗑 احذف الكل",
	MsgButtonCancel:    "إلغاء",
	MsgButtonPrev:      "« السابق",
	MsgButtonNext:      "التالي »",
	MsgButtonSourceOn:  "✅ {0}",
	MsgButtonSourceOff: "▫️ {0}",
	MsgButtonManage:    "📢 إدارة القناة",

	MsgFeedsHeader:      "<b>المصادر</b> ({0}) — الصفحة {1} من {2}",
	MsgFeedLine:         "<b>{0}</b> · {1} · كل {2} · {3}\nآخر نجاح: {4} · آخر خطأ: {5}\nالأخبار: {6} · التنبيهات خلال 24 ساعة: {7} · الجلب التالي: {8}",
	MsgFeedStateOK:      "✅ يعمل",
	MsgIntervalLearned:  "متكيّف: {0} خبر جديد في الساعة",
	MsgIntervalCascade:  "متسارع بعد خبر عاجل حتى {0}",
	MsgIntervalPush:     "دفع: تصل أخباره عبر WebSub، والجلب احتياطي",
	MsgFeedStatePaused:  "⏸ موقوف",
	MsgFeedStateFailing: "⚠️ متعثر",
	MsgFeedNever:        "لم يحدث بعد",
	MsgFeedNoError:      "لا يوجد",
	MsgFeedErrorAt:      "{0} في {1}",
	MsgNoFeeds:          "لا توجد مصادر بعد. أضف مصدراً بالأمر " + ltr("/addfeed") + ".",
	MsgFeedDetails:      "<b>{0}</b> — {1}",
	MsgFeedField:        "{0}: <code>{1}</code>",
	MsgFeedOriginFile:   "معرَّف في الملف {0}، حُمّل في {1}",
	MsgFeedOriginChat:   "عرّفه {0} في المحادثة، في {1}",
	MsgFeedAdded:        "✅ أُضيف المصدر {0} وستبدأ متابعته الآن.",
	MsgFeedUpdated:      "✅ عُدّل المصدر {0}.",
	MsgFeedDeleted:      "🗑 حُذف المصدر {0}.",
	MsgFeedPaused:       "⏸ أُوقفت متابعة المصدر {0}.",
	MsgFeedResumed:      "▶️ استُؤنفت متابعة المصدر {0}.",
	MsgFeedNotFound:     "لا يوجد مصدر بالمعرّف {0}. أرسل " + ltr("/feeds") + " لعرض المصادر.",
	MsgFeedExists:       "يوجد مصدر بالمعرّف {0}. عدّله بالأمر " + ltr("/setfeed") + ".",
	MsgFeedRefused:      "❌ لم يُضف المصدر: {0}",
	MsgFeedBadField:     "قيمة غير صالحة للحقل {0}: {1}",
	MsgFeedUnknownField: "الحقل {0} غير معروف. الحقول: " + ltr("id, name, url, kind, interval, min_interval, max_interval, all_urgent, item, text, link, marker, image, lang") + ".",
	MsgProbeHeader:      "<b>فحص</b> {0}: عدد الأخبار {1}. أولها:",
	MsgProbeItem:        "• {0}",
	MsgProbeItemUrgent:  "🔴 {0} (عاجل: {1})",
	MsgProbeNoItems:     "لم يُعثر في المصدر على أي خبر",
	MsgProbeFailed:      "تعذّرت قراءة المصدر: {0}",
	MsgPrivateAddress:   "عنوان داخلي غير مسموح: {0}",
	MsgOnlyHTTP:         "يُقبل http و https فقط: {0}",
	MsgStats: "<b>الإحصاءات</b>\n" +
		"المشتركون: النشطون {0}، والموقِفون مؤقتاً {1}، والحاظرون للبوت {2}\n" +
		"القواعد: {3}\n" +
		"التنبيهات: {4} خلال الساعة الأخيرة، {5} خلال 24 ساعة\n" +
		"الرسائل المرسلة: {6} خلال الساعة الأخيرة، {7} خلال 24 ساعة\n" +
		"الرسائل التي تعذّر إرسالها: {8} خلال الساعة الأخيرة، {9} خلال 24 ساعة\n" +
		"في طابور الإرسال: {10}، منها {11} قيد الإرسال\n" +
		"الرسائل المتروكة بعد فشل الإرسال: {12}\n" +
		"أخطاء تيليغرام: {13} خلال الساعة الأخيرة، {14} خلال 24 ساعة",
	MsgExportCaption:   "المصادر الحالية ({0}). عدّل هذا الملف وأرسله إليّ لاستيراده.",
	MsgImportErrors:    "❌ لم يُستورد شيء، عدد الأخطاء: {0}.",
	MsgImportErrorLine: "السطر {0}: {1}",
	MsgImportSummary:   "✅ تم الاستيراد: أُضيف {0}، وعُدّل {1}، وحُذف {2}.",
	MsgImportNoChanges: "الملف مطابق للمصادر الحالية، فلم يتغير شيء.",
	MsgImportNotYAML:   "أرسل المصادر في ملف YAML (بامتداد " + ltr(".yaml") + " أو " + ltr(".yml") + ") كالذي ينشئه " + ltr("/export") + ".",
	MsgImportTooLarge:  "الملف كبير جداً: الحد الأقصى {0} كيلوبايت.",
	MsgImportConfirm:   "⚠️ هذا الملف يحذف {0} من المصادر الحالية وعددها {1}، ويضيف {2} ويعدّل {3}. هل تستورده؟ ينتهي هذا السؤال بعد {4} دقائق.",
	MsgImportCancelled: "أُلغي الاستيراد، ولم يتغير شيء.",
	MsgImportExpired:   "انتهت مهلة هذا الاستيراد أو نُفّذ من قبل. أرسل الملف من جديد.",
	MsgButtonImportYes: "استورد واحذف {0}",
	MsgAuditHeader:     "<b>آخر تعديلات المشرفين</b> ({0}):",
	MsgAuditLine:       "{0} · {1} · {2} {3}",
	MsgAuditChange:     "  قبل: <code>{0}</code>\n  بعد: <code>{1}</code>",
	MsgAuditEmpty:      "لا توجد تعديلات بعد.",
	MsgDeadHeader:      "<b>رسائل تعذّر إرسالها</b> ({0} من {1}):",
	MsgDeadLine:        "{0} · المحادثة <code>{1}</code> · {2} · المحاولات: {3}\n  {4}\n  <i>{5}</i>",
	MsgDeadEmpty:       "لا رسائل متعذّرة: كل رسالة أُرسلت أو ما زالت محاولات إرسالها جارية.",

	MsgMenuLast:         "آخر تنبيهات هذه المحادثة",
	MsgMenuQuiet:        "ساعات الهدوء: تنبيهات دون صوت",
	MsgMenuTZ:           "توقيت هذه المحادثة",
	MsgQuietNone:        "لا ساعات هدوء: كل التنبيهات تصل بصوت. حدّدها بـ " + ltr("/quiet 23:00-07:00") + " (وأضف «عاجل» ليرن العاجل).",
	MsgQuietSet:         "🌙 ساعات الهدوء: من {0} إلى {1} ({2}). تصل التنبيهات فيها دون صوت. " + ltr("/quiet off") + " لإلغائها.",
	MsgQuietSetUrgent:   "🌙 ساعات الهدوء: من {0} إلى {1} ({2}). تصل التنبيهات فيها دون صوت، عدا العاجل. " + ltr("/quiet off") + " لإلغائها.",
	MsgQuietOff:         "أُلغيت ساعات الهدوء: كل التنبيهات تصل بصوت.",
	MsgBadQuiet:         "لم أفهم الساعات {0}. اكتب وقتين، مثلاً: " + ltr("/quiet 23-7") + " أو " + ltr("/quiet") + " من 11 مساءً إلى 7 صباحاً.",
	MsgTZCurrent:        "التوقيت: {0} (الساعة الآن {1}). غيّره بـ " + ltr("/tz") + " واسم مدينة، مثلاً: " + ltr("/tz") + " بيروت.",
	MsgTZSet:            "🕒 ضُبط التوقيت: {0} (الساعة الآن {1}).",
	MsgBadTZ:            "لا أعرف التوقيت {0}. اكتب اسم مدينة، مثلاً: " + ltr("/tz") + " القاهرة، أو اسم منطقة زمنية مثل " + ltr("/tz Asia/Riyadh") + ".",
	MsgUsageLast:        "اكتب عدد التنبيهات (20 على الأكثر)، مثلاً: " + ltr("/last 10"),
	MsgLastHeader:       "<b>آخر {0} تنبيهات في هذه المحادثة</b>، الأحدث أولاً:",
	MsgLastRecentHeader: "لم يصل أي تنبيه إلى هذه المحادثة بعد. <b>آخر {0} أخبار عاجلة من مصادرها</b>:",
	MsgLastNone:         "لم يصل أي تنبيه إلى هذه المحادثة بعد، ولا أخبار عاجلة حديثة من مصادرها.",
	MsgLastItem:         "🕒 {0} · <b>{1}</b>\n{2}",
	MsgLastTitle:        "{0}",
	MsgLastPaused:       "(موقوف مؤقتاً: لم يُرسل)",
	MsgLastAlso:         "➕ أوردته أيضاً: {0}",
	// /settings و/digest و/buttons وأزرار التنبيهات (settings.go, buttons.go).
	MsgSettings: "⚙️ <b>الإعدادات</b>\n" +
		"النمط: {0}\n" +
		"القواعد: {1} (" + ltr("/list") + ")\n" +
		"المصادر: {2} من {3}\n" +
		"الموجز: {4}\n" +
		"اللغة: {5}\n" +
		"الأزرار تحت التنبيهات: {6}\n" +
		"الصور: {7}\n" +
		"ساعات الهدوء: {8}\n" +
		"التوقيت: {9}\n\n" +
		"اضغط زراً لتغييره. زر ساعات الهدوء يتنقّل بين خيارات شائعة، و" + ltr("/quiet") + " يضبط أي ساعات، مثلاً: " + ltr("/quiet 22:30-06:00") + "، و" + ltr("/tz") + " أي مدينة أو منطقة زمنية.",
	MsgSetMode:           "🔔 النمط: {0}",
	MsgSetDigest:         "🗞 الموجز: {0}",
	MsgSetButtons:        "🔘 الأزرار تحت التنبيهات: {0}",
	MsgSetLang:           "🌐 اللغة: {0}",
	MsgSetSources:        "📚 المصادر: {0} من {1}",
	MsgSetMedia:          "🖼 الصور: {0}",
	MsgSetQuiet:          "🌙 ساعات الهدوء: {0}",
	MsgSetTZ:             "🕒 التوقيت: {0}",
	MsgSetBack:           "« العودة إلى الإعدادات",
	MsgSetZones:          "🕒 <b>توقيت</b> هذه المحادثة: {0} (الساعة الآن {1}).\nتتبعه ساعات الهدوء والموجز اليومي. اختر واحداً أدناه، أو أرسل " + ltr("/tz") + " مع أي مدينة أو منطقة زمنية، مثلاً: " + ltr("/tz Asia/Tokyo") + ".",
	MsgQuietStateOff:     "متوقفة",
	MsgQuietStateRange:   "من {0} إلى {1}",
	MsgQuietStateUrgent:  "من {0} إلى {1}، ويرن العاجل",
	MsgZoneDamascus:      "دمشق",
	MsgZoneBeirut:        "بيروت",
	MsgZoneAmman:         "عمّان",
	MsgZoneBaghdad:       "بغداد",
	MsgZoneRiyadh:        "الرياض، مكة",
	MsgZoneDubai:         "دبي، أبوظبي",
	MsgZoneCairo:         "القاهرة",
	MsgZoneIstanbul:      "إسطنبول",
	MsgZoneBerlin:        "برلين، باريس",
	MsgZoneLondon:        "لندن",
	MsgZoneNewYork:       "نيويورك",
	MsgZoneUTC:           "التوقيت العالمي UTC",
	MsgStateOn:           "مفعّلة",
	MsgStateOff:          "متوقفة",
	MsgModeUrgentShort:   "العاجل فقط",
	MsgModeAllShort:      "كل ما يطابق",
	MsgDigestStateOff:    "متوقف",
	MsgDigestStateHour:   "كل ساعة",
	MsgDigestStateDaily:  "يومياً عند {0}",
	MsgUsageDigest:       "موجزك: {0}.\nيمكن أن تصلك الأخبار غير العاجلة (" + ltr("/mode all") + ") مجتمعة في رسالة واحدة: " + ltr("/digest كل ساعة") + " أو " + ltr("/digest يومي 08:00") + " أو " + ltr("/digest إيقاف") + ". أما العاجل فيصل فوراً دائماً.",
	MsgDigestSet:         "🗞 الموجز: {0}. ستصلك الأخبار غير العاجلة مجتمعة في رسالة واحدة، ويبقى العاجل فورياً.",
	MsgDigestOff:         "أُوقف الموجز: يصل كل خبر فور نشره، وما جُمع حتى الآن في طريقه إليك.",
	MsgDigestNeedsAll:    "تصل هذه المحادثة الأخبار العاجلة فقط، ولا تُحجز أبداً. أرسل " + ltr("/mode all") + " لتلقي باقي الأخبار المطابقة لقواعدك في الموجز.",
	MsgUsageButtons:      "الأزرار تحت التنبيهات (إيقاف المصدر، ولماذا طابق التنبيه): " + ltr("/buttons on") + " أو " + ltr("/buttons off"),
	MsgButtonsOn:         "ستحمل التنبيهات أزراراً: لإيقاف المصدر، ولمعرفة سبب مطابقة التنبيه لقواعدك.",
	MsgButtonsOff:        "ستصل التنبيهات بلا أزرار. لإعادتها أرسل " + ltr("/buttons on") + ".",
	MsgMuteNotAdmin:      "إيقاف المصادر متاح لمشرفي هذه المحادثة فقط.",
	MsgButtonMuteConfirm: "✅ إيقاف {0}؟",
	MsgButtonUndo:        "↩️ تراجع",
	MsgMuted:             "أُوقف {0}، فلن تصل منه تنبيهات هنا.",
	MsgWhyRule:           "طابقت قاعدتك «{0}»: {1}",
	MsgWhySep:            "، ",
	MsgWhyUrgent:         "تنبيه عاجل: لا قواعد لهذه المحادثة، فيصلها كل خبر عاجل.",
	MsgWhyGone:           "هذا التنبيه أقدم من أن يُشرح. أرسل " + ltr("/list") + " لعرض قواعدك.",
	MsgMenuDigest:        "جمع الأخبار غير العاجلة: كل ساعة أو يومياً أو إيقاف",
	MsgMenuButtons:       "الأزرار تحت التنبيهات: تشغيل أو إيقاف",
	MsgMenuSettings:      "كل الإعدادات بضغطة زر",
	MsgWebLink:           "🔑 رابط دخولك إلى لوحة الإدارة، لاستخدام واحد خلال {1} دقائق:\n{0}\nلا تشاركه مع أحد. " + ltr("/web off") + " لتسجيل الخروج من كل الأجهزة.",
	MsgWebRevoked:        "سُجّل خروجك من لوحة الإدارة: أُنهيت {0} جلسات.",
	MsgWebPrivateOnly:    "الأمر " + ltr("/web") + " يعمل في محادثة خاصة معي فقط.",
	MsgWebNotConfigured:  "لوحة الإدارة غير متاحة في هذا البوت (" + ltr("AAJIL_HTTP_ADDR") + " معطّل).",
	MsgUsageWeb:          "الاستخدام: " + ltr("/web") + " لرابط دخول إلى لوحة الإدارة، و" + ltr("/web off") + " لتسجيل الخروج من كل الأجهزة.",
}
