package browser

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestTracer watches a page whose call fails, then snapshots it at the
// end: the folder has a snapshot for the failure and one for the end, each
// a valid PNG and the document, and the console and the HAR as they were
// last.
func TestTracer(t *testing.T) {
	p, _ := testApp(t)
	ctx := callCtx(t)
	dir := filepath.Join(t.TempDir(), "trace", "deeper")
	tr, err := NewTracer(dir, "v1")
	if err != nil {
		t.Fatal(err)
	}
	stop := tr.Watch(ctx, p)
	if _, err := p.Eval(ctx, `console.error('the skey=@crypt_0badcafe_1234 went', 7)`); err != nil {
		t.Fatal(err)
	}
	mark := p.LastSeq()
	if _, err := p.Call(ctx, "testSvc", "get", "webwxfail"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.WaitCall(ctx, func(c NetCall) bool { return c.Seq > mark && c.Endpoint == "webwxfail" }); err != nil {
		t.Fatal(err)
	}
	stop()
	files, err := tr.Snapshot(ctx, p, "End of the job!")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"02-end-of-the-job.png", "02-end-of-the-job.html", TraceConsole, TraceHAR} {
		if !slices.Contains(files, filepath.Join(dir, f)) {
			t.Errorf("Snapshot wrote %v, without %s", files, f)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"01-error-webwxfail.html", "01-error-webwxfail.png", "02-end-of-the-job.html", "02-end-of-the-job.png", TraceConsole, TraceHAR}
	if !slices.Equal(names, want) {
		t.Errorf("the folder has %v, want %v", names, want)
	}
	for _, name := range []string{"01-error-webwxfail.png", "02-end-of-the-job.png"} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil || img.Bounds().Dx() == 0 {
			t.Errorf("%s is not a PNG: %v", name, err)
		}
	}
	html, _ := os.ReadFile(filepath.Join(dir, "02-end-of-the-job.html"))
	if !bytes.HasPrefix(html, []byte("<!DOCTYPE html>")) || !bytes.Contains(html, []byte("ng-app")) {
		t.Errorf("the document is not the page's: %.200s", html)
	}
	console, _ := os.ReadFile(filepath.Join(dir, TraceConsole))
	if !strings.Contains(string(console), "error   the skey=*** went 7") || strings.Contains(string(console), "0badcafe") {
		t.Errorf("console.log, want the error line, redacted:\n%s", console)
	}
	har, _ := os.ReadFile(filepath.Join(dir, TraceHAR))
	if errs := validateHAR(har); len(errs) > 0 {
		t.Errorf("network.har is not HAR 1.2: %v", errs)
	}
	if !bytes.Contains(har, []byte("webwxfail")) || !bytes.Contains(har, []byte(`"creator": {`)) {
		t.Errorf("network.har lacks the failed call")
	}
}

// TestTracerDeadPage: a snapshot of a closed tab still writes the console
// and the HAR, and says what it could not take.
func TestTracerDeadPage(t *testing.T) {
	p, _ := testApp(t)
	dir := t.TempDir()
	tr, err := NewTracer(dir, "v1")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	files, err := tr.Snapshot(ctx, p, "end")
	if err == nil || !strings.Contains(err.Error(), "01-end") {
		t.Errorf("Snapshot of a closed tab: %v, want an error naming the snapshot", err)
	}
	if len(files) != 2 || filepath.Base(files[0]) != TraceConsole || filepath.Base(files[1]) != TraceHAR {
		t.Errorf("wrote %v, want the console and the HAR", files)
	}
}

func TestFileLabel(t *testing.T) {
	for in, want := range map[string]string{
		"end": "end", "Error: webwxsync!": "error-webwxsync", "": "snapshot", "///": "snapshot",
		"群聊 创建": "群聊-创建", strings.Repeat("a", 50): strings.Repeat("a", 40),
	} {
		if got := fileLabel(in); got != want {
			t.Errorf("fileLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
