package cmd

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxctl/wxctl/browser/browsertest"
	"github.com/wxctl/wxctl/sandbox"
)

// remoteURL is the DevTools endpoint of the browser that the tests of this
// package share through --remote; "" when no Chromium was found.
var remoteURL string

// chromePath is the Chromium the tests use; "" when none was found.
var chromePath string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	chromePath = browsertest.Find()
	if chromePath != "" {
		var stop func()
		var err error
		remoteURL, stop, err = browsertest.Shared(chromePath)
		if err != nil {
			fmt.Fprintln(os.Stderr, "starting the shared browser:", err)
			return 1
		}
		defer stop()
	}
	code := m.Run()
	if line := faultFigure(); line != "" {
		// After the results, in a plain run as in -v.
		fmt.Println(line)
	}
	return code
}

// needBrowser skips a test that needs Chromium when there is none, except
// in CI, where a missing browser is a failure.
func needBrowser(t *testing.T) {
	t.Helper()
	if remoteURL != "" {
		return
	}
	browsertest.Missing(t, "no Chromium on this machine")
}

// runCLI runs wxctl in process and returns its exit code, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code := Main(ctx, append([]string{"wxctl"}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// sandboxHosts counts the sandboxes started, for their addresses.
var sandboxHosts atomic.Int32

// startSandbox serves a sandbox for one test and closes it after.
func startSandbox(t *testing.T, opts ...sandbox.Option) (*sandbox.Server, string) {
	t.Helper()
	srv, err := sandbox.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	// Each sandbox gets a loopback address of its own: cookies are kept by
	// host, not port, and the tests share one browser, so a sandbox on
	// 127.0.0.1 would see the cookies another test's sandbox set (a
	// session, or the association log-in a log-out leaves).
	ts := httptest.NewUnstartedServer(srv)
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", 2+sandboxHosts.Add(1)%250))
	if err != nil {
		t.Fatal(err)
	}
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(func() {
		ts.Close()
		srv.Close()
	})
	return srv, ts.URL + "/"
}

// onSandbox are the flags that point wxctl at a test's sandbox through the
// shared browser.
func onSandbox(url string) []string {
	return []string{"--url", url, "--remote", remoteURL, "--timeout", "30s"}
}
