package cmd

import (
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wxctl/wxctl/browser"
)

// TestTraceOfAFailingCommand: a command that fails with --trace leaves the
// page's screenshot (a valid PNG), its document, its console, the HAR and
// the error in the folder.
func TestTraceOfAFailingCommand(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	dir := filepath.Join(t.TempDir(), "trace")
	code, _, stderr := runCLI(t, append([]string{"call"}, append(onSandbox(url), "--trace", dir, "chatroomFactory", "noSuchMethod")...)...)
	if code == ExitOK {
		t.Fatalf("exit 0 for a method the app lacks: %s", stderr)
	}
	for _, name := range []string{"01-end.png", "01-end.html", browser.TraceConsole, browser.TraceHAR, traceErrorFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("the trace lacks %s: %v", name, err)
		}
	}
	f, err := os.Open(filepath.Join(dir, "01-end.png"))
	if err == nil {
		_, err = png.Decode(f)
		f.Close()
	}
	if err != nil {
		t.Errorf("the screenshot is not a PNG: %v", err)
	}
	errText, _ := os.ReadFile(filepath.Join(dir, traceErrorFile))
	if want := "exit " + strconv.Itoa(code) + "\n" + strings.TrimSpace(stderr) + "\n"; string(errText) != want {
		t.Errorf("error.txt = %q, want %q", errText, want)
	}
	har := readHAR(t, filepath.Join(dir, browser.TraceHAR))
	if len(har.Log.Entries) == 0 || har.Log.Pages[0].Title != url {
		t.Errorf("network.har: %d entries, page %q", len(har.Log.Entries), har.Log.Pages[0].Title)
	}
	for _, name := range []string{"01-end.html", browser.TraceConsole, browser.TraceHAR, traceErrorFile} {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		checkNoSecrets(t, srv, b)
	}
}

// TestHARFlag: room create --har writes the app's calls as HAR with the
// group's creation in it, its headers and its redacted bodies.
func TestHARFlag(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	file := filepath.Join(t.TempDir(), "run.har")
	code, _, stderr := runCLI(t, append([]string{"room", "create", "--member", "Rain1ove", "--member", "Bob", "--har", file}, onSandbox(url)...)...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	har := readHAR(t, file)
	if har.Log.Version != "1.2" || har.Log.Creator.Name != "wxctl" {
		t.Errorf("log %+v", har.Log.Creator)
	}
	found := false
	for _, e := range har.Log.Entries {
		if !strings.Contains(e.Request.URL, "/webwxcreatechatroom") {
			continue
		}
		found = true
		if e.Response.Status != 200 || len(e.Request.Headers) == 0 || len(e.Response.Headers) == 0 ||
			e.Request.PostData == nil || !strings.Contains(e.Response.Content.Text, "ChatRoomName") || e.Timings.Wait < 0 {
			t.Errorf("create entry %+v", e)
		}
	}
	if !found {
		t.Error("the HAR lacks webwxcreatechatroom")
	}
	b, _ := os.ReadFile(file)
	checkNoSecrets(t, srv, b)
}

// TestOutputFlagsCheckedFirst: a --har into a folder that does not exist
// and a --trace that is a file are refused before any browser starts.
func TestOutputFlagsCheckedFirst(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ flag, value, want string }{
		{"--har", filepath.Join(file, "nope", "x.har"), "does not exist"},
		{"--trace", file, "is a file, not a folder"},
	} {
		code, _, stderr := runCLI(t, "eval", "--url", "http://127.0.0.1:1/", "--chrome", "/nonexistent/chrome", tc.flag, tc.value, "1")
		if code != ExitUsage || !strings.Contains(stderr, tc.flag) || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%s %s: exit %d, stderr %q", tc.flag, tc.value, code, stderr)
		}
	}
}

// readHAR reads a HAR file back into its types.
func readHAR(t *testing.T, path string) browser.HAR {
	t.Helper()
	var h browser.HAR
	b, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(b, &h)
	}
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	if len(h.Log.Pages) == 0 {
		t.Fatalf("%s has no page", path)
	}
	return h
}
