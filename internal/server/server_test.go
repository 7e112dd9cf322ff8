package server_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/server"
)

var wantHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
	"X-Content-Type-Options":  "nosniff",
	"X-Frame-Options":         "DENY",
	"Referrer-Policy":         "no-referrer",
}

func checkHeaders(t *testing.T, what string, h http.Header, csp string) {
	t.Helper()
	for k, v := range wantHeaders {
		if k == "Content-Security-Policy" && csp != "" {
			v = csp
		}
		if got := h.Get(k); got != v {
			t.Errorf("%s: %s = %q, want %q", what, k, got, v)
		}
	}
	if h.Get("Permissions-Policy") == "" {
		t.Errorf("%s: no Permissions-Policy", what)
	}
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func TestSecurityHeadersEverywhere(t *testing.T) {
	s := newStack(t, server.Config{})
	base := s.srv.URL()
	mail := s.itemID(t, "harbor-leak", "docs/Mail/invoice.eml")
	memo := s.itemID(t, "lim-leak", "memo.txt")
	c := &http.Client{CheckRedirect: noRedirect}
	routes := []struct {
		method, path string
		status       int
		csp          string
	}{
		{"GET", "/", 200, ""},
		{"GET", "/datasets/harbor-leak", 200, ""},
		{"GET", "/datasets/lim-leak", 200, ""},
		{"GET", "/datasets/harbor-leak/browse/", 200, ""},
		{"GET", "/datasets/harbor-leak/browse/docs/Mail", 200, ""},
		{"GET", "/datasets/harbor-leak/browse", http.StatusTemporaryRedirect, ""},
		{"GET", "/search?q=shell", 200, ""},
		{"GET", "/search?q=%22", 400, ""},
		{"GET", fmt.Sprintf("/items/%d", mail), 200, ""},
		{"GET", fmt.Sprintf("/items/%d", memo), 404, ""},
		{"GET", fmt.Sprintf("/items/%d/original", mail), 200, "default-src 'none'; sandbox"},
		{"HEAD", fmt.Sprintf("/items/%d/original", mail), 200, "default-src 'none'; sandbox"},
		{"GET", fmt.Sprintf("/items/%d/original", memo), 404, ""},
		{"GET", "/countries/PA", 200, ""},
		{"GET", "/help/search", 200, ""},
		{"GET", "/login", 200, ""},
		{"POST", "/login", 403, ""},
		{"POST", "/logout", 403, ""},
		{"GET", "/account", 303, ""},
		{"GET", "/admin/requests", 303, ""},
		{"GET", "/static/style.css", 200, ""},
		{"GET", "/static/print.css", 200, ""},
		{"GET", "/static/", 404, ""},
		{"GET", "/static/nope.css", 404, ""},
		{"GET", "/favicon.ico", 404, ""},
		{"GET", "/nope", 404, ""},
		{"DELETE", "/", 404, ""},
		{"GET", "/api/v1/datasets", 200, "default-src 'none'; frame-ancestors 'none'; sandbox"},
		{"GET", "/api/v1/nope", 404, "default-src 'none'; frame-ancestors 'none'; sandbox"},
	}
	for _, rt := range routes {
		req, err := http.NewRequest(rt.method, base+rt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rt.method == "POST" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		what := rt.method + " " + rt.path
		if resp.StatusCode != rt.status {
			t.Errorf("%s: status %d, want %d", what, resp.StatusCode, rt.status)
		}
		checkHeaders(t, what, resp.Header, rt.csp)
		if bytes.Contains(bytes.ToLower(body), []byte("<script")) && !strings.Contains(rt.path, "original") {
			t.Errorf("%s: the response contains <script", what)
		}
	}
}

func TestPanicRecovery(t *testing.T) {
	var logBuf syncBuffer
	mux := http.NewServeMux()
	mux.HandleFunc("/boom", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Disposition", "attachment")
		panic("secret internals /var/lib/trove/catalog.db")
	})
	mux.HandleFunc("/late", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("partial"))
		panic("after writing")
	})
	srv := server.New(server.Config{Addr: "127.0.0.1:0", Logger: slog.New(slog.NewTextHandler(&logBuf, nil))}, server.Deps{Web: mux})
	if err := srv.Open(nil); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	resp, err := http.Get(srv.URL() + "/boom")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 500 || !strings.Contains(string(body), "Internal error") || strings.Contains(string(body), "secret") {
		t.Errorf("panic page: %d %q", resp.StatusCode, body)
	}
	if resp.Header.Get("Content-Disposition") != "" {
		t.Error("headers of the failed response leak into the error page")
	}
	checkHeaders(t, "panic", resp.Header, "")
	if !strings.Contains(logBuf.String(), "secret internals") {
		t.Error("the panic is not logged")
	}
	// A panic after the response began cuts the connection.
	if resp, err := http.Get(srv.URL() + "/late"); err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode == 200 {
			// The chunked body must end with an error.
			t.Error("a response cut by a panic ended cleanly")
		}
	}
	// The server still answers.
	if resp, err := http.Get(srv.URL() + "/boom"); err != nil || resp.StatusCode != 500 {
		t.Errorf("after panics: %v", err)
	} else {
		resp.Body.Close()
	}
}

func TestBodyLimit(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/upload", func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		fmt.Fprint(w, n)
	})
	srv := server.New(server.Config{Addr: "127.0.0.1:0"}, server.Deps{Web: mux})
	if err := srv.Open(nil); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, tt := range []struct {
		size   int
		status int
	}{{1 << 20, 200}, {1<<20 + 1, 413}} {
		resp, err := http.Post(srv.URL()+"/upload", "application/octet-stream", bytes.NewReader(make([]byte, tt.size)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%d bytes: status %d, want %d", tt.size, resp.StatusCode, tt.status)
		}
	}
}

func TestAccessLog(t *testing.T) {
	for _, on := range []bool{false, true} {
		var logBuf syncBuffer
		mux := http.NewServeMux()
		mux.HandleFunc("/search", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
		srv := server.New(server.Config{Addr: "127.0.0.1:0", AccessLog: on, Logger: slog.New(slog.NewTextHandler(&logBuf, nil))}, server.Deps{Web: mux})
		if err := srv.Open(nil); err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(srv.URL() + "/search?q=" + url.QueryEscape("whistleblower name"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		srv.Close()
		log := logBuf.String()
		if !on {
			if log != "" {
				t.Errorf("logged without --access-log: %q", log)
			}
			continue
		}
		for _, want := range []string{"method=GET", "path=/search", "status=418", "duration="} {
			if !strings.Contains(log, want) {
				t.Errorf("access log lacks %q: %q", want, log)
			}
		}
		for _, bad := range []string{"whistleblower", "127.0.0.1", "q="} {
			if strings.Contains(log, bad) {
				t.Errorf("access log contains %q: %q", bad, log)
			}
		}
	}
}

func TestGracefulShutdown(t *testing.T) {
	started := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(300 * time.Millisecond)
		fmt.Fprint(w, "done")
	})
	srv := server.New(server.Config{Addr: "127.0.0.1:0"}, server.Deps{Web: mux})
	if err := srv.Open(nil); err != nil {
		t.Fatal(err)
	}
	url := srv.URL()
	ctx, cancel := context.WithCancel(context.Background())
	waited := make(chan error, 1)
	go func() { waited <- srv.Wait(ctx) }()
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get(url + "/slow")
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-started
	cancel()
	if err := <-waited; err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if s := <-got; s != "done" {
		t.Errorf("request in flight: %q", s)
	}
	if _, err := http.Get(url + "/slow"); err == nil {
		t.Error("still accepting after shutdown")
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
