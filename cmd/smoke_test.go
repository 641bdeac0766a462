package cmd

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wxctl/wxctl/cmd/internal/smoke"
	"github.com/wxctl/wxctl/sandbox"
)

// invalidPlans are plans the command must refuse, with the file, the line
// of the problem and a word of the reason: one of each kind of problem
// (package smoke tests the parser on every case).
var invalidPlans = []struct {
	name, plan string
	line       int
	reason     string
}{
	{"empty", "", 1, "empty"},
	{"bad YAML", "checks:\n  - name: a\n    type: ready\n  bad: [\n", 4, "not valid YAML"},
	{"unknown check type", "checks:\n  - name: a\n    type: servce\n", 3, `unknown check type "servce"`},
	{"event without after", "checks:\n  - name: send\n    type: eval\n    expr: 1\n  - name: hello\n    type: event\n    event: message\n", 5, `check "hello": after: is missing`},
	{"event after unknown", "checks:\n  - name: send\n    type: eval\n    expr: 1\n  - name: hello\n    type: event\n    event: message\n    after: sent\n", 8, `check "hello": after names "sent", which is not a check of this plan (did you mean "send"?)`},
}

// smokeDir holds the ready-made plans.
const smokeDir = "../testdata/smoke"

// junitFile is what CI tools read from a JUnit file, parsed back.
type junitFile struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []struct {
		Name     string  `xml:"name,attr"`
		Tests    int     `xml:"tests,attr"`
		Failures int     `xml:"failures,attr"`
		Skipped  int     `xml:"skipped,attr"`
		Time     float64 `xml:"time,attr"`
		Cases    []struct {
			Name      string  `xml:"name,attr"`
			Classname string  `xml:"classname,attr"`
			Time      float64 `xml:"time,attr"`
			Line      int     `xml:"line,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func readJUnit(t *testing.T, path string) junitFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var j junitFile
	if err := xml.Unmarshal(b, &j); err != nil {
		t.Fatalf("the JUnit file does not parse: %v\n%s", err, b)
	}
	if len(j.Suites) != 1 {
		t.Fatalf("%d test suites, want 1", len(j.Suites))
	}
	return j
}

// writePlan writes a plan into the test's directory and returns its path.
func writePlan(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "plan.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// smokeJSONRun runs wxctl smoke with --json and returns the exit code and
// the parsed report.
func smokeJSONRun(t *testing.T, args ...string) (int, smokeJSON, string) {
	t.Helper()
	code, stdout, stderr := runCLI(t, append([]string{"smoke", "--json"}, args...)...)
	var report smokeJSON
	if err := json.Unmarshal([]byte(stdout), &report); err != nil {
		t.Fatalf("exit %d, stdout is not the JSON report: %v\n%s\nstderr: %s", code, err, stdout, stderr)
	}
	return code, report, stderr
}

// checkByName finds a check of a report.
func checkByName(t *testing.T, r smokeJSON, name string) smoke.CheckJSON {
	t.Helper()
	for _, c := range r.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no check %q in the report", name)
	return smoke.CheckJSON{}
}

func TestSmokeSandboxContract(t *testing.T) {
	needBrowser(t)
	_, url := startSandbox(t)
	junit := filepath.Join(t.TempDir(), "junit.xml")
	artifacts := filepath.Join(t.TempDir(), "artifacts")
	args := append(onSandbox(url), "--junit", junit, "--artifacts", artifacts, filepath.Join(smokeDir, "sandbox-contract.yaml"))
	code, stdout, stderr := runCLI(t, append([]string{"smoke"}, args...)...)
	if code != ExitOK {
		t.Fatalf("exit %d, want 0\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "26 passed, 0 failed, 0 skipped") || strings.Contains(stdout, "✗") {
		t.Errorf("summary:\n%s", stdout)
	}
	j := readJUnit(t, junit)
	if j.Tests != 26 || j.Failures != 0 || j.Skipped != 0 {
		t.Errorf("JUnit counts %d/%d/%d, want 26 tests, no failure, none skipped", j.Tests, j.Failures, j.Skipped)
	}
	if _, err := os.Stat(artifacts); !os.IsNotExist(err) {
		t.Errorf("artifacts written without a failure: %v", err)
	}
}

// TestSmokeChecksFail: each check type fails for its own reason, the
// checks after a failure still run, needs: skips, and every failure leaves
// its artifacts.
func TestSmokeChecksFail(t *testing.T) {
	needBrowser(t)
	_, url := startSandbox(t)
	plan := writePlan(t, `
name: failures
timeout: 5s
checks:
  - name: up
    type: ready
  - name: renamed service
    type: service
    service: chatRoomFactory
  - name: changed signature
    type: service
    service: chatroomFactory
    methods: [create/2, addMember/3, invite]
  - name: wrong expectation
    type: call
    service: accountFactory
    method: getUserInfo
    expect:
      - NickName equals Somebody Else
      - UserName matches ^@
  - name: unknown method
    type: call
    service: chatroomFactory
    method: createRoom
  - name: missing endpoint
    type: network
    endpoint: webwxnosuchendpoint
    timeout: 300ms
  - name: field dropped
    type: network
    endpoint: webwxinit
    response:
      BaseResponse.Ret: integer
      NoSuchField: string
  - name: eval differs
    type: eval
    expr: window.MMCgi.isLogin
    equals: false
  - name: logged out expected
    type: logged-in
    want: false
  - name: skipped
    type: eval
    expr: 1
    needs: [renamed service]
  - name: passes
    type: eval
    expr: Promise.resolve(40 + 2)
    equals: 42
`)
	dir := t.TempDir()
	junit := filepath.Join(dir, "junit.xml")
	artifacts := filepath.Join(dir, "artifacts")
	code, report, stderr := smokeJSONRun(t, append(onSandbox(url), "--junit", junit, "--artifacts", artifacts, plan)...)
	if code != 1 || !strings.Contains(stderr, "8 of 11 checks failed") {
		t.Errorf("exit %d, stderr %q; want 1 and the count", code, stderr)
	}
	for _, tc := range []struct{ name, status, why string }{
		{"up", smoke.StatusPass, "AngularJS"},
		{"renamed service", smoke.StatusFail, `no service "chatRoomFactory"`},
		{"changed signature", smoke.StatusFail, "create takes 1 parameter, want 2; no method invite"},
		{"wrong expectation", smoke.StatusFail, `NickName = "`},
		{"unknown method", smoke.StatusFail, `no method "createRoom"`},
		{"missing endpoint", smoke.StatusFail, "the app made no webwxnosuchendpoint request within 300ms"},
		{"field dropped", smoke.StatusFail, "response: NoSuchField: NoSuchField is missing"},
		{"eval differs", smoke.StatusFail, "$ = true, want false"},
		{"logged out expected", smoke.StatusFail, "want logged out"},
		{"skipped", smoke.StatusSkip, `needs "renamed service", which failed`},
		{"passes", smoke.StatusPass, "1 expectation holds"},
	} {
		c := checkByName(t, report, tc.name)
		if c.Status != tc.status || !strings.Contains(c.Message, tc.why) {
			t.Errorf("%s: %s %q, want %s with %q", tc.name, c.Status, c.Message, tc.status, tc.why)
		}
		if c.Status == smoke.StatusFail {
			if len(c.Artifacts) != 4 {
				t.Errorf("%s: artifacts %q, want result.json, network.json, console.log, screenshot.png", tc.name, c.Artifacts)
			}
			for _, a := range c.Artifacts {
				if fi, err := os.Stat(a); err != nil || fi.Size() == 0 {
					t.Errorf("%s: artifact %s: %v", tc.name, a, err)
				}
			}
		}
	}
	if c := checkByName(t, report, "missing endpoint"); !strings.Contains(c.Message, "(it called ") || !strings.Contains(c.Message, "webwxinit, ") {
		t.Errorf("missing endpoint: %q does not list what the app called", c.Message)
	}
	j := readJUnit(t, junit)
	if j.Tests != 11 || j.Failures != 8 || j.Skipped != 1 {
		t.Errorf("JUnit counts %d/%d/%d, want 11 tests, 8 failures, 1 skipped", j.Tests, j.Failures, j.Skipped)
	}
	b, err := os.ReadFile(filepath.Join(artifacts, "04-wrong-expectation", "network.json"))
	if err != nil || !strings.Contains(string(b), "webwxinit") {
		t.Errorf("network capture: %v\n%.200s", err, b)
	}
}

// TestSmokeContractCatchesDrift runs the contract plan on a sandbox that
// answers differently from web WeChat: the plan must fail, at the checks
// that depend on what changed.
func TestSmokeContractCatchesDrift(t *testing.T) {
	needBrowser(t)
	for _, tc := range []struct {
		name    string
		fault   sandbox.Fault
		fail    map[string]string // check → part of its failure
		skipped string            // a check that must be skipped
	}{
		{
			name:    "create answers Ret 0 without a group",
			fault:   sandbox.Fault{Endpoint: "webwxcreatechatroom", EmptyChatRoomName: true, Once: true},
			fail:    map[string]string{"create a group": `ChatRoomName = "", want a match of ^@@`},
			skipped: "read the group back",
		},
		{
			name:  "the update endpoint is gone",
			fault: sandbox.Fault{Endpoint: "webwxupdatechatroom", Status: http.StatusNotFound},
			fail: map[string]string{
				"modtopic request":     "answered HTTP 404, want 200",
				"quitchatroom request": "answered HTTP 404, want 200",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, url := startSandbox(t)
			srv.SetFault(tc.fault)
			code, report, _ := smokeJSONRun(t, append(onSandbox(url), filepath.Join(smokeDir, "sandbox-contract.yaml"))...)
			if code != 1 || report.OK {
				t.Errorf("exit %d, ok %v: the drift went unnoticed", code, report.OK)
			}
			for name, why := range tc.fail {
				if c := checkByName(t, report, name); c.Status != smoke.StatusFail || !strings.Contains(c.Message, why) {
					t.Errorf("%s: %s %q, want a failure with %q", name, c.Status, c.Message, why)
				}
			}
			if tc.skipped != "" {
				if c := checkByName(t, report, tc.skipped); c.Status != smoke.StatusSkip {
					t.Errorf("%s: %s, want skipped", tc.skipped, c.Status)
				}
			}
			if c := checkByName(t, report, "chatroomFactory"); c.Status != smoke.StatusPass {
				t.Errorf("an unrelated check failed too: %+v", c)
			}
		})
	}
}

// TestSmokeLogInDuringRun: the page opens logged out and the phone logs it
// in while the plan runs; the checks after that see the session in the
// same page, although MMCgi.isLogin stays false there, as on the real site.
func TestSmokeLogInDuringRun(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t, sandbox.WithLoggedIn(false))
	srv.AutoLogin(300 * time.Millisecond)
	plan := writePlan(t, `
name: log in during the run
checks:
  - name: up
    type: ready
  - name: the app has its user
    type: eval
    expr: angular.element(document).injector().get('accountFactory').getUserInfo().UserName || ''
    expect: ["$ matches ^@"]
    wait: true
  - name: server's word at page load
    type: eval
    expr: window.MMCgi.isLogin
    equals: false
  - name: session
    type: logged-in
  - name: create after the log-in
    type: call
    service: chatroomFactory
    method: create
    args: [[{UserName: {member: Rain1ove}}, {UserName: {member: Bob}}]]
    expect: ["BaseResponse.Ret in [0, -2013]"]
`)
	code, report, stderr := smokeJSONRun(t, append(onSandbox(url), plan)...)
	if code != ExitOK {
		t.Errorf("exit %d: %s", code, stderr)
		for _, c := range report.Checks {
			t.Logf("%s: %s %s", c.Name, c.Status, c.Message)
		}
	}
	if c := checkByName(t, report, "session"); !strings.Contains(c.Message, "logged in as") {
		t.Errorf("session: %q", c.Message)
	}
	if n := len(srv.Requests("jslogin")); n != 1 {
		t.Errorf("%d QR codes asked for, want 1: the page was opened again", n)
	}
}

func TestSmokeRealSitePlanOnLoggedOutSandbox(t *testing.T) {
	needBrowser(t)
	_, url := startSandbox(t, sandbox.WithLoggedIn(false))
	code, report, stderr := smokeJSONRun(t, append(onSandbox(url), filepath.Join(smokeDir, "real-site.yaml"))...)
	if code != ExitOK {
		t.Errorf("exit %d: %s", code, stderr)
		for _, c := range report.Checks {
			t.Logf("%s: %s %s", c.Name, c.Status, c.Message)
		}
	}
	if report.URL != url {
		t.Errorf("ran on %s, want --url %s over the plan's", report.URL, url)
	}
}

// TestSmokeUnreachable: a page that does not load ends the run with exit
// 7, and CI still gets its JUnit file; a page that loads but is not web
// WeChat fails the ready check (exit 1), or, with no ready check to fail,
// is unreachable too (exit 7).
func TestSmokeUnreachable(t *testing.T) {
	needBrowser(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/"
	l.Close()
	notApp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, "<html><head><title>Maintenance</title></head><body>Back soon</body></html>")
	}))
	defer notApp.Close()
	withReady := writePlan(t, "checks:\n  - {name: up, type: ready, timeout: 1s}\n  - {name: flag, type: eval, expr: 1}\n")
	withoutReady := writePlan(t, "timeout: 1s\nchecks:\n  - {name: flag, type: eval, expr: 1}\n")
	for _, tc := range []struct {
		name, url, plan string
		code            int
		up, flag        string // statuses
		why             string
	}{
		{"connection refused", closed, withReady, ExitBrowser, smoke.StatusFail, smoke.StatusSkip, "did not load"},
		{"not web WeChat", notApp.URL, withReady, 1, smoke.StatusFail, smoke.StatusPass, "Maintenance"},
		{"not web WeChat, no ready check", notApp.URL, withoutReady, ExitBrowser, "", smoke.StatusSkip, "Maintenance"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			junit := filepath.Join(t.TempDir(), "junit.xml")
			args := []string{"--url", tc.url, "--remote", remoteURL, "--junit", junit, tc.plan}
			code, report, stderr := smokeJSONRun(t, args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d (%s)", code, tc.code, stderr)
			}
			if tc.up != "" {
				if c := checkByName(t, report, "up"); c.Status != tc.up || !strings.Contains(c.Message, tc.why) {
					t.Errorf("up: %s %q, want %s with %q", c.Status, c.Message, tc.up, tc.why)
				}
			}
			if c := checkByName(t, report, "flag"); c.Status != tc.flag {
				t.Errorf("flag: %s %q, want %s", c.Status, c.Message, tc.flag)
			}
			j := readJUnit(t, junit)
			if j.Tests != len(report.Checks) {
				t.Errorf("JUnit has %d tests, want %d", j.Tests, len(report.Checks))
			}
		})
	}
}

// TestSmokeInvalidPlan: a bad plan is exit 2 with file:line: reason, before
// any browser starts.
func TestSmokeInvalidPlan(t *testing.T) {
	for _, tc := range invalidPlans {
		t.Run(tc.name, func(t *testing.T) {
			plan := writePlan(t, tc.plan)
			code, stdout, stderr := runCLI(t, "smoke", "--remote", "ws://127.0.0.1:1/never-used", plan)
			want := fmt.Sprintf("%s:%d: ", plan, tc.line)
			if code != ExitUsage || !strings.Contains(stderr, want) || !strings.Contains(stderr, tc.reason) {
				t.Errorf("exit %d, stderr %q; want 2 and %q … %q", code, stderr, want, tc.reason)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
		})
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"smoke"}, "one plan file"},
		{[]string{"smoke", "missing.yaml"}, "missing.yaml"},
		{[]string{"smoke", "--", "plan.yaml", "--json"}, "got 2 arguments"},
	} {
		code, _, stderr := runCLI(t, tc.args...)
		if code != ExitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}

// TestSmokeRunTimeout: when the whole run's --timeout ends, the check
// running fails, the rest are not run, and the exit is 1.
func TestSmokeRunTimeout(t *testing.T) {
	needBrowser(t)
	_, url := startSandbox(t)
	plan := writePlan(t, `
checks:
  - {name: up, type: ready}
  - {name: never true, type: eval, expr: "false", equals: true, wait: true, timeout: 1m}
  - {name: after, type: eval, expr: "1"}
`)
	args := []string{"--url", url, "--remote", remoteURL, "--timeout", "1500ms", plan}
	code, report, stderr := smokeJSONRun(t, args...)
	if code != 1 || !strings.Contains(stderr, "1 of 3 checks failed, 1 not run: the run's --timeout ran out") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if c := checkByName(t, report, "never true"); c.Status != smoke.StatusFail || !strings.Contains(c.Message, "still so after waiting") {
		t.Errorf("never true: %s %q", c.Status, c.Message)
	}
	if c := checkByName(t, report, "after"); c.Status != smoke.StatusSkip || c.Message != smoke.NotRunTimeout {
		t.Errorf("after: %s %q", c.Status, c.Message)
	}
}

// TestSmokeEventCheck: event checks pass on a group's new topic, on the
// echo of a message the plan sent in the group (found by reference and by
// name), on a friend's message and on the session's end; they fail,
// listing what came instead, for a text never sent or a chat not spoken
// in, and say so when the session ended first.
func TestSmokeEventCheck(t *testing.T) {
	needBrowser(t)
	_, url := startSandbox(t)
	plan := writePlan(t, `
name: events
timeout: 10s
checks:
  - name: create a group
    type: call
    service: chatroomFactory
    method: create
    args:
      - [{UserName: {member: Rain1ove}}, {UserName: {member: Dave}}]
    expect:
      - ChatRoomName matches ^@@
  - name: the app holds the group
    type: call
    service: contactFactory
    method: getContact
    args: [{result: create a group, path: ChatRoomName}, "", true]
    wait: true
    expect:
      - MemberCount equals 3
  - name: name the group
    type: call
    service: chatroomFactory
    method: modTopic
    args: [{result: create a group, path: ChatRoomName}, event smoke]
  - name: the topic changes
    type: event
    event: group-change
    after: name the group
    chat: {result: create a group, path: ChatRoomName}
    expect:
      - changes[] in [topic, members]
      - topic equals event smoke
  - name: send hello
    type: eval
    expr: >-
      (function () {
        var inj = angular.element(document).injector();
        var group = inj.get('contactFactory').getAllChatroomContact().filter(function (c) {
          return c.NickName == 'event smoke'; })[0];
        var chat = inj.get('chatFactory');
        inj.get('$rootScope').$apply(function () {
          var msg = chat.createMessage({MsgType: 1, Content: 'hello', ToUserName: group.UserName});
          chat.appendMessage(msg);
          chat.sendMessage(msg);
        });
        return true;
      })()
    equals: true
  - name: hello arrives in the group
    type: event
    event: message
    after: send hello
    chat: {result: create a group, path: ChatRoomName}
    expect:
      - text equals hello
      - mine equals true
      - group equals event smoke
  - name: hello by the group's name
    type: event
    event: message
    after: send hello
    chat: event smoke
    expect:
      - text equals hello
  - name: never sent
    type: event
    event: message
    after: send hello
    timeout: 1500ms
    expect:
      - text equals goodbye
  - name: not from a friend
    type: event
    event: message
    after: send hello
    chat: {member: Dave}
    timeout: 500ms
  # The sandbox's control endpoint is on the page's own origin: a friend
  # speaks in the group, then the server ends the session.
  - name: Rain1ove speaks
    type: eval
    expr: >-
      fetch('/sandbox/control', {method: 'POST', body: JSON.stringify(
        {friend: {name: 'Rain1ove', action: 'say', group: 'event smoke', text: 'hi 👋'}})})
      .then(function (r) { return r.json(); })
    expect: [ok equals true]
  - name: Rain1ove is heard
    type: event
    event: message
    after: Rain1ove speaks
    chat: event smoke
    expect:
      - from equals Rain1ove
      - text equals hi 👋
      - mine exists false
  - name: the session ends
    type: eval
    expr: >-
      fetch('/sandbox/control', {method: 'POST', body: JSON.stringify({session: 'expire'})})
      .then(function (r) { return r.json(); })
    expect: [ok equals true]
  - name: the end is heard
    type: event
    event: session-ended
    after: the session ends
  - name: no message after the end
    type: event
    event: message
    after: the session ends
    timeout: 20s
`)
	code, report, stderr := smokeJSONRun(t, append(onSandbox(url), plan)...)
	if code != 1 || !strings.Contains(stderr, "3 of 14 checks failed") {
		t.Errorf("exit %d, stderr %q; want 1 and 3 of 14 failed", code, stderr)
	}
	for _, tc := range []struct{ name, status, why string }{
		{"the topic changes", smoke.StatusPass, `group-change of event smoke changes topic after "name the group" began`},
		{"send hello", smoke.StatusPass, ""},
		{"hello arrives in the group", smoke.StatusPass, `message from `},
		{"hello by the group's name", smoke.StatusPass, `(mine) text: "hello"`},
		{"never sent", smoke.StatusFail, `timed out after 1.5s (the check's timeout): no message event with text equals "goodbye" after check "send hello" began; `},
		{"not from a friend", smoke.StatusFail, `no message event in the chat with Dave after check "send hello" began`},
		{"Rain1ove is heard", smoke.StatusPass, `message from Rain1ove in event smoke text: "hi 👋"`},
		{"the end is heard", smoke.StatusPass, "session-ended because "},
		{"no message after the end", smoke.StatusFail, `the session ended (`}, // by synccheck's 1101 or the app's own log-out, whichever the stream reads first
		{"no message after the end", smoke.StatusFail, `): no message event after check "the session ends" began; no event came at all`},
	} {
		c := checkByName(t, report, tc.name)
		if c.Status != tc.status || !strings.Contains(c.Message, tc.why) {
			t.Errorf("%s: %s %q, want %s with %q", tc.name, c.Status, c.Message, tc.status, tc.why)
		}
	}
	// What came instead is the echo, and perhaps the group's system message
	// of the new topic, when the app's webwxsync that brings it was still
	// in flight as "send hello" began.
	if c := checkByName(t, report, "never sent"); !strings.Contains(c.Message, `(mine) text: "hello" (text = "hello", want "goodbye")`) {
		t.Errorf("never sent: %q does not say why the message that came is not the one", c.Message)
	}
}
