package browser_test

import (
	"bytes"
	"html/template"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/aajil/aajil/internal/browser"
)

// page is a form that posts a name and a page that greets it.
var page = template.Must(template.New("p").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>form</title></head><body>
{{if .}}<p id="greeting">Hello, {{.}}!</p>{{end}}
<form method="post" action="/">
<label for="name">Name</label> <input id="name" name="name" value="old">
<button id="go" type="submit">Send</button>
</form>
<p id="clicks">0</p>
<button id="more" type="button">more</button>
<script>document.getElementById("more").onclick = function () {
  var c = document.getElementById("clicks"); c.textContent = String(Number(c.textContent) + 1);
};</script>
</body></html>`))

func TestBrowser(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := ""
		if r.Method == http.MethodPost {
			name = r.PostFormValue("name")
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		page.Execute(w, name)
	}))
	defer srv.Close()

	b := browser.New(t)
	b.Navigate(srv.URL)
	b.Click("#more")
	b.Click("#more")
	if got := b.Text("#clicks"); got != "2" {
		t.Errorf("clicks = %q, want 2", got)
	}
	b.Fill("#name", "عاجل <b>")
	b.Submit("#name")
	if got, want := b.Text("#greeting"), "Hello, عاجل <b>!"; got != want {
		t.Errorf("greeting = %q, want %q", got, want)
	}

	b.Fill("#name", "again")
	b.ClickAndWait("#go")
	if got, want := b.Text("#greeting"), "Hello, again!"; got != want {
		t.Errorf("greeting after the click = %q, want %q", got, want)
	}
	if got, want := b.Location(), srv.URL+"/"; got != want {
		t.Errorf("location = %q, want %q", got, want)
	}
	if got, want := browser.Eval[string](b, "document.documentElement.lang"), "en"; got != want {
		t.Errorf("Eval(lang) = %q, want %q", got, want)
	}

	shot := filepath.Join(t.TempDir(), "page.png")
	b.Screenshot(shot)
	data, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("screenshot is no PNG: %v", err)
	}
	if r := img.Bounds(); r.Dx() < 100 || r.Dy() < 100 {
		t.Errorf("screenshot %v, want a page-sized image", r)
	}
}
