package browser

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/wxctl/wxctl/browser/browsertest"
)

// One browser for the whole test binary, a new tab per test: starting a
// browser costs far more than a tab.
var shared struct {
	once sync.Once
	b    *Browser
	err  error
}

func TestMain(m *testing.M) {
	if os.Getenv(serveSandboxEnv) != "" {
		os.Exit(serveSandbox())
	}
	code := m.Run()
	if shared.b != nil {
		if err := shared.b.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "closing the shared browser:", err)
			code = 1
		}
	}
	if left := leftGoroutines(); code == 0 && left != "" {
		fmt.Fprintf(os.Stderr, "goroutines left after closing every page and browser:\n%s\n", left)
		code = 1
	}
	os.Exit(code)
}

// leftGoroutines returns the stacks of goroutines of chromedp or of this
// module that still run, after a moment for those that are ending (they
// stop asynchronously); "" when there are none. The testing package's own
// goroutines (the fuzzer's signal handler) are not ours to judge.
func leftGoroutines() string {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	var left []string
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); <-tick.C {
		buf := make([]byte, 1<<20)
		left = left[:0]
		for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
			if strings.Contains(g, "TestMain") {
				continue
			}
			if strings.Contains(g, "github.com/chromedp/") || strings.Contains(g, "github.com/wxctl/") {
				left = append(left, g)
			}
		}
		if len(left) == 0 {
			return ""
		}
	}
	return strings.Join(left, "\n\n")
}

// needBrowser skips the test when no Chromium is installed, except in CI
// (CI set), where a missing browser is a failure.
func needBrowser(t *testing.T) {
	t.Helper()
	if _, err := findBrowser("", false); err != nil {
		browsertest.Missing(t, err.Error())
	}
}

// sharedBrowser returns the test binary's browser, started on first use.
func sharedBrowser(t *testing.T) *Browser {
	t.Helper()
	needBrowser(t)
	shared.once.Do(func() {
		shared.b, shared.err = Start(context.Background(), WithTempProfile())
	})
	if shared.err != nil {
		t.Fatalf("starting the shared browser: %v", shared.err)
	}
	return shared.b
}

// startBrowser starts a browser of the test's own, closed at the end.
func startBrowser(t *testing.T, opts ...Option) *Browser {
	t.Helper()
	needBrowser(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := Start(ctx, opts...)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b
}

func TestStartCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Start(ctx, WithTempProfile()); !errors.Is(err, context.Canceled) {
		t.Fatalf("Start with a canceled context: %v, want context.Canceled", err)
	}
}

func TestFindBrowserMissing(t *testing.T) {
	_, err := Start(context.Background(), WithExecPath("/nonexistent/chromium"), WithTempProfile())
	if !errors.Is(err, ErrNoBrowser) {
		t.Fatalf("Start with a missing binary: %v, want ErrNoBrowser", err)
	}
	if !strings.Contains(err.Error(), "/nonexistent/chromium") {
		t.Errorf("the error %q does not name the path", err)
	}
}

func TestFindBrowserPrefersHeadlessShell(t *testing.T) {
	const shell = "/usr/lib/chromium/chromium-headless-shell"
	if _, err := os.Stat(shell); err != nil {
		t.Skip("no chromium-headless-shell here")
	}
	if got, _ := findBrowser("", false); got != shell {
		t.Errorf("headless: found %s, want %s", got, shell)
	}
	if got, err := findBrowser("", true); err == nil && got == shell {
		t.Errorf("visible: found %s, which cannot show a window", got)
	}
}

func TestVisibleWithoutDisplay(t *testing.T) {
	if _, err := findBrowser("", true); err != nil {
		t.Skip(err)
	}
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	_, err := Start(context.Background(), WithVisible(true), WithTempProfile())
	if !errors.Is(err, ErrNoDisplay) {
		t.Fatalf("Start visible without a display: %v, want ErrNoDisplay", err)
	}
	if !strings.Contains(err.Error(), "xvfb-run") {
		t.Errorf("the error %q does not suggest xvfb-run", err)
	}
}

// startVisibleBrowser starts a browser of the test's own with a window,
// where there is a display (xvfb-run go test …) and a browser that can
// show one.
func startVisibleBrowser(t *testing.T) *Browser {
	t.Helper()
	if !hasDisplay() {
		t.Skip("no display; run under xvfb-run to test a visible window")
	}
	if _, err := findBrowser("", true); err != nil {
		t.Skip(err)
	}
	return startBrowser(t, WithVisible(true), WithTempProfile())
}

// TestVisibleWindow runs where there is a display (xvfb-run go test …).
func TestVisibleWindow(t *testing.T) {
	b := startVisibleBrowser(t)
	if strings.HasSuffix(b.execPath, "headless-shell") {
		t.Errorf("a visible window from %s", b.execPath)
	}
	srv := newFixtureServer(t)
	p := openApp(t, b, srv.URL+"/app.html")
	if res, err := p.Call(callCtx(t), "testSvc", "later", "shown"); err != nil || string(res.Value) != `{"echo":"shown"}` {
		t.Errorf("Call in a visible window: %s, %v", res.Value, err)
	}
}

// pageTargets lists the tabs of b's browser.
func pageTargets(t *testing.T, b *Browser) []target.ID {
	t.Helper()
	res, err := chromedp.CallBrowser(b.ctx, target.GetTargets, target.GetTargetsParams{})
	if err != nil {
		t.Fatalf("Target.getTargets: %v", err)
	}
	var ids []target.ID
	for _, info := range res.TargetInfos {
		if info.Type == "page" {
			ids = append(ids, info.TargetID)
		}
	}
	return ids
}

// A headless browser's first page is the tab the browser starts with, not
// a second one; closing it leaves a browser that opens others.
func TestFirstPageIsTheFirstTab(t *testing.T) {
	b := startBrowser(t, WithTempProfile())
	before := pageTargets(t, b)
	p, err := b.NewPage(callCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	after := pageTargets(t, b)
	if len(before) != 1 || len(after) != 1 || before[0] != after[0] || p.target.TargetID != before[0] {
		t.Errorf("tabs before NewPage %v, after %v, the page's %s: want the one first tab", before, after, p.target.TargetID)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	p2, err := b.NewPage(callCtx(t))
	if err != nil {
		t.Fatalf("NewPage after the first page closed: %v", err)
	}
	if p2.target.TargetID == p.target.TargetID {
		t.Errorf("the closed tab %s was reused", p.target.TargetID)
	}
}

// A visible browser shows one window: the first page is its first tab
// (not a second window beside a blank one). It quits with its last window,
// so closing that page leaves the tab open, blank, and the browser opens
// others.
func TestVisibleBrowserOutlivesItsPages(t *testing.T) {
	b := startVisibleBrowser(t)
	before := pageTargets(t, b)
	p, err := b.NewPage(callCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	after := pageTargets(t, b)
	if len(before) != 1 || len(after) != 1 || p.target.TargetID != before[0] {
		t.Errorf("tabs before NewPage %v, after %v, the page's %s: want the one first tab", before, after, p.target.TargetID)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if left := pageTargets(t, b); len(left) != 1 || left[0] != before[0] {
		t.Errorf("tabs after the page closed: %v, want the first tab %s kept", left, before[0])
	}
	p2, err := b.NewPage(callCtx(t))
	if err != nil {
		t.Fatalf("NewPage after the only page closed: %v", err)
	}
	if p2.target.TargetID == before[0] {
		t.Errorf("the closed page's tab %s was reused", before[0])
	}
}

func TestParseFlags(t *testing.T) {
	for _, tc := range []struct {
		flag      string
		ok        bool
		websocket bool
	}{
		{"--host-resolver-rules=MAP a 127.0.0.1:1, MAP b 127.0.0.1:2", true, false},
		{"--lang=zh-CN", true, false},
		{"--mute-audio", true, false},
		{"--remote-debugging-port=0", true, true},
		{"", true, false},
		{"lang=en", false, false},
		{"--", false, false},
		{"--=x", false, false},
		{"--user-data-dir=/tmp/x", false, false},
		{"--remote-debugging-pipe", false, false},
	} {
		opts, ws, err := parseFlags([]string{tc.flag})
		if (err == nil) != tc.ok {
			t.Errorf("parseFlags(%q): error %v, want ok=%v", tc.flag, err, tc.ok)
			continue
		}
		if ws != tc.websocket {
			t.Errorf("parseFlags(%q): websocket %v, want %v", tc.flag, ws, tc.websocket)
		}
		if tc.ok && tc.flag != "" && len(opts) != 1 {
			t.Errorf("parseFlags(%q): %d options, want 1", tc.flag, len(opts))
		}
	}
}

// TestFlagsReachChrome checks that a value with commas and spaces reaches
// Chromium as one switch (and works), and that Close leaves no process and
// no temporary profile behind.
func TestFlagsReachChrome(t *testing.T) {
	srv := newFixtureServer(t)
	port := srv.URL[strings.LastIndexByte(srv.URL, ':')+1:]
	rules := fmt.Sprintf("--host-resolver-rules=MAP wx.test 127.0.0.1:%s, MAP wx2.test 127.0.0.1:%s", port, port)
	needBrowser(t)
	b, err := Start(context.Background(), WithTempProfile(), WithFlags(rules))
	if err != nil {
		t.Fatal(err)
	}
	dir := b.profile

	cmd, err := chromedp.CallBrowser(b.ctx, cdpbrowser.GetBrowserCommandLine, cdp.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(cmd.Arguments, rules) {
		t.Errorf("the command line %q lacks %q", cmd.Arguments, rules)
	}
	for _, f := range defaultFlags {
		if !slices.Contains(cmd.Arguments, "--"+f) {
			t.Errorf("the command line lacks --%s", f)
		}
	}

	p, err := b.NewPage(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Open(ctx, "http://wx2.test:"+port+"/app.html"); err != nil {
		t.Fatalf("opening a host mapped by the second rule: %v", err)
	}

	if n := len(profileProcesses(dir)); n == 0 {
		t.Fatal("no process found with the profile; the process check below would prove nothing")
	}
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if pids := profileProcesses(dir); len(pids) > 0 {
		t.Errorf("processes left after Close: %v", pids)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the temporary profile %s is still there (%v)", dir, err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
	if _, err := b.NewPage(context.Background()); !errors.Is(err, ErrBrowserGone) {
		t.Errorf("NewPage after Close: %v, want ErrBrowserGone", err)
	}
}

// TestBrowserDies kills the browser under a page.
func TestBrowserDies(t *testing.T) {
	b := startBrowser(t, WithTempProfile())
	srv := newFixtureServer(t)
	p := openApp(t, b, srv.URL+"/app.html")
	proc := chromedp.FromContext(b.ctx).Browser.Process()
	if err := proc.Kill(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := p.Eval(ctx, "1"); !errors.Is(err, ErrBrowserGone) {
		t.Errorf("Eval after the browser died: %v, want ErrBrowserGone", err)
	}
	if _, err := b.NewPage(ctx); !errors.Is(err, ErrBrowserGone) {
		t.Errorf("NewPage after the browser died: %v, want ErrBrowserGone", err)
	}
	if _, err := p.WaitCall(ctx, nil); !errors.Is(err, ErrBrowserGone) {
		t.Errorf("WaitCall after the browser died: %v, want ErrBrowserGone", err)
	}
	dir := b.profile
	if err := b.Close(); err != nil {
		t.Errorf("Close after the browser died: %v", err)
	}
	if pids := profileProcesses(dir); len(pids) > 0 {
		t.Errorf("processes left: %v", pids)
	}
}

// TestAttachRemote attaches to a browser started apart, the way a user's
// own Chrome runs with --remote-debugging-port, and checks that Close
// closes our tab only.
func TestAttachRemote(t *testing.T) {
	needBrowser(t)
	exe, _ := findBrowser("", false)
	dir := t.TempDir()
	cmd := exec.Command(exe, "--headless", "--remote-debugging-port=0", "--user-data-dir="+dir,
		"--no-first-run", "--disable-gpu", "--disable-background-networking", "about:blank")
	if os.Getuid() == 0 {
		cmd.Args = append(cmd.Args, "--no-sandbox")
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		reapProfileProcesses(dir, 0)
	})
	port := devToolsPort(t, dir)
	endpoint := "http://127.0.0.1:" + port

	srv := newFixtureServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	b, err := Start(ctx, WithRemote(endpoint))
	if err != nil {
		t.Fatal(err)
	}
	p, err := b.NewPage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Open(ctx, srv.URL+"/app.html"); err != nil {
		t.Fatal(err)
	}
	if res, err := p.Call(ctx, "testSvc", "echo", "attached"); err != nil || string(res.Value) != `["attached"]` {
		t.Fatalf("Call over the attached browser: %s, %v", res.Value, err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	// The browser still runs, without our tab.
	pages := listTargets(t, endpoint)
	for _, url := range pages {
		if strings.HasPrefix(url, srv.URL) {
			t.Errorf("our tab %s is still open", url)
		}
	}
	if cmd.ProcessState != nil || !pidAlive(cmd.Process.Pid) {
		t.Error("Close ended the browser it had attached to")
	}

	if _, err := Start(ctx, WithRemote("127.0.0.1:1")); !errors.Is(err, ErrNoBrowser) {
		t.Errorf("attaching to a closed port: %v, want ErrNoBrowser", err)
	}
}

// devToolsPort reads the port a browser started with --remote-debugging-port=0
// writes to DevToolsActivePort.
func devToolsPort(t *testing.T, dir string) string {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(15 * time.Second)
	for {
		if f, err := os.Open(filepath.Join(dir, "DevToolsActivePort")); err == nil {
			sc := bufio.NewScanner(f)
			line := ""
			if sc.Scan() {
				line = sc.Text()
			}
			f.Close()
			if _, err := strconv.Atoi(line); err == nil {
				return line
			}
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatal("the browser did not write DevToolsActivePort")
		}
	}
}

// listTargets returns the URLs of the page targets of a browser.
func listTargets(t *testing.T, endpoint string) []string {
	t.Helper()
	resp, err := http.Get(endpoint + "/json/list")
	if err != nil {
		t.Fatalf("the attached browser does not answer: %v", err)
	}
	defer resp.Body.Close()
	var list []struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	}
	if err := decodeJSON(resp.Body, &list); err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, x := range list {
		if x.Type == "page" {
			urls = append(urls, x.URL)
		}
	}
	return urls
}
