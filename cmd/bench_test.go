package cmd

import (
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/wxctl/wxctl/sandbox"
)

// BenchmarkColdStart times what a user waits for: from the process start
// to a group created and read back (wxctl room create, built and run as a
// binary), against the floor measured in the same run: the same Chromium
// starting and loading the same sandbox page (--dump-dom).
func BenchmarkColdStart(b *testing.B) {
	if chromePath == "" {
		b.Skip("no Chromium on this machine")
	}
	bin := filepath.Join(b.TempDir(), "wxctl")
	if out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput(); err != nil {
		b.Fatalf("building wxctl: %v\n%s", err, out)
	}
	srv, err := sandbox.New()
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	url := ts.URL + "/"
	run := func(name string, args ...string) time.Duration {
		start := time.Now()
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			b.Fatalf("%s: %v\n%s", filepath.Base(name), err, out)
		}
		return time.Since(start)
	}
	var floor, wxctl time.Duration
	b.ResetTimer()
	for range b.N {
		dir := b.TempDir()
		floor += run(chromePath, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync",
			"--user-data-dir="+filepath.Join(dir, "floor"), "--dump-dom", url)
		wxctl += run(bin, "room", "create", "--url", url, "--chrome", chromePath,
			"--profile", filepath.Join(dir, "wxctl"), "--member", "Rain1ove", "--member", "迴焘願點")
		os.RemoveAll(dir)
	}
	b.StopTimer()
	ms := func(d time.Duration) float64 { return float64(d.Milliseconds()) / float64(b.N) }
	b.ReportMetric(ms(floor), "floor-ms")
	b.ReportMetric(ms(wxctl), "wxctl-ms")
	b.ReportMetric(float64(wxctl)/float64(floor), "wxctl/floor")
}
