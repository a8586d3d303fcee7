package feeds

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/aajil/aajil/alerts"
	"github.com/tidwall/gjson"
)

// parseJSON extracts the items of a JSON ticker API.
//
// Paths use gjson syntax ("data.items", "items.0.title"). Simple
// JSONPath-style forms are accepted too and translated: a leading "$." or
// "$" (the root), "[N]" indexes ("$.data[0].items") and a trailing "[*]"
// ("$.items[*]" is the array "items"). "$" alone is the document itself, for
// APIs that answer with a bare array.
//
//   - item is the path of the array of items; a path that is missing or
//     not an array is an error.
//   - text is the path of the headline inside an item (default "title").
//   - link is the path of the link (default "url", then "link"), resolved
//     against the document URL.
//   - marker is the path of a boolean (true → urgent) or of a label, urgent
//     when the detector knows it as a marker or it reads "true", "1" or
//     "yes".
//   - image is the path of the picture's URL (default "image", then
//     "image_url"), resolved against the item's link and the document URL
//     (see jsonImage).
//
// An item's "id" field, when present, is its guid; "summary" or
// "description" its summary; "published", "pubDate", "date", "time" or
// "updated" (a date string or Unix seconds) its time.
//
// The array is read element by element and only the limit newest items
// are kept (see newest); it returns how many were left out.
func parseJSON(src Source, body []byte, baseURL string, det *alerts.Detector, limit int) ([]rawItem, int, error) {
	itemPath := jsonPath(src.Item)
	if itemPath == "" {
		return nil, 0, errors.New("item path is required for a json source")
	}
	if !gjson.ValidBytes(body) {
		return nil, 0, errors.New("invalid JSON document")
	}
	// gjson.GetBytes would copy the array's text (most of the document)
	// into a string; the document is read through a string that shares
	// body's bytes instead, which is safe as nothing writes to body, and
	// the values kept from it (titles, links) are copies.
	doc := unsafe.String(unsafe.SliceData(body), len(body))
	arr := gjson.Get(doc, itemPath)
	if !arr.Exists() {
		return nil, 0, fmt.Errorf("item path %q matched nothing", src.Item)
	}
	if !arr.IsArray() {
		return nil, 0, fmt.Errorf("item path %q is not an array (found %s)", src.Item, jsonTypeName(arr))
	}
	textPath := jsonPath(src.Text)
	if textPath == "" {
		textPath = "title"
	}
	linkPaths := []string{"url", "link"}
	if p := jsonPath(src.Link); p != "" {
		linkPaths = []string{p}
	}
	markerPath := jsonPath(src.Marker)
	imagePaths := []string{"image", "image_url"}
	if p := jsonPath(src.Image); p != "" {
		imagePaths = []string{p}
	}
	base := parseBase(baseURL)

	keep := newNewest[rawItem](limit)
	arr.ForEach(func(_, e gjson.Result) bool {
		if !e.IsObject() {
			return true
		}
		r := rawItem{title: jsonString(e.Get(textPath))}
		// The link is resolved once the item is kept (below).
		for _, p := range linkPaths {
			if l := jsonString(e.Get(p)); l != "" {
				r.link = l
				break
			}
		}
		for _, p := range imagePaths {
			if img := jsonString(e.Get(p)); img != "" {
				r.image = img
				break
			}
		}
		r.guid = jsonString(e.Get("id"))
		r.summary = jsonString(e.Get("summary"))
		if r.summary == "" {
			r.summary = jsonString(e.Get("description"))
		}
		for _, p := range [...]string{"published", "pubDate", "date", "time", "updated"} {
			if t, ok := jsonTime(e.Get(p)); ok {
				r.published = t
				break
			}
		}
		if markerPath != "" {
			r.marker = jsonMarker(e.Get(markerPath), det)
		}
		keep.add(r, r.published)
		return true
	})
	raws, omitted := keep.kept()
	// The texts kept are copied, so that the items do not keep the
	// document alive; only those, not the texts of the items left out.
	for i := range raws {
		r := &raws[i]
		r.guid, r.title, r.summary = strings.Clone(r.guid), strings.Clone(r.title), strings.Clone(r.summary)
		r.link = resolveLink(r.link, base)
		if r.image != "" {
			r.image = imageURL(jsonImage(r.image), parseBase(r.link), base)
		}
	}
	return raws, omitted, nil
}

// jsonPath translates the accepted JSONPath-style forms into gjson syntax
// (see parseJSON). "$" alone becomes "@this", gjson's name for the root.
func jsonPath(p string) string {
	p = strings.TrimSpace(p)
	if p == "" {
		return ""
	}
	if p == "$" {
		return "@this"
	}
	p = strings.TrimPrefix(p, "$.")
	p = strings.TrimPrefix(p, "$")
	p = strings.TrimSuffix(p, "[*]")
	p = strings.TrimSuffix(p, ".*")
	if p == "" {
		return "@this"
	}
	// "a[0].b" → "a.0.b"
	if strings.Contains(p, "[") {
		var b strings.Builder
		for i := 0; i < len(p); i++ {
			if p[i] == '[' {
				if j := strings.IndexByte(p[i:], ']'); j > 1 {
					if _, err := strconv.Atoi(p[i+1 : i+j]); err == nil {
						if b.Len() > 0 {
							b.WriteByte('.')
						}
						b.WriteString(p[i+1 : i+j])
						i += j
						continue
					}
				}
			}
			b.WriteByte(p[i])
		}
		p = b.String()
	}
	return p
}

// jsonString returns a string or number value as text, "" for anything
// else (objects, arrays, booleans, null). The text may share the
// document's bytes (see parseJSON).
func jsonString(v gjson.Result) string {
	switch v.Type {
	case gjson.String:
		return v.Str
	case gjson.Number:
		return v.Raw
	}
	return ""
}

// jsonMarker returns the Item.Marker for a marker field's value, "" when
// it does not mark the item urgent.
func jsonMarker(v gjson.Result, det *alerts.Detector) string {
	switch v.Type {
	case gjson.True:
		return "marker"
	case gjson.Number:
		if v.Num == 1 {
			return "marker"
		}
	case gjson.String:
		label := CleanText(v.Str)
		switch strings.ToLower(label) {
		case "true", "1", "yes":
			return "marker"
		case "", "false", "0", "no":
			return ""
		}
		if det != nil && det.IsMarker(label) {
			return "marker:" + label
		}
	}
	return ""
}

// jsonTime reads a date string or Unix time (seconds, or milliseconds when
// the number is too large to be seconds).
func jsonTime(v gjson.Result) (time.Time, bool) {
	switch v.Type {
	case gjson.String:
		return parseLooseDate(v.Str)
	case gjson.Number:
		n := v.Int()
		if n <= 0 {
			return time.Time{}, false
		}
		if n > 1e11 {
			return time.UnixMilli(n).UTC(), true
		}
		return time.Unix(n, 0).UTC(), true
	}
	return time.Time{}, false
}

func jsonTypeName(v gjson.Result) string {
	switch {
	case v.IsObject():
		return "an object"
	case v.Type == gjson.String:
		return "a string"
	case v.Type == gjson.Number:
		return "a number"
	case v.Type == gjson.True, v.Type == gjson.False:
		return "a boolean"
	}
	return "null"
}
