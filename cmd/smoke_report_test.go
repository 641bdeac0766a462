package cmd

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/remote"

	"github.com/wxctl/wxctl/cmd/internal/smoke"
	"github.com/wxctl/wxctl/sandbox"
)

// reportPlan fails one check on purpose (a renamed service), skips the
// one that needs it, and has a read that fails once: the server refuses
// the first search (a fault with once), and remoteSearch's promise never
// settles on a refusal, so the first attempt times out and the retry,
// which the check asks for itself, passes.
const reportPlan = `
name: report <test> & "friends"
timeout: 10s
checks:
  - name: page is web WeChat
    type: ready
    timeout: 20s
  - name: logged in
    type: logged-in
  - name: search the server
    type: call
    service: contactFactory
    method: remoteSearch
    args: [boss]
    timeout: 3s
    retries: 1
    expect:
      - $ type array
  - name: search request
    type: network
    endpoint: webwxsearchcontact
    after: search the server
    response:
      BaseResponse.Ret: integer
  - name: renamed service
    type: service
    service: chatRoomFactory
  - name: after the rename
    type: eval
    expr: 1
    needs: [renamed service]
`

// TestSmokeReportFiles: a failing run with --html, --har and --junit gives
// a report that renders in Chromium with every check, its status and the
// failed check's screenshot; a HAR that reads back; and JUnit that marks
// the retried pass as flaky.
func TestSmokeReportFiles(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	srv.SetFault(sandbox.Fault{Endpoint: "webwxsearchcontact", Ret: 1, Once: true})
	dir := t.TempDir()
	html, har, junit := filepath.Join(dir, "r.html"), filepath.Join(dir, "r.har"), filepath.Join(dir, "r.xml")
	args := append([]string{"smoke"}, onSandbox(url)...)
	args = append(args, "--html", html, "--har", har, "--junit", junit, writePlan(t, reportPlan))
	code, stdout, stderr := runCLI(t, args...)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (a check failed)\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"~ search the server", "flaky: passed on attempt 2 of 2", "attempt 1 failed", "1 flaky, 1 failed, 1 skipped"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("text report lacks %q:\n%s", want, stdout)
		}
	}

	// JUnit: the flaky check passed, with one flakyFailure.
	b, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var j struct {
		Failures int `xml:"failures,attr"`
		Cases    []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
			} `xml:"failure"`
			Flaky []struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"flakyFailure"`
		} `xml:"testsuite>testcase"`
	}
	if err := xml.Unmarshal(b, &j); err != nil {
		t.Fatalf("JUnit: %v\n%s", err, b)
	}
	flaky := 0
	for _, c := range j.Cases {
		if len(c.Flaky) > 0 {
			flaky++
			if c.Name != "search the server" || len(c.Flaky) != 1 || !strings.Contains(c.Flaky[0].Message, "deadline") ||
				!strings.Contains(c.Flaky[0].Text, "attempt 1 of 2") {
				t.Errorf("flaky case %+v", c)
			}
		}
	}
	if flaky != 1 || j.Failures != 1 {
		t.Errorf("%d flaky cases and %d failures, want 1 and 1:\n%s", flaky, j.Failures, b)
	}

	// HAR: reads back with the page and the search's two calls.
	h := readHAR(t, har)
	searches := 0
	for _, e := range h.Log.Entries {
		if strings.Contains(e.Request.URL, "/webwxsearchcontact") {
			searches++
		}
	}
	if h.Log.Version != "1.2" || searches != 2 {
		t.Errorf("HAR version %q with %d searches, want 1.2 and 2 (the refused one and the retry)", h.Log.Version, searches)
	}
	hb, _ := os.ReadFile(har)
	checkNoSecrets(t, srv, hb)

	// HTML: self-contained, no secrets, and it renders.
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	checkNoSecrets(t, srv, page)
	for _, bad := range []string{"<script src", "<link", "@import", "ZgotmplZ"} {
		if strings.Contains(string(page), bad) {
			t.Errorf("the report holds %q: it must not fetch anything", bad)
		}
	}
	shot, checks := renderReport(t, html)
	if keep := os.Getenv("WXCTL_KEEP_REPORT"); keep != "" { // to look at it: a folder
		_ = os.WriteFile(filepath.Join(keep, "report.png"), shot, 0o644)
		_ = os.WriteFile(filepath.Join(keep, "report.html"), page, 0o644)
	}
	if len(shot) < 1000 || string(shot[1:4]) != "PNG" {
		t.Errorf("the screenshot of the report is %d bytes", len(shot))
	}
	want := map[string]string{
		"page is web WeChat": "passed", "logged in": "passed", "search the server": "flaky",
		"search request": "passed", "renamed service": "failed", "after the rename": "skipped",
	}
	if len(checks) != len(want) {
		t.Errorf("the report shows %d checks, want %d: %+v", len(checks), len(want), checks)
	}
	for _, c := range checks {
		if want[c.Name] != c.Status || !c.Visible {
			t.Errorf("check %q shows %q (visible %v), want %q", c.Name, c.Status, c.Visible, want[c.Name])
		}
		if img := c.Status == "failed"; img != (c.Image > 1000) || c.Image > 0 && !c.ImageLoaded {
			t.Errorf("check %q (%s): screenshot data URL of %d bytes, loaded %v", c.Name, c.Status, c.Image, c.ImageLoaded)
		}
		if c.Name == "search request" && !strings.Contains(c.Text, "KeyWord") {
			t.Errorf("the network check does not show the request: %s", c.Text)
		}
		if c.Name == "search the server" && !strings.Contains(c.Text, "$ type array") {
			t.Errorf("the call check does not show its assertion: %s", c.Text)
		}
	}
	if t.Failed() {
		return
	}
	// Unchecking "passed" hides the passed checks, without a server.
	if hidden := filterReport(t, html, "show-pass"); hidden != 3 {
		t.Errorf("unchecking passed hides %d checks, want 3", hidden)
	}
}

// reportCheck is a check as the rendered report shows it.
type reportCheck struct {
	Name, Status, Text string
	Visible            bool
	Image              int // length of the img's data:image/png src
	ImageLoaded        bool
}

// openReport opens the HTML file in a tab of the shared browser and runs
// fn there.
func openReport(t *testing.T, path string, fn func(ctx context.Context)) {
	t.Helper()
	actx, cancel := remote.NewAllocator(context.Background(), remoteURL)
	defer cancel()
	tctx, tcancel := chromedp.NewContext(actx)
	defer tcancel()
	if err := chromedp.Do(tctx); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	ctx, ccancel := context.WithTimeout(tctx, 30*time.Second)
	defer ccancel()
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path)); err != nil {
		t.Fatalf("opening the report: %v", err)
	}
	fn(ctx)
}

// renderReport takes a screenshot of the report and reads its checks from
// the DOM.
func renderReport(t *testing.T, path string) ([]byte, []reportCheck) {
	var shot []byte
	var checks []reportCheck
	openReport(t, path, func(ctx context.Context) {
		var err error
		if shot, err = chromedp.Run(ctx, chromedp.CaptureScreenshot()); err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify([...document.querySelectorAll('.check')].map(d => {
			const img = d.querySelector('img');
			const src = img ? img.getAttribute('src') : '';
			return {Name: d.querySelector('.name').textContent, Status: d.querySelector('.badge').textContent,
				Text: d.textContent, Visible: d.offsetParent !== null,
				Image: src.startsWith('data:image/png;base64,') ? src.length : 0,
				ImageLoaded: !!img && img.complete && img.naturalWidth > 0};
		}))`))
		if err != nil {
			t.Fatalf("reading the report: %v", err)
		}
		if err := json.Unmarshal([]byte(raw), &checks); err != nil {
			t.Fatal(err)
		}
	})
	return shot, checks
}

// filterReport clicks a filter's label and counts the checks hidden.
func filterReport(t *testing.T, path, filter string) int {
	var hidden int
	openReport(t, path, func(ctx context.Context) {
		var err error
		hidden, err = chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelector('label[for=`+filter+`]').click(),
			[...document.querySelectorAll('.check')].filter(d => d.offsetParent === null).length`))
		if err != nil {
			t.Fatalf("filtering the report: %v", err)
		}
	})
	return hidden
}

// TestSmokeRetriesFlag: --retries reaches a read-only check and is refused
// out of range.
func TestSmokeRetriesFlag(t *testing.T) {
	code, _, stderr := runCLI(t, "smoke", "--retries", "11", writePlan(t, "checks:\n  - name: a\n    type: ready\n"))
	if code != ExitUsage || !strings.Contains(stderr, "--retries 11") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// TestSmokeFlakyJSON: --json shows the retried pass as flaky, with its
// failed attempt, and fits the smoke schema.
func TestSmokeFlakyJSON(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	srv.SetFault(sandbox.Fault{Endpoint: "webwxsearchcontact", Ret: 1, Once: true})
	args := append([]string{"smoke", "--json"}, onSandbox(url)...)
	args = append(args, writePlan(t, reportPlan))
	code, stdout, stderr := runCLI(t, args...)
	checkSchema(t, schemaRun{args: args, schema: "smoke", ok: false}, code, stdout, stderr)
	var report smokeJSON
	if err := json.Unmarshal([]byte(stdout), &report); err != nil {
		t.Fatal(err)
	}
	c := checkByName(t, report, "search the server")
	if c.Status != smoke.StatusFlaky || c.Attempts != 2 || len(c.FailedAttempts) != 1 || report.Flaky != 1 || report.Passed != 3 {
		t.Errorf("check %+v; run: %d passed, %d flaky", c, report.Passed, report.Flaky)
	}
}
