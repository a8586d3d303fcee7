package pipeline

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/aajil/aajil/alerts/story"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

// benchStoryTitles returns real headlines: the Al Jazeera English corpus
// and the Arabic headlines of the IDF corpus, interleaved.
func benchStoryTitles(b *testing.B) []string {
	b.Helper()
	read := func(path string) []string {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		var out []string
		for _, line := range strings.Split(string(data), "\n") {
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			title, _, _ := strings.Cut(line, "\t")
			out = append(out, title)
		}
		return out
	}
	en := read("../testdata/derived/en_aljazeera_unique_titles_gonews_2022-08_to_2023-12.tsv")
	ar := read("../alerts/story/testdata/idf_ar_headlines.txt")
	var out []string
	for i := range max(len(en), len(ar)) {
		if i < len(en) {
			out = append(out, en[i])
		}
		if i < len(ar) {
			out = append(out, ar[i])
		}
	}
	return out
}

// BenchmarkResolveRealFingerprints: the story step of the pipeline with
// the real fingerprints (up to MaxKeys keys each) and the real decision
// (pickStory: the stored fingerprint read back and compared), against
// Redis, in batches of 64 as a busy poll would bring. The index first
// holds 5,000 stories of the last day; then 9 of 10 items are new
// headlines and 1 in 10 is one of the known stories told again. Reported:
// stories resolved per second and candidates compared per item.
func BenchmarkResolveRealFingerprints(b *testing.B) {
	const known, batch = 5000, 64
	titles := benchStoryTitles(b)
	if len(titles) < known+batch {
		b.Fatalf("%d titles", len(titles))
	}
	st := storetest.Open(b)
	stories := st.Stories(store.StoryOptions{})
	ctx := context.Background()
	fps := make([]story.Fingerprint, len(titles))
	inputs := make([]store.StoryInput, len(titles))
	for i, t := range titles {
		fps[i] = story.NewFingerprint(t)
		data, err := json.Marshal(fps[i])
		if err != nil {
			b.Fatal(err)
		}
		inputs[i] = store.StoryInput{
			FP:   store.FP{Hash: fps[i].Hash, Keys: fps[i].Keys, Data: string(data)},
			Item: store.StoryItem{SourceID: "src", ItemID: strconv.Itoa(i), Title: t},
		}
	}
	compared := 0
	picker := newStoryPicker()
	resolve := func(in []store.StoryInput, fp []story.Fingerprint) {
		_, err := stories.ResolveBatch(ctx, in, func(j int, cands []store.StoryRecord) int {
			compared += len(cands)
			return picker.pick(fp[j])(cands)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < known; i += batch {
		resolve(inputs[i:min(i+batch, known)], fps[i:min(i+batch, known)])
	}
	compared = 0
	next := known
	in := make([]store.StoryInput, batch)
	fp := make([]story.Fingerprint, batch)
	items := 0
	b.ResetTimer()
	for b.Loop() {
		for j := range batch {
			k := next
			if j%10 == 9 {
				k = (next * 7) % known // a known story again
			} else {
				next++
				if next == len(titles) {
					next = known
				}
			}
			in[j], fp[j] = inputs[k], fps[k]
			in[j].Item.ItemID = strconv.Itoa(items)
			items++
		}
		resolve(in, fp)
	}
	b.ReportMetric(float64(items)/b.Elapsed().Seconds(), "stories/s")
	b.ReportMetric(float64(compared)/float64(items), "candidates/item")
}
