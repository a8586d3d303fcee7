// Package browser drives a headless Chromium for tests, through
// chromedp: navigate, click, fill a field, submit a form, read a text,
// take a full-page screenshot. New skips the test when Chromium is not
// installed, unless AAJIL_REQUIRE_BROWSER=1 (as in CI), which makes it a
// failure.
package browser

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// EnvRequire is the environment variable that makes a missing Chromium
// fail the test instead of skipping it.
const EnvRequire = "AAJIL_REQUIRE_BROWSER"

// ActionTimeout bounds each action (a navigation, a click…).
const ActionTimeout = 15 * time.Second

// Browser is one headless Chromium with one tab, closed when its test
// ends. Its methods fail the test on an error.
type Browser struct {
	tb  testing.TB
	ctx context.Context
}

// New starts a headless Chromium for tb with a new empty profile, or
// skips tb when none is installed (fails it with AAJIL_REQUIRE_BROWSER=1).
func New(tb testing.TB) *Browser {
	tb.Helper()
	path, err := chromiumPath()
	if err != nil {
		if os.Getenv(EnvRequire) == "1" {
			tb.Fatalf("browser: %v (%s=1)", err, EnvRequire)
		}
		tb.Skipf("browser: %v; install Debian's chromium to run this test", err)
	}
	profile := tb.TempDir() // removed after the browser stops (cleanups run last first)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), options(path, profile)...)
	ctx, cancelTab := chromedp.NewContext(actx)
	tb.Cleanup(func() {
		cancelTab()
		cancelAlloc() // kills Chromium and waits for it
	})
	// The first action starts the browser.
	if err := chromedp.Do(ctx); err != nil {
		tb.Fatalf("browser: start %s: %v", path, err)
	}
	return &Browser{tb: tb, ctx: ctx}
}

// chromiumPath finds Chromium: chromium on the PATH, else Debian's
// /usr/bin/chromium.
func chromiumPath() (string, error) {
	if p, err := exec.LookPath("chromium"); err == nil {
		return p, nil
	}
	const debian = "/usr/bin/chromium"
	if _, err := os.Stat(debian); err != nil {
		return "", errors.New("chromium not found on the PATH or at " + debian)
	}
	return debian, nil
}

// options are Chromium's flags: headless, no sandbox (tests may run as
// root), nothing that reaches the network on its own, a fresh profile.
func options(path, profile string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 800),
	}
}

// do runs steps under ActionTimeout and fails the test on an error.
func (b *Browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.tb.Helper()
	if _, err := run(b, chromedp.Steps(steps...)); err != nil {
		b.tb.Fatalf("browser: %s: %v", what, err)
	}
}

// run runs one action under ActionTimeout and returns its value.
func run[T any](b *Browser, a chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(b.ctx, ActionTimeout)
	defer cancel()
	return chromedp.Run(ctx, a)
}

// Navigate loads url and waits for its document to load.
func (b *Browser) Navigate(url string) {
	b.tb.Helper()
	b.do("navigate to "+url, chromedp.Navigate(url))
}

// Click clicks the first element matching the CSS selector sel, once it
// is visible.
func (b *Browser) Click(sel string) {
	b.tb.Helper()
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// ClickAndWait clicks the first element matching sel, once it is
// visible, and waits for the page the click loads (a form's submit
// button, a link).
func (b *Browser) ClickAndWait(sel string) {
	b.tb.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, ActionTimeout)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		b.tb.Fatalf("browser: click %s and wait for the page: %v", sel, err)
	}
}

// Location returns the URL of the current page.
func (b *Browser) Location() string {
	b.tb.Helper()
	u, err := run(b, chromedp.Location())
	if err != nil {
		b.tb.Fatalf("browser: read the location: %v", err)
	}
	return u
}

// Fill sets the value of the form field matching sel to value, firing
// its input and change events as typing would. An empty value clears
// the field (its value attribute, which is its value until typed in).
func (b *Browser) Fill(sel, value string) {
	b.tb.Helper()
	if value == "" {
		// chromedp's SetValue cannot set "": it reads the value back
		// and takes the empty answer for a failure.
		b.do("clear "+sel, chromedp.Clear(chromedp.CSS(sel)))
		return
	}
	b.do("fill "+sel, chromedp.SetValue(chromedp.CSS(sel), value))
}

// Submit submits the form of the element matching sel (the form or one
// of its fields) and waits for the page it loads.
func (b *Browser) Submit(sel string) {
	b.tb.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, ActionTimeout)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Submit(chromedp.CSS(sel))); err != nil {
		b.tb.Fatalf("browser: submit %s: %v", sel, err)
	}
}

// Text returns the visible text of the first element matching sel, once
// it is visible.
func (b *Browser) Text(sel string) string {
	b.tb.Helper()
	s, err := run(b, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		b.tb.Fatalf("browser: read text of %s: %v", sel, err)
	}
	return s
}

// Eval evaluates the JavaScript expression js in the page and returns
// its value, which must be JSON (a string, a number…).
func Eval[T any](b *Browser, js string) T {
	b.tb.Helper()
	v, err := run(b, chromedp.Evaluate[T](js))
	if err != nil {
		b.tb.Fatalf("browser: evaluate %q: %v", js, err)
	}
	return v
}

// Screenshot writes a PNG of the whole page (beyond the window) to path.
// The viewport is made as tall as the page for the capture and then
// restored: Chromium's own capture beyond the viewport shifts a
// right-to-left page sideways.
func (b *Browser) Screenshot(path string) {
	b.tb.Helper()
	size := Eval[[2]int64](b, "[document.documentElement.clientWidth, Math.ceil(document.documentElement.scrollHeight)]")
	var png []byte
	_, err := run(b, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.EmulateViewport(size[0], size[1])(ctx, t)
		if err == nil {
			png, err = chromedp.CaptureScreenshot()(ctx, t)
		}
		if _, rerr := cdp.Call(ctx, t, emulation.ClearDeviceMetricsOverride, cdp.Empty{}); err == nil {
			err = rerr
		}
		return err
	}))
	if err == nil {
		err = os.WriteFile(path, png, 0o644)
	}
	if err != nil {
		b.tb.Fatalf("browser: screenshot to %s: %v", path, err)
	}
}
