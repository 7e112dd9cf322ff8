package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Config is how the server listens and logs.
type Config struct {
	// Addr is the address Open listens on when given no listener,
	// e.g. "127.0.0.1:8080"; port 0 picks a free port.
	Addr string
	// TLSCert and TLSKey are PEM files; when both are set the server
	// speaks HTTPS only (and sends Strict-Transport-Security).
	TLSCert string
	TLSKey  string
	// AccessLog logs one line per request: method, path (without the
	// query), status, duration. Never the client's address.
	AccessLog bool
	// Logger receives the access log, panics and errors; default
	// slog.Default().
	Logger *slog.Logger
	// MaxBodyBytes bounds request bodies; default 1 MiB.
	MaxBodyBytes int64
	// ShutdownTimeout is how long Close waits for requests in flight
	// (downloads included) before cutting them; default 10 s.
	ShutdownTimeout time.Duration
}

// Deps are the handlers the server mounts. Web is required.
type Deps struct {
	// Web serves the HTML pages at "/".
	Web http.Handler
	// API serves the JSON API; mounted at "/api/v1/" with the prefix
	// stripped. Nil: not mounted.
	API http.Handler
	// Static serves "/static/..." (the full path, prefix included).
	Static http.Handler
	// Publish serves releases: "/releases/", "/files/", "/mirrors.json",
	// "/mirror/" (full paths). Nil: not mounted.
	Publish http.Handler
	// Tracker is a BitTorrent tracker mounted at "/announce". Nil: none.
	Tracker http.Handler
	// Auth is the authentication middleware that puts the reader's
	// Principal into the request context (archive.WithPrincipal). Nil:
	// every request is anonymous.
	Auth func(http.Handler) http.Handler
}

// Server is trove's HTTP server: the web UI, the API and static files
// behind one chain of middleware.
type Server struct {
	cfg     Config
	log     *slog.Logger
	handler http.Handler
	srv     *http.Server
	ln      net.Listener
	tls     bool

	mu      sync.Mutex
	done    chan struct{} // closed when Serve returns
	serveEr error
}

// New builds the server; Open starts it.
func New(cfg Config, deps Deps) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 10 * time.Second
	}
	s := &Server{cfg: cfg, log: cfg.Logger, tls: cfg.TLSCert != "" && cfg.TLSKey != ""}
	mux := http.NewServeMux()
	if deps.Web != nil {
		mux.Handle("/", deps.Web)
	}
	if deps.API != nil {
		mux.Handle("/api/v1/", http.StripPrefix("/api/v1", deps.API))
	}
	if deps.Static != nil {
		mux.Handle("/static/", deps.Static)
	}
	if deps.Publish != nil {
		for _, p := range []string{"/releases/", "/files/", "/mirrors.json", "/mirror/"} {
			mux.Handle(p, deps.Publish)
		}
	}
	if deps.Tracker != nil {
		mux.Handle("/announce", deps.Tracker)
	}
	var h http.Handler = mux
	if deps.Auth != nil {
		h = deps.Auth(h)
	}
	h = limitBody(h, cfg.MaxBodyBytes)
	h = s.recoverPanic(h)
	if cfg.AccessLog {
		h = s.accessLog(h)
	}
	h = securityHeaders(h, s.tls)
	s.handler = h
	return s
}

// Handler returns the whole chain, for tests with httptest.
func (s *Server) Handler() http.Handler { return s.handler }

// Open starts serving on ln, or, when ln is nil, on a new listener on
// Config.Addr. It returns once the server accepts connections.
func (s *Server) Open(ln net.Listener) error {
	if s.srv != nil {
		return errors.New("server open: already open")
	}
	if s.tls {
		// Fail now, not on the first connection, when the files are bad.
		if _, err := loadKeyPair(s.cfg.TLSCert, s.cfg.TLSKey); err != nil {
			return fmt.Errorf("server open: %w", err)
		}
	}
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", s.cfg.Addr); err != nil {
			return fmt.Errorf("server open: %w", err)
		}
	}
	s.ln = ln
	s.srv = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      0, // downloads of large originals take as long as they take
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		// net/http logs client addresses (TLS handshake errors, panics):
		// we log nothing that identifies a reader.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		var err error
		if s.tls {
			err = s.srv.ServeTLS(ln, s.cfg.TLSCert, s.cfg.TLSKey)
		} else {
			err = s.srv.Serve(ln)
		}
		if !errors.Is(err, http.ErrServerClosed) {
			s.mu.Lock()
			s.serveEr = err
			s.mu.Unlock()
		}
	}()
	return nil
}

// URL is the server's base address, such as http://127.0.0.1:8080.
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	scheme := "http"
	if s.tls {
		scheme = "https"
	}
	return scheme + "://" + s.ln.Addr().String()
}

// Wait blocks until ctx is cancelled, then shuts down gracefully, or until
// the server stops on its own with an error.
func (s *Server) Wait(ctx context.Context) error {
	if s.srv == nil {
		return errors.New("server wait: not open")
	}
	select {
	case <-ctx.Done():
		return s.Close()
	case <-s.done:
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.serveEr != nil {
			return fmt.Errorf("server: %w", s.serveEr)
		}
		return nil
	}
}

// Close stops accepting connections, waits up to ShutdownTimeout for
// requests in flight, then closes what remains.
func (s *Server) Close() error {
	if s.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = s.srv.Close()
	}
	<-s.done
	if err != nil {
		return fmt.Errorf("server close: %w", err)
	}
	return nil
}
