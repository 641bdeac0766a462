package browser

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wxctl/wxctl/browser/browsertest"
)

// angularJS is the AngularJS the fixture pages load, Debian's libjs-angularjs.
const angularJS = "/usr/share/javascript/angular.js/angular.min.js"

// newFixtureServer serves testdata/ (a small AngularJS app, see app.js) and
// stand-ins for the app's API under /cgi-bin/mmwebwx-bin/.
func newFixtureServer(t *testing.T) *httptest.Server {
	t.Helper()
	if _, err := os.Stat(angularJS); err != nil {
		browsertest.Missing(t, err.Error())
	}
	mux := http.NewServeMux()
	mux.Handle("/", http.FileServer(http.Dir("testdata")))
	mux.HandleFunc("/js/angular.min.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, angularJS)
	})
	// hang never answers until the client goes away.
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	api := "/cgi-bin/mmwebwx-bin/"
	// webwxecho answers {BaseResponse, Got: the request body}.
	mux.HandleFunc(api+"webwxecho", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !json.Valid(body) {
			body, _ = json.Marshal(string(body))
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"BaseResponse":{"Ret":0,"ErrMsg":""},"Got":`+string(body)+`}`)
	})
	mux.HandleFunc(api+"webwxfail", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "server error", http.StatusInternalServerError)
	})
	mux.HandleFunc(api+"synccheck", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `window.synccheck={retcode:"0",selector:"2"}`)
	})
	// webwxdrop closes the connection without an answer.
	mux.HandleFunc(api+"webwxdrop", func(w http.ResponseWriter, r *http.Request) {
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
	})
	mux.HandleFunc(api+"webwxgetheadimg", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/gif")
		w.Write([]byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// newPage opens a tab on b that fails the test on any uncaught exception
// in the page, unless the test expects them.
func newPage(t *testing.T, b *Browser) *Page {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := b.NewPage(ctx)
	if err != nil {
		t.Fatalf("NewPage: %v", err)
	}
	t.Cleanup(func() {
		if ex := p.Exceptions(); len(ex) > 0 && !t.Failed() && !strings.HasSuffix(t.Name(), "Exceptions") {
			t.Errorf("uncaught exceptions in the page: %+v", ex)
		}
		if err := p.Close(); err != nil {
			t.Errorf("closing the page: %v", err)
		}
	})
	return p
}

// openApp opens url (an AngularJS page) in a new tab of b.
func openApp(t *testing.T, b *Browser, url string) *Page {
	t.Helper()
	p := newPage(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Open(ctx, url); err != nil {
		t.Fatalf("Open: %v", err)
	}
	return p
}

// testApp opens the fixture app in a new tab of the shared browser.
func testApp(t *testing.T) (*Page, *httptest.Server) {
	t.Helper()
	b := sharedBrowser(t)
	srv := newFixtureServer(t)
	return openApp(t, b, srv.URL+"/app.html"), srv
}

func decodeJSON(r io.Reader, v any) error {
	return json.NewDecoder(r).Decode(v)
}

func TestOpen(t *testing.T) {
	b := sharedBrowser(t)
	srv := newFixtureServer(t)
	for _, page := range []string{"app.html", "body.html"} {
		t.Run(page, func(t *testing.T) {
			t.Parallel()
			p := openApp(t, b, srv.URL+"/"+page)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			// Open again: the second document, not the first, must be ready.
			if err := p.Open(ctx, srv.URL+"/"+page+"?again"); err != nil {
				t.Fatal(err)
			}
			if res, err := p.Call(ctx, "testSvc", "echo", 1); err != nil || !res.Resolved {
				t.Fatalf("Call after Open: %+v, %v", res, err)
			}
		})
	}
}

// TestOpenDoesNotWaitForLoad opens a page whose load event never fires.
func TestOpenDoesNotWaitForLoad(t *testing.T) {
	b := sharedBrowser(t)
	srv := newFixtureServer(t)
	p := newPage(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Open(ctx, srv.URL+"/hanging.html"); err != nil {
		t.Fatal(err)
	}
	loaded, err := p.Eval(ctx, "document.readyState")
	if err != nil {
		t.Fatal(err)
	}
	if string(loaded) == `"complete"` {
		t.Fatal("the fixture did finish loading; the test proves nothing")
	}
}

func TestOpenNotApp(t *testing.T) {
	b := sharedBrowser(t)
	srv := newFixtureServer(t)
	for _, tc := range []struct {
		page    string
		title   string
		snippet string
		blocked bool
	}{
		{"plain.html", "Plain page", "Nothing to see This page has no AngularJS app.", false},
		{"blocked.html", "微信网页版", "不能登录网页版微信", true},
	} {
		t.Run(tc.page, func(t *testing.T) {
			t.Parallel()
			p := newPage(t, b)
			ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := p.Open(ctx, srv.URL+"/"+tc.page)
			var na *NotAppError
			if !errors.As(err, &na) {
				t.Fatalf("Open: %v, want a *NotAppError", err)
			}
			if !errors.Is(err, ErrAppNotReady) || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("%v is not ErrAppNotReady and context.DeadlineExceeded", err)
			}
			if na.Title != tc.title || !strings.Contains(na.Snippet, tc.snippet) || na.Blocked != tc.blocked {
				t.Errorf("got title %q, snippet %q, blocked %v; want %q, %q, %v",
					na.Title, na.Snippet, na.Blocked, tc.title, tc.snippet, tc.blocked)
			}
			if !strings.Contains(err.Error(), tc.title) {
				t.Errorf("the message %q does not show the title", err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("Open took %v past a 700ms deadline", d)
			}
		})
	}
}

// TestOpenTimeout opens a page whose server never answers.
func TestOpenTimeout(t *testing.T) {
	b := sharedBrowser(t)
	srv := newFixtureServer(t)
	p := newPage(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := p.Open(ctx, srv.URL+"/hang")
	if !errors.Is(err, ErrAppNotReady) && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Open of a page that never answers: %v", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("%v does not wrap context.DeadlineExceeded", err)
	}
	if !strings.Contains(err.Error(), "did not answer in time") {
		t.Errorf("the message %q does not say the server did not answer", err)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("Open took %v past a 500ms deadline", d)
	}
	// The tab still works.
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Open(ctx, srv.URL+"/app.html"); err != nil {
		t.Fatalf("Open after a timeout: %v", err)
	}
}

func TestOpenRefused(t *testing.T) {
	b := sharedBrowser(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String() + "/"
	l.Close() // nothing listens there now
	p := newPage(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = p.Open(ctx, url)
	var na *NotAppError
	if !errors.As(err, &na) || !strings.Contains(na.NavError, "ERR_CONNECTION_REFUSED") {
		t.Fatalf("Open of a closed port: %v, want a *NotAppError with ERR_CONNECTION_REFUSED", err)
	}
	if !strings.Contains(err.Error(), url) {
		t.Errorf("the message %q does not name the URL", err)
	}
	if err := p.Open(ctx, "not a url"); err == nil || !strings.Contains(err.Error(), "not a url") {
		t.Errorf("Open of an invalid URL: %v", err)
	}
}

// TestPageExceptions sees an exception thrown while the page loads.
func TestPageExceptions(t *testing.T) {
	b := sharedBrowser(t)
	srv := newFixtureServer(t)
	p := openApp(t, b, srv.URL+"/throws.html")
	ex := p.Exceptions()
	if len(ex) != 1 || !strings.Contains(ex[0].Message, "thrown while loading") || !strings.HasSuffix(ex[0].URL, "/throws.html") {
		t.Fatalf("Exceptions: %+v, want the one thrown while loading", ex)
	}
}

func TestPageClose(t *testing.T) {
	b := sharedBrowser(t)
	srv := newFixtureServer(t)
	p := openApp(t, b, srv.URL+"/app.html")
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := p.Call(ctx, "testSvc", "echo"); !errors.Is(err, ErrPageClosed) {
		t.Errorf("Call on a closed page: %v, want ErrPageClosed", err)
	}
	if err := p.Open(ctx, srv.URL); !errors.Is(err, ErrPageClosed) {
		t.Errorf("Open on a closed page: %v, want ErrPageClosed", err)
	}
	if _, err := p.WaitCall(ctx, nil); !errors.Is(err, ErrPageClosed) {
		t.Errorf("WaitCall on a closed page: %v, want ErrPageClosed", err)
	}
}
