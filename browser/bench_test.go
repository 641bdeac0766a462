package browser

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wxctl/wxctl/sandbox"
)

// The benchmarks measure wxctl's own overhead against floors taken in the
// same run, on the same machine, so that the ratios hold where the absolute
// numbers do not: timed tests are flaky, ratios against a baseline are not.

// benchEnv is a browser with the sandbox open in one tab, contacts loaded.
type benchEnv struct {
	br      *Browser
	page    *Page
	srv     *sandbox.Server
	url     string
	profile string
	members []map[string]string
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	// The sandbox's hold of a create answer (the app's own read first) is
	// the sandbox's, not wxctl's: the benchmarks measure wxctl.
	srv, err := sandbox.New(sandbox.WithPromptCreate())
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	b.Cleanup(func() { ts.Close(); srv.Close() })
	e := openBenchEnv(b, ts.URL+"/")
	e.srv = srv
	return e
}

// openBenchEnv is newBenchEnv with the sandbox at url, which may run in
// another process.
func openBenchEnv(b *testing.B, url string) *benchEnv {
	b.Helper()
	if _, err := findBrowser("", false); err != nil {
		b.Skip(err)
	}
	dir := b.TempDir()
	ctx := context.Background()
	br, err := Start(ctx, WithProfile(dir))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { br.Close() })
	p, err := br.NewPage(ctx)
	if err != nil {
		b.Fatal(err)
	}
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := p.Open(octx, url); err != nil {
		b.Fatal(err)
	}
	if _, err := LoadContacts(octx, p); err != nil {
		b.Fatal(err)
	}
	return &benchEnv{
		br: br, page: p, url: url, profile: dir,
		members: []map[string]string{{"UserName": sandbox.Rain1ove}, {"UserName": sandbox.HuiTao}},
	}
}

// create is one injected chatroomFactory.create round trip.
func (e *benchEnv) create(ctx context.Context) error {
	res, err := e.page.Call(ctx, "chatroomFactory", "create", e.members)
	if err != nil {
		return err
	}
	if !res.Resolved {
		return fmt.Errorf("create rejected: %s", res.Value)
	}
	return nil
}

// fetchCreate is the same request made by the page with a plain fetch():
// the floor of anything that runs in the page.
const fetchCreate = `(function () {
  var account = angular.element(document).injector().get('accountFactory');
  var body = angular.extend({MemberCount: 2, MemberList: [{UserName: '` + sandbox.Rain1ove + `'}, {UserName: '` + sandbox.HuiTao + `'}], Topic: ''}, account.getBaseRequest());
  return fetch('/cgi-bin/mmwebwx-bin/webwxcreatechatroom?r=' + Date.now() + '&pass_ticket=' + encodeURIComponent(account.getPassticket()),
    {method: 'POST', body: JSON.stringify(body), headers: {'Content-Type': 'application/json;charset=UTF-8'}})
    .then(function (r) { return r.json(); })
    .then(function (a) { return a.BaseResponse.Ret; });
})()`

func (e *benchEnv) fetch(ctx context.Context) error {
	v, err := e.page.Eval(ctx, fetchCreate)
	if err != nil {
		return err
	}
	if string(v) != "0" {
		return fmt.Errorf("fetch answered Ret %s", v)
	}
	return nil
}

// direct is the same request from Go's net/http, with no browser at all.
func (e *benchEnv) direct(client *http.Client) error {
	s := e.srv.Session()
	body, _ := json.Marshal(map[string]any{
		"MemberCount": 2, "MemberList": e.members, "Topic": "",
		"BaseRequest": map[string]any{"Uin": s.Uin, "Sid": s.Sid, "Skey": s.Skey, "DeviceID": "e123456789012345"},
	})
	u := e.url + "cgi-bin/mmwebwx-bin/webwxcreatechatroom?r=" + strconv.FormatInt(time.Now().UnixMilli(), 10) + "&pass_ticket=" + s.PassTicket
	resp, err := client.Post(u, "application/json;charset=UTF-8", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var a struct{ BaseResponse struct{ Ret int } }
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		return err
	}
	if a.BaseResponse.Ret != 0 {
		return fmt.Errorf("net/http answered Ret %d", a.BaseResponse.Ret)
	}
	return nil
}

// BenchmarkWarmCall times one injected create in an open page against the
// same request made by the page with fetch() and by Go's net/http, each
// iteration doing all three so that they meet the same machine state.
func BenchmarkWarmCall(b *testing.B) {
	e := newBenchEnv(b)
	ctx := context.Background()
	client := &http.Client{}
	steps := []struct {
		name string
		run  func() error
		took time.Duration
	}{
		{"injected", func() error { return e.create(ctx) }, 0},
		{"fetch", func() error { return e.fetch(ctx) }, 0},
		{"nethttp", func() error { return e.direct(client) }, 0},
	}
	for i := range steps { // warm every path once
		if err := steps[i].run(); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		for i := range steps {
			start := time.Now()
			if err := steps[i].run(); err != nil {
				b.Fatal(err)
			}
			steps[i].took += time.Since(start)
		}
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	for _, s := range steps {
		b.ReportMetric(ms(s.took), s.name+"-ms")
	}
	b.ReportMetric(float64(steps[0].took)/float64(steps[1].took), "injected/fetch")
	b.ReportMetric(float64(steps[0].took)/float64(steps[2].took), "injected/nethttp")
}

// BenchmarkThroughput creates groups with 1, 4 and 8 calls in flight in one
// page and reports groups per second for each, and each against one in
// flight.
func BenchmarkThroughput(b *testing.B) {
	e := newBenchEnv(b)
	ctx := context.Background()
	if err := e.create(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	rates := map[int]float64{}
	for _, inFlight := range []int{1, 4, 8} {
		n := max(b.N, inFlight) * 4
		var left atomic.Int64
		left.Store(int64(n))
		var wg sync.WaitGroup
		var failed atomic.Value
		start := time.Now()
		for range inFlight {
			wg.Go(func() {
				for left.Add(-1) >= 0 {
					if err := e.create(ctx); err != nil {
						failed.Store(err)
						return
					}
				}
			})
		}
		wg.Wait()
		if err, _ := failed.Load().(error); err != nil {
			b.Fatal(err)
		}
		rates[inFlight] = float64(n) / time.Since(start).Seconds()
		b.ReportMetric(rates[inFlight], fmt.Sprintf("groups/s@%d", inFlight))
	}
	b.ReportMetric(rates[4]/rates[1], "x@4/x@1")
	b.ReportMetric(rates[8]/rates[1], "x@8/x@1")
}

// BenchmarkMemory reports the Go process's RSS and the browser's PSS (all
// its processes) idle and after 1,000 creates, twice, each in a fresh
// browser and sandbox: once made by the page's own code in a loop (the
// baseline: the app's XHRs, the answers DevTools keeps for them, the groups
// the app keeps), once through wxctl's injected calls, one DevTools round
// trip each. The sandbox runs in a process of its own, so the Go numbers
// are wxctl's alone. Run it with -benchtime 1x: one op is both runs.
func BenchmarkMemory(b *testing.B) {
	type sample struct{ goIdle, goAfter, pssIdle, pssAfter int }
	measure := func(creates func(*benchEnv) error) sample {
		e := openBenchEnv(b, startSandboxProcess(b))
		defer e.br.Close()
		ctx := context.Background()
		for range 20 { // let the page reach its working set first
			if err := e.create(ctx); err != nil {
				b.Fatal(err)
			}
		}
		settle := func() (goKB, pss int) {
			// The page's heap is collected lazily; a long-running page
			// gets a collection anyway, so ask for one where the browser
			// allows it.
			if _, err := e.page.Eval(ctx, `typeof gc === 'function' ? gc() : 0`); err != nil {
				b.Fatal(err)
			}
			// Collected memory goes back to the system in the
			// background; return it now, so that RSS shows what is held.
			debug.FreeOSMemory()
			return rssKB("self"), e.browserPSS()
		}
		var s sample
		s.goIdle, s.pssIdle = settle()
		b.StartTimer()
		if err := creates(e); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s.goAfter, s.pssAfter = settle()
		return s
	}
	b.StopTimer()
	var app, injected sample
	for range b.N {
		app = measure(func(e *benchEnv) error {
			_, err := e.page.Eval(context.Background(), appCreates1000)
			return err
		})
		injected = measure(func(e *benchEnv) error {
			for range 1000 {
				if err := e.create(context.Background()); err != nil {
					return err
				}
			}
			return nil
		})
	}
	mb := func(kb int) float64 { return float64(kb) / 1024 }
	pct := func(from, to int) float64 { return 100 * float64(to-from) / float64(from) }
	// The recorder sees the app's own calls too, so the Go side grows in
	// both runs; the injected run is wxctl's whole cost.
	b.ReportMetric(mb(injected.goIdle), "go-rss-idle-MB")
	b.ReportMetric(mb(injected.goAfter), "go-rss-after-MB")
	b.ReportMetric(pct(injected.goIdle, injected.goAfter), "go-growth-%")
	b.ReportMetric(mb(injected.pssIdle), "browser-pss-idle-MB")
	b.ReportMetric(pct(app.pssIdle, app.pssAfter), "browser-growth-app-%")
	b.ReportMetric(pct(injected.pssIdle, injected.pssAfter), "browser-growth-injected-%")
	b.ReportMetric(float64(injected.pssAfter-injected.pssIdle)/float64(max(1, app.pssAfter-app.pssIdle)), "injected/app-growth")
}

// serveSandboxEnv makes the test binary serve the sandbox instead of
// running tests (see TestMain), for benchmarks that must not count the
// sandbox's memory as theirs.
const serveSandboxEnv = "WXCTL_TEST_SERVE_SANDBOX"

// serveSandbox serves a logged-in sandbox on a free port, prints its URL
// and serves until its standard input closes.
func serveSandbox() int {
	srv, err := sandbox.New(sandbox.WithRequestLog(100), sandbox.WithPromptCreate())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(url)
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = srv.Close()
	return 0
}

// startSandboxProcess runs the sandbox in a child process for the rest of
// the benchmark and returns its URL.
func startSandboxProcess(b *testing.B) string {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), serveSandboxEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("the sandbox process printed no URL: %v", err)
	}
	return strings.TrimSpace(line)
}

// appCreates1000 makes the page's own code call chatroomFactory.create
// 1,000 times, one after the other.
const appCreates1000 = `(function () {
  var rooms = angular.element(document).injector().get('chatroomFactory');
  var members = [{UserName: '` + sandbox.Rain1ove + `'}, {UserName: '` + sandbox.HuiTao + `'}];
  var n = 0;
  function next() {
    if (n++ === 1000) { return n; }
    return rooms.create(members).then(next);
  }
  return next();
})()`

// browserPSS sums the proportional set size of the browser's process and
// all its descendants (zygotes, renderers, GPU and utility processes).
func (e *benchEnv) browserPSS() int {
	root := chromedp.FromContext(e.br.ctx).Browser.Process()
	if root == nil {
		return 0
	}
	total := 0
	for _, pid := range descendants(root.Pid) {
		total += pssKB(pid)
	}
	return total
}

// descendants returns pid and every process below it, from /proc.
func descendants(pid int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// The command name in parentheses may hold spaces: the parent pid
		// is the second field after its closing parenthesis.
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) > 1 {
			parent, _ := strconv.Atoi(f[1])
			children[parent] = append(children[parent], child)
		}
	}
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

// pssKB reads a process's Pss from /proc/PID/smaps_rollup, in kB.
func pssKB(pid int) int {
	return procField(fmt.Sprintf("/proc/%d/smaps_rollup", pid), "Pss:")
}

// rssKB reads VmRSS from /proc/PID/status, in kB ("self" for this process).
func rssKB(pid string) int {
	return procField("/proc/"+pid+"/status", "VmRSS:")
}

func procField(path, field string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				n, _ := strconv.Atoi(f[0])
				return n
			}
		}
	}
	return 0
}

// TestThousandCreatesLeakNothing is the long-run check behind the memory
// benchmark: 1,000 sequential creates in one page leave no goroutines, no
// extra tabs and a Go heap that stays flat.
func TestThousandCreatesLeakNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("long: 1,000 calls")
	}
	needBrowser(t)
	// The sandbox runs in this process: keep its request log short, so the
	// heap measures wxctl.
	srv, url := newSandbox(t, sandbox.WithRequestLog(100), sandbox.WithPromptCreate())
	b := sharedBrowser(t)
	p := openApp(t, b, url)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := LoadContacts(ctx, p); err != nil {
		t.Fatal(err)
	}
	members := []map[string]string{{"UserName": sandbox.Rain1ove}, {"UserName": sandbox.HuiTao}}
	create := func() {
		res, err := p.Call(ctx, "chatroomFactory", "create", members)
		if err != nil || !res.Resolved {
			t.Fatalf("create: %v %s", err, res.Value)
		}
	}
	for range 50 {
		create()
	}
	goroutines, heap := runtime.NumGoroutine(), heapInUse()
	for range 950 {
		create()
	}
	if n := len(srv.Rooms()); n < 1000 {
		t.Errorf("the sandbox has %d rooms after 1,000 creates", n)
	}
	// Goroutines settle asynchronously (the recorder finishes reading the
	// last bodies): allow a moment, then compare.
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > goroutines+2 && time.Now().Before(deadline) {
		runtime.Gosched()
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > goroutines+2 {
		t.Errorf("goroutines grew from %d to %d", goroutines, n)
	}
	if targets := pageTargets(t, b); len(targets) != 1 {
		t.Errorf("%d page targets open, want the one tab", len(targets))
	}
	// The recorder keeps the newest calls with their bodies by design (the
	// capture): that is the growth allowed, with room for the allocator's
	// overhead; anything beyond is a leak.
	held := 0
	for _, c := range p.Calls() {
		held += len(c.URL) + len(c.RequestBody) + len(c.ResponseBody) + 256
	}
	if grew := heapInUse() - heap; grew > int64(2*held+4<<20) {
		t.Errorf("Go heap grew by %d kB over 950 calls; the recorder holds %d kB", grew>>10, held>>10)
	}
}

func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}

// BenchmarkColdStartPhases is the cold start of wxctl room create, in
// process and step by step, against the same floor as the command's own
// benchmark (the same Chromium loading the same page with --dump-dom, to
// its output), so that the README can say where the time goes. The
// sandbox runs in its own process. "app-batch-wait" is the time the app's
// own read-back sits in its batch queue: from the create answer to the
// webwxbatchgetcontact request, as Chrome's clock saw both.
func BenchmarkColdStartPhases(b *testing.B) {
	chrome, err := findBrowser("", false)
	if err != nil {
		b.Skip(err)
	}
	url := startSandboxProcess(b)
	phases := []string{"launch", "tab", "page-load", "session", "contacts", "create", "read-back", "close"}
	took := make(map[string]time.Duration)
	var floor, appWait time.Duration
	b.ResetTimer()
	for range b.N {
		floor += dumpDOM(b, chrome, url)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		last := time.Now()
		step := func(name string, err error) {
			if err != nil {
				b.Fatalf("%s: %v", name, err)
			}
			now := time.Now()
			took[name] += now.Sub(last)
			last = now
		}
		br, err := Start(ctx, WithExecPath(chrome), WithTempProfile())
		step("launch", err)
		p, err := br.NewPage(ctx)
		step("tab", err)
		step("page-load", p.Open(ctx, url))
		_, err = CheckSession(ctx, p)
		if err == nil {
			err = p.MaskSessionSecrets(ctx)
		}
		step("session", err)
		book, err := LoadContacts(ctx, p)
		var members []Contact
		if err == nil {
			members, err = book.ResolveFriends([]string{"Rain1ove", "迴焘願點"})
		}
		step("contacts", err)
		mark := p.LastSeq()
		res, err := CreateRoom(ctx, p, members, "")
		step("create", err) // with the read-back, split below
		var created, read NetCall
		for _, c := range p.Calls() {
			switch {
			case c.Seq <= mark:
			case c.Endpoint == EndpointCreateRoom:
				created = c
			case c.Endpoint == EndpointBatchGet && read.Seq == 0 && listsUser(c.RequestBody, res.ChatRoomName):
				read = c
			}
		}
		if created.Seq == 0 || read.Seq == 0 {
			b.Fatal("the create or the read-back is not among the recorded calls")
		}
		answered := created.Started.Add(created.Duration)
		split := min(read.Started.Add(read.Duration).Sub(answered), took["create"])
		took["create"] -= split
		took["read-back"] += split
		appWait += read.Started.Sub(answered)
		step("close", br.Close())
		cancel()
	}
	b.StopTimer()
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	var answer time.Duration
	for _, name := range phases {
		b.ReportMetric(ms(took[name]), name+"-ms")
		if name != "close" {
			answer += took[name]
		}
	}
	b.ReportMetric(ms(appWait), "app-batch-wait-ms")
	b.ReportMetric(ms(floor), "floor-answer-ms")
	b.ReportMetric(float64(answer)/float64(floor), "answer/floor")
	b.ReportMetric(float64(answer-appWait)/float64(floor), "without-app-wait/floor")
}

// dumpDOM times the floor: Chromium loading url and printing its DOM, to
// the first byte printed.
func dumpDOM(b *testing.B, chrome, url string) time.Duration {
	b.Helper()
	dir := b.TempDir()
	defer os.RemoveAll(dir)
	cmd := exec.Command(chrome, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+dir, "--dump-dom", url)
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer cmd.Wait()
	if _, err := out.Read(make([]byte, 1)); err != nil {
		b.Fatalf("--dump-dom printed nothing: %v", err)
	}
	took := time.Since(start)
	_, _ = io.Copy(io.Discard, out)
	return took
}
