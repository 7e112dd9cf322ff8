package server_test

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/xml"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/css"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/server"
	"github.com/trove-archive/trove/internal/web"
)

// TestCountriesBrowser loads the world map and a country page in headless
// Chromium with JavaScript off, behind the real security headers (a
// strict CSP: the map must need no inline style), and keeps screenshots in
// $TROVE_ARTIFACTS (default: a temporary folder). Without Chromium it
// skips, except in CI (CI=true), where it fails.
func TestCountriesBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	b := newBrowser(t)
	bctx, do, html, shot := b.ctx, b.do, b.html, b.shot
	s := newStack(t, server.Config{})
	ctx := context.Background()
	ds, err := s.db.Dataset(ctx, archive.Admin(), "harbor-leak") // about PA and DE
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"harbor-r1", "harbor-r2"} {
		sum := sha1.Sum([]byte(name))
		r := &archive.Release{Name: name, DatasetID: ds.ID, Level: archive.LevelPublic, Created: time.Date(2024, 5, 1+i, 0, 0, 0, 0, time.UTC),
			Size: 123456, Manifest: []byte("{}"), Signature: []byte("sig"), Info: []byte("d4:name" + name + "e"), InfoHash: hex.EncodeToString(sum[:])}
		if err := s.db.CreateRelease(ctx, r, []archive.ReleaseFile{{Path: "a.txt", Size: 123456, Blob: archive.Hash([]byte(name))}}); err != nil {
			t.Fatal(err)
		}
	}
	ui, err := web.New(web.Config{}, web.Deps{Catalog: s.db, Index: s.db, Store: s.st, Browse: s.db, Releases: s.db, Places: s.db,
		Magnet: func(r *archive.Release) string { return "magnet:?xt=urn:btih:" + r.InfoHash }})
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{Addr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)}, server.Deps{Web: ui, Static: web.Static()})
	if err := srv.Open(nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	base := srv.URL()

	do("start", chromedp.Navigate("about:blank"))
	if _, err := chromedp.Call(bctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}

	do("map", chromedp.Navigate(base+"/countries"), chromedp.WaitReady(chromedp.CSS("svg.worldmap")))
	shot("countries.png")
	doc := html()
	// The browser's own serialisation of the SVG must still be XML.
	svg := regexp.MustCompile(`(?s)<svg .*?</svg>`).FindString(doc)
	if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil || svg == "" {
		t.Fatalf("map as the browser holds it: %v", err)
	}
	if !strings.Contains(doc, `class="map-land shade-2" data-cc="PA"`) || !strings.Contains(doc, `class="map-land shade-2" data-cc="DE"`) {
		t.Fatal("Panama and Germany are not shaded for 2 releases")
	}
	// The sea must be painted by the stylesheet (the CSP allows no inline
	// style): its fill is the one style.css gives.
	fill, err := chromedp.Run(bctx, chromedp.ComputedStyle(chromedp.CSS("path.map-sea")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fmtStyles(fill), "fill=rgb(220, 235, 245)") {
		t.Errorf("the sea is not styled by style.css: %s", fmtStyles(fill))
	}

	do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	shot("countries-phone.png")
	do("desktop", chromedp.EmulateViewport(1280, 900))

	// Follow Panama's link on the map to its page.
	do("country", chromedp.Click(`//*[local-name()="a"][@href="/countries/PA"]/*[local-name()="path"]`), chromedp.WaitReady(chromedp.CSS("#releases")))
	shot("country.png")
	doc = html()
	for _, want := range []string{"<h1>Panama</h1>", "harbor-r1", "/releases/harbor-r2/harbor-r2.torrent", "magnet:?xt=urn:btih:", "Harbor leak"} {
		if !strings.Contains(doc, want) {
			t.Fatalf("country page lacks %q", want)
		}
	}
	t.Logf("screenshots in %s", b.artifacts)
}

// fmtStyles renders computed styles as name=value pairs.
func fmtStyles(props []*css.ComputedStyleProperty) string {
	var b strings.Builder
	for _, p := range props {
		b.WriteString(p.Name + "=" + p.Value + " ")
	}
	return b.String()
}
