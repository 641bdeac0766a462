package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

// DefaultAngularJS is where Debian's libjs-angularjs package installs
// AngularJS 1.8; the sandbox page loads it from /js/angular.min.js.
const DefaultAngularJS = "/usr/share/javascript/angular.js/angular.min.js"

// ErrAngularMissing reports that the AngularJS file the page needs is absent.
// New wraps it with the path and the way to install the file.
var ErrAngularMissing = errors.New("sandbox: AngularJS not found")

// defaultHold is how long the long polls (synccheck, the QR login poll) wait
// for a change before answering "nothing new". The real servers hold about
// 25 s; a short hold keeps tests and Close fast while still being a long poll.
const defaultHold = 1500 * time.Millisecond

type config struct {
	angularJS string
	loggedIn  bool
	hold      time.Duration
	rateLimit RateLimit // batch (issue 6): the create limit, see ratelimit.go
	drift     Drift     // changes to the page's code, see drift.go
	// requestLog is how many requests Requests keeps, see record.go.
	requestLog int
	// recentGroups is how many unsaved groups the recent chats hold, see
	// recent.go.
	recentGroups int
	// promptCreate answers a create at once, see push.go.
	promptCreate bool
}

// Option configures a Server made by New.
type Option func(*config)

// WithAngularJS serves the AngularJS file at path instead of DefaultAngularJS.
func WithAngularJS(path string) Option {
	return func(c *config) { c.angularJS = path }
}

// WithLoggedIn says whether the session starts accepted (default true). When
// true, the first GET / sets the session cookies and the page starts logged
// in; when false, the page shows the QR login view until the simulated phone
// confirms (see Server.Phone).
func WithLoggedIn(ok bool) Option {
	return func(c *config) { c.loggedIn = ok }
}

// Server is the local stand-in of web WeChat. It is an http.Handler; Start
// serves it on a listener of its own, or mount it in an httptest.Server.
type Server struct {
	cfg     config
	angular []byte
	static  fs.FS
	// chatroomJS is static/js/chatroom.js with the drift applied.
	chatroomJS []byte
	mux        *http.ServeMux
	routes     map[string]route
	sess       secrets // immutable after New

	mu      sync.Mutex
	st      *state
	faults  []Fault
	reqs    []Request
	changed chan struct{} // closed and replaced at every change, wakes long polls
	limiter createLimiter // batch (issue 6): see ratelimit.go
	lost    lostAnswer    // batch (issue 6): see lostanswer.go
	push    pushState     // see push.go

	closeOnce sync.Once
	closed    chan struct{}
	srv       *http.Server
	url       string
}

// New makes a sandbox with fresh random session secrets and the seed data.
// It fails with an error wrapping ErrAngularMissing when the AngularJS file
// does not exist.
func New(opts ...Option) (*Server, error) {
	cfg := config{
		angularJS: DefaultAngularJS, loggedIn: true, hold: defaultHold, requestLog: defaultRequestLog,
		recentGroups: DefaultRecentGroups,
	}
	for _, o := range opts {
		o(&cfg)
	}
	angular, err := os.ReadFile(cfg.angularJS)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w at %s: install it with `apt-get install -y libjs-angularjs`, or point --angular-js at a copy of angular.min.js", ErrAngularMissing, cfg.angularJS)
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox: read AngularJS: %w", err)
	}
	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, fmt.Errorf("sandbox: embedded page: %w", err)
	}
	chatroomJS, err := chatroomScript(static, cfg.drift)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:        cfg,
		angular:    angular,
		static:     static,
		chatroomJS: chatroomJS,
		sess:       newSecrets(),
		changed:    make(chan struct{}),
		closed:     make(chan struct{}),
	}
	s.st = newState(s.sess, cfg.loggedIn, cfg.recentGroups)
	s.limiter.rule = cfg.rateLimit // batch (issue 6)
	s.routes = apiRoutes()
	s.mux = s.newMux()
	return s, nil
}

// newMux routes the page, its scripts, the API (with the login host's
// jslogin on the same host) and the control endpoint.
func (s *Server) newMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.serveIndex)
	mux.HandleFunc("GET /js/angular.min.js", s.serveAngular)
	mux.HandleFunc("GET /js/chatroom.js", s.serveChatroomScript)
	mux.Handle("GET /js/", http.FileServerFS(s.static))
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc(apiPrefix, s.serveAPI)
	mux.HandleFunc("/jslogin", s.serveAPI)
	mux.HandleFunc("POST /sandbox/control", s.serveControl)
	return mux
}

// ServeHTTP serves the page, the API and the control endpoint.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// Start listens on addr (for example "127.0.0.1:0") and serves in the
// background. It returns the base URL, "http://127.0.0.1:PORT/". A Server
// starts at most once.
func (s *Server) Start(addr string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return "", errors.New("sandbox: already started at " + s.url)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("sandbox: listen: %w", err)
	}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.url = "http://" + ln.Addr().String() + "/"
	go func(srv *http.Server) { _ = srv.Serve(ln) }(s.srv) // Serve returns ErrServerClosed after Close
	return s.url, nil
}

// URL is the base URL given by Start, or "" when the server was not started.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Close ends the long polls in flight and stops the listener of Start. It is
// safe to call more than once, and without Start (for example under
// httptest.Server, whose own Close then returns quickly).
func (s *Server) Close() error {
	s.closeOnce.Do(func() { close(s.closed) })
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		_ = srv.Close() // force what the graceful shutdown could not finish
		return fmt.Errorf("sandbox: close: %w", err)
	}
	return nil
}

// notifyLocked wakes every long poll; the caller holds s.mu.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}
