package alerts

// DefaultMarkers returns the built-in urgency markers: words and phrases
// that, set off at the start or end of a headline (or as a whole category
// label), mark it as breaking news. They are written as readers see them;
// NewDetector normalises them, so one entry covers every typography
// (عاجل matches عــاجــل, عاجِل, ﻋﺎﺟﻞ and #عاجل; "breaking" matches
// BREAKING). The slice is a fresh copy on every call.
//
// Deliberately absent:
//   - "live" and «مباشر»: live blogs ("Israel-Gaza war live: …") run for
//     weeks and are retitled daily; they are ongoing coverage, not a
//     breaking item, and would alert every day.
//   - "developing": as a banner it is rare, and as a first word it is an
//     ordinary adjective ("Developing Afghanistan's mines will …").
//   - «عاجلة» on its own: the feminine adjective is never the banner
//     («مطالبات بإغاثة عاجلة»); it appears only inside «أخبار عاجلة».
//   - Persian «فوری»: in Arabic it is the ordinary adjective "immediate"
//     («وقف فوري لإطلاق النار»); sources that use it as a banner can
//     add it as a per-source marker.
func DefaultMarkers() []string {
	return []string{
		// Arabic.
		"عاجل",
		"عاجل جدا",
		"خبر عاجل",
		"نبأ عاجل",
		"أخبار عاجلة",
		// English.
		"breaking",
		"breaking news",
		"breakingnews", // the #BreakingNews hashtag and tag
		"urgent",
		"flash",
		"just in",
		// French.
		"alerte",
		"alerte info",
		"dernière minute",
		"derniere minute", // capitals are often written without accents
		// Other languages seen in international feeds.
		"eilmeldung",  // German
		"última hora", // Spanish
		"ultima hora",
		"son dakika", // Turkish
	}
}
