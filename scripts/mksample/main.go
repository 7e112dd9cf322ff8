// Command mksample writes a small leak-shaped sample (text, HTML, CSV, an
// email with an attachment, a zip inside a tar.gz, an mbox) for a first run
// of trove where the shared benchmark generator is not available.
package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: mksample DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	must(os.MkdirAll(filepath.Join(dir, "portal", "exports"), 0o755))
	must(os.MkdirAll(filepath.Join(dir, "Mail"), 0o755))
	write := func(rel, body string) { must(os.WriteFile(filepath.Join(dir, rel), []byte(body), 0o644)) }
	write("portal/notes.txt", "Meeting notes: the quarterly invoice review moved to Friday.\nSee the operation amber falcon 4471 memo.\n")
	write("portal/index.html", "<html><head><title>Fusion Center Portal</title><script>var x=1;</script></head><body><h1>Bulletins</h1><p>Situational report for the Müller case.</p></body></html>")
	write("portal/exports/Users.csv", "Name,Email,Agency\nAlice Smith,alice@example.org,County Sheriff\nBob Jones,bob@example.org,State Police\n")
	att := base64.StdEncoding.EncodeToString([]byte("Attachment text: budget report for 2019.\n"))
	mail := "From: Alice Smith <alice@example.org>\r\nTo: bob@example.org\r\nSubject: =?UTF-8?Q?Quarterly_report_=E2=80=93_draft?=\r\nDate: Tue, 05 Mar 2019 10:00:00 +0000\r\nMessage-ID: <1@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease find the report attached.\r\n--b\r\nContent-Type: text/plain; name=report.txt\r\nContent-Disposition: attachment; filename=report.txt\r\nContent-Transfer-Encoding: base64\r\n\r\n" + att + "\r\n--b--\r\n"
	write("Mail/report.eml", mail)
	write("Mail/inbox.mbox", "From alice@example.org Tue Mar  5 10:00:00 2019\nFrom: alice@example.org\nSubject: first\nMessage-ID: <a@example.org>\n\nFirst message about the invoice.\n\nFrom bob@example.org Wed Mar  6 10:00:00 2019\nFrom: bob@example.org\nSubject: second\nMessage-ID: <b@example.org>\n\n>From the archive: second message.\n")
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, err := zw.Create("Documents/inner.txt")
	must(err)
	fmt.Fprintln(w, "A document inside a zip inside a tar.gz: operation cobalt heron 1234.")
	must(zw.Close())
	var tb bytes.Buffer
	gz := gzip.NewWriter(&tb)
	tw := tar.NewWriter(gz)
	must(tw.WriteHeader(&tar.Header{Name: "backup/docs.zip", Mode: 0o644, Size: int64(zb.Len()), ModTime: time.Date(2019, 3, 1, 0, 0, 0, 0, time.UTC)}))
	_, err = tw.Write(zb.Bytes())
	must(err)
	must(tw.Close())
	must(gz.Close())
	must(os.WriteFile(filepath.Join(dir, "portal", "site_backup.tar.gz"), tb.Bytes(), 0o644))
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "mksample:", err)
		os.Exit(1)
	}
}
