package feedtest

import (
	"context"
	"net/http"

	"github.com/mmcdole/gofeed"
)

// Fetched is a feed document read by Get.
type Fetched struct {
	NotModified        bool // the server answered 304 Not Modified
	ETag, LastModified string
	Items              []*gofeed.Item
}

// Get reads the feed at url with nothing but net/http and gofeed: a GET,
// conditional on etag when it is not empty, then gofeed's parser. It is
// the baseline feeds.Poller is measured against and a light poller for
// tests of the scheduler.
func Get(ctx context.Context, client *http.Client, url, etag string) (Fetched, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Fetched{}, err
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := client.Do(req)
	if err != nil {
		return Fetched{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		return Fetched{NotModified: true}, nil
	}
	feed, err := gofeed.NewParser().Parse(resp.Body)
	if err != nil {
		return Fetched{}, err
	}
	return Fetched{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"), Items: feed.Items}, nil
}
