package cmd

import (
	"bytes"
	"io"
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
// starting and loading the same sandbox page (--dump-dom). Each is timed
// twice: to its answer (the first byte on stdout: the group's table, the
// page's DOM) and to its exit (the browser closed, its profile written).
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
	var floor, wxctl coldTimes
	b.ResetTimer()
	for range b.N {
		dir := b.TempDir()
		floor.add(timeRun(b, chromePath, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync",
			"--user-data-dir="+filepath.Join(dir, "floor"), "--dump-dom", url))
		wxctl.add(timeRun(b, bin, "room", "create", "--url", url, "--chrome", chromePath,
			"--profile", filepath.Join(dir, "wxctl"), "--member", "Rain1ove", "--member", "迴焘願點"))
		os.RemoveAll(dir)
	}
	b.StopTimer()
	ms := func(d time.Duration) float64 { return float64(d.Milliseconds()) / float64(b.N) }
	b.ReportMetric(ms(floor.answer), "floor-answer-ms")
	b.ReportMetric(ms(wxctl.answer), "wxctl-answer-ms")
	b.ReportMetric(float64(wxctl.answer)/float64(floor.answer), "answer/floor")
	b.ReportMetric(ms(floor.exit), "floor-exit-ms")
	b.ReportMetric(ms(wxctl.exit), "wxctl-exit-ms")
	b.ReportMetric(float64(wxctl.exit)/float64(floor.exit), "exit/floor")
}

// coldTimes sums the times of runs: to the first byte of output, and to
// the exit.
type coldTimes struct{ answer, exit time.Duration }

func (c *coldTimes) add(answer, exit time.Duration) {
	c.answer += answer
	c.exit += exit
}

// timeRun runs a program and times it to its first byte on stdout and to
// its exit; a run that fails or prints nothing ends the benchmark.
func timeRun(b *testing.B, name string, args ...string) (answer, exit time.Duration) {
	b.Helper()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatalf("%s: %v", filepath.Base(name), err)
	}
	first := make([]byte, 1)
	if _, err := io.ReadFull(out, first); err != nil {
		_ = cmd.Wait()
		b.Fatalf("%s printed nothing: %v\n%s", filepath.Base(name), err, stderr.Bytes())
	}
	answer = time.Since(start)
	_, _ = io.Copy(io.Discard, out)
	if err := cmd.Wait(); err != nil {
		b.Fatalf("%s: %v\n%s", filepath.Base(name), err, stderr.Bytes())
	}
	return answer, time.Since(start)
}
