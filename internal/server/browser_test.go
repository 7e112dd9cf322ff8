package server_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/server"
)

// findChromium returns the path of a Chromium or Chrome binary, or "".
func findChromium() string {
	if p := os.Getenv("TROVE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser is a headless Chromium with JavaScript disabled, for the
// end-to-end tests; screenshots go to $TROVE_ARTIFACTS (default: a
// temporary folder). newBrowser skips the test without Chromium, except in
// CI (CI=true), where it fails.
type browser struct {
	t         *testing.T
	ctx       context.Context
	artifacts string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	bin := findChromium()
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("Chromium is not installed (scripts/deps.sh installs it)")
		}
		t.Skip("Chromium is not installed (apt-get install chromium, or set TROVE_CHROMIUM): skipping the browser test")
	}
	artifacts := os.Getenv("TROVE_ARTIFACTS")
	if artifacts == "" {
		artifacts = t.TempDir()
	} else if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("blink-settings", "scriptEnabled=false"),
		chromedp.WindowSize(1280, 900),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	return &browser{t: t, ctx: bctx, artifacts: artifacts}
}

// do runs steps, failing the test with what on error.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// html reads the page through the DOM domain: no script runs in it.
func (b *browser) html() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		b.t.Fatalf("read the page: %v", err)
	}
	return s
}

// shot keeps a full-page screenshot as an artifact.
func (b *browser) shot(name string) {
	b.t.Helper()
	buf, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.artifacts, name), buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// TestBrowser drives a real headless Chromium with JavaScript disabled
// through the archive as a reader would: search, open the email, follow
// its attachment, download the original, sign in and ask for access to a
// limited dataset. Full-page screenshots go to $TROVE_ARTIFACTS (default:
// a temporary folder).
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	b := newBrowser(t)
	bctx, do, html, shot := b.ctx, b.do, b.html, b.shot
	s := newStack(t, server.Config{})
	base := s.srv.URL()

	// currentURL reads the address from the navigation history.
	currentURL := func() string {
		t.Helper()
		res, err := chromedp.Call(bctx, page.GetNavigationHistory, cdp.Empty{})
		if err != nil || int(res.CurrentIndex) >= len(res.Entries) {
			t.Fatalf("navigation history: %v", err)
		}
		return res.Entries[res.CurrentIndex].URL
	}
	mustContain := func(what, doc string, subs ...string) {
		t.Helper()
		for _, sub := range subs {
			if !strings.Contains(doc, sub) {
				t.Fatalf("%s: page lacks %q", what, sub)
			}
		}
	}

	// JavaScript is off: a page's script does not run.
	do("start", chromedp.Navigate("about:blank"))
	if _, err := chromedp.Call(bctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	do("check that scripts are off",
		chromedp.Navigate(`data:text/html,<p id="p">static</p><script>document.getElementById("p").textContent="SCRIPT RAN"</script>`),
		chromedp.WaitReady(chromedp.CSS("#p")))
	if doc := html(); !strings.Contains(doc, "static") || strings.Contains(doc, ">SCRIPT RAN<") {
		t.Fatalf("JavaScript is not disabled: %s", doc)
	}

	// Home, then a search typed into the box.
	do("home", chromedp.Navigate(base+"/"), chromedp.WaitReady(chromedp.CSS("#home-q")))
	shot("home.png")
	mustContain("home", html(), "Harbor leak", "Limited leak", "Datasets by country")
	do("search",
		chromedp.SendKeys(chromedp.CSS("#home-q"), `"shell company"`),
		chromedp.Click(chromedp.CSS("form.search button[type=submit]")),
		chromedp.WaitReady(chromedp.CSS("ol.hits")))
	shot("search.png")
	doc := html()
	mustContain("search", doc, "<mark>shell company</mark>", "Harbor invoice", "readme.txt")
	if strings.Contains(doc, "Limited memo") {
		t.Fatal("search shows the limited dataset to an anonymous reader")
	}
	if strings.Contains(doc, "<script>alert") {
		t.Fatal("search shows unescaped text")
	}

	// The same results on a phone.
	do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	shot("search-phone.png")
	do("desktop", chromedp.EmulateViewport(1280, 900))

	// The email hit, its headers and attachment.
	do("open the email",
		chromedp.Click(`//ol[@class="hits"]//a[contains(., "Harbor invoice")]`),
		chromedp.WaitReady(chromedp.CSS("#headers")))
	shot("item.png")
	mustContain("email", html(), "alice@example.org", "Bob &lt;bob@example.com&gt;", "invoice.txt", "Müller agreed")
	do("follow the attachment",
		chromedp.Click(`//section[@aria-labelledby="members"]//a[.="invoice.txt"]`),
		chromedp.WaitReady(`//pre[contains(., "Invoice 42")]`))
	loc := currentURL()
	href, err := chromedp.Run(bctx, chromedp.AttributeValue(chromedp.CSS("a.button[download]"), "href"))
	if err != nil {
		t.Fatal(err)
	}
	mustContain("attachment", html(), `>invoice.eml</a>`, `/datasets/harbor-leak/browse/docs/Mail"`) // breadcrumbs up to the email
	if !strings.HasSuffix(href.Value, "/original") || !strings.HasPrefix(loc, base+"/items/") {
		t.Fatalf("download link %q on %q", href.Value, loc)
	}
	// The download, checked over HTTP rather than through the browser.
	resp, err := http.Get(base + href.Value)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != invoiceAtt || resp.Header.Get("Content-Disposition") != `attachment; filename="invoice.txt"` ||
		resp.Header.Get("ETag") != `"`+archive.Hash([]byte(invoiceAtt)).String()+`"` {
		t.Fatalf("original: %q %v", got, resp.Header)
	}

	// The dataset page, and the limited dataset's stub.
	do("dataset", chromedp.Navigate(base+"/datasets/harbor-leak"), chromedp.WaitReady(chromedp.CSS("#about")))
	shot("dataset.png")
	mustContain("dataset", html(), "Received from a whistleblower", "Browse the files")
	do("browse", chromedp.Click(`//a[.="Browse the files"]`), chromedp.WaitReady(chromedp.CSS("ul.folders")))
	shot("folder.png")
	do("stub", chromedp.Navigate(base+"/datasets/lim-leak"), chromedp.WaitReady(chromedp.CSS("#access")))
	doc = html()
	mustContain("stub", doc, "Limited leak", "Sign in to request access")
	if strings.Contains(doc, "memo.txt") {
		t.Fatal("the stub shows the limited dataset's files")
	}

	// Sign in from the stub, then ask for access.
	do("sign in",
		chromedp.Click(`//a[contains(., "Sign in to request access")]`),
		chromedp.WaitReady(chromedp.CSS("#password")))
	shot("login.png")
	do("sign in",
		chromedp.SendKeys(chromedp.CSS("#name"), "jane"),
		chromedp.SendKeys(chromedp.CSS("#password"), janePass),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")),
		chromedp.WaitReady(chromedp.CSS("#reason")))
	mustContain("signed in", html(), "Account", "jane", "Sign out", "Why do you need access?")
	do("request access",
		chromedp.SendKeys(chromedp.CSS("#reason"), "Investigating the harbor deal for a story."),
		chromedp.SendKeys(chromedp.CSS("#outlet"), "The Daily Example"),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")),
		chromedp.WaitReady(`//p[contains(., "You asked for access")]`))
	shot("stub.png")
	mustContain("requested", html(), "pending")
	reqs, err := s.db.AccessRequests(context.Background(), archive.RequestPending)
	if err != nil || len(reqs) != 1 || reqs[0].User != "jane" || reqs[0].Dataset != "lim-leak" || reqs[0].Outlet != "The Daily Example" {
		t.Fatalf("access requests: %+v %v", reqs, err)
	}
	do("account", chromedp.Navigate(base+"/account"), chromedp.WaitReady(chromedp.CSS("#requests")))
	shot("account.png")
	mustContain("account", html(), "lim-leak", "pending")

	// Sign out (a POST form with its token).
	do("sign out",
		chromedp.Click(`//button[.="Sign out"]`),
		chromedp.WaitReady(`//a[.="Sign in"]`))

	// An editor approves the request.
	do("editor signs in",
		chromedp.Navigate(base+"/login?next=%2Fadmin%2Frequests"),
		chromedp.WaitReady(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#name"), "eddie"),
		chromedp.SendKeys(chromedp.CSS("#password"), janePass),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")),
		chromedp.WaitReady(chromedp.CSS("ul.requests")))
	shot("admin-requests.png")
	mustContain("requests", html(), "Investigating the harbor deal", "The Daily Example")
	do("approve",
		chromedp.Click(`//button[.="Approve"]`),
		chromedp.WaitReady(`//p[.="No requests."]`))
	if grants, err := s.db.Grants(context.Background(), reqs[0].UserID); err != nil || len(grants) != 1 {
		t.Fatalf("grants after approval: %v %v", grants, err)
	}
	do("levels", chromedp.Navigate(base+"/admin/datasets"), chromedp.WaitReady(chromedp.CSS("table.list")))
	shot("admin-datasets.png")
	t.Logf("screenshots in %s", b.artifacts)
}
