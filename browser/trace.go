package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/wxctl/wxctl/scripts"
)

// The files of a trace folder (README.md, "--trace DIR").
const (
	TraceConsole = "console.log" // the page's console and uncaught exceptions
	TraceHAR     = "network.har" // the app's API calls, HAR 1.2
)

// Tracer writes what a person needs to see what the page did without
// running it again, into one folder: at each Snapshot a screenshot
// (NN-label.png) and the document (NN-label.html), and the page's console
// (console.log) and the app's API calls as HAR (network.har) as they are
// then. Everything but the screenshot is redacted as Redact does. Its
// methods are safe for concurrent use.
type Tracer struct {
	dir     string
	version string // wxctl's, the HAR's creator

	mu sync.Mutex
	n  int // snapshots taken
}

// NewTracer makes dir (and its parents) for a trace; version is wxctl's,
// named in the HAR.
func NewTracer(dir, version string) (*Tracer, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("making the trace folder: %w", err)
	}
	return &Tracer{dir: dir, version: version}, nil
}

// Dir is the trace's folder.
func (t *Tracer) Dir() string { return t.dir }

// snapshotTimeout bounds the screenshot and the document of one snapshot:
// a page that hangs must not hold up the report of why it failed.
const snapshotTimeout = 10 * time.Second

// Snapshot saves the page as it is now under label ("end", a check's
// name): its screenshot and document, numbered in the order taken, and
// rewrites console.log and network.har. It returns the files written; a
// part that could not be had (a crashed tab gives no screenshot) is
// skipped and named in the error, and the rest is still written. It runs
// on ctx's values without its deadline or cancellation, bounded by a
// deadline of its own: it is for after something went wrong.
func (t *Tracer) Snapshot(ctx context.Context, p *Page, label string) ([]string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n++
	base := fmt.Sprintf("%02d-%s", t.n, fileLabel(label))
	var files []string
	var errs []error
	save := func(name string, data []byte) {
		path := filepath.Join(t.dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			errs = append(errs, err)
			return
		}
		files = append(files, path)
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), snapshotTimeout)
	defer cancel()
	if png, err := p.Screenshot(sctx); err != nil {
		errs = append(errs, err)
	} else {
		save(base+".png", png)
	}
	if html, err := p.DOMSnapshot(sctx); err != nil {
		errs = append(errs, err)
	} else {
		save(base+".html", Redact(html))
	}
	save(TraceConsole, Redact([]byte(ConsoleText(p.Console(), p.Exceptions()))))
	info := p.HARInfo()
	info.Version = t.version
	if har, err := MarshalHAR(p.Calls(), info); err != nil {
		errs = append(errs, err)
	} else {
		save(TraceHAR, har)
	}
	if len(errs) > 0 {
		return files, fmt.Errorf("trace %s: %w", base, errors.Join(errs...))
	}
	return files, nil
}

// maxErrorSnapshots bounds the snapshots Watch takes: a long run whose
// calls keep failing must not fill the disk with screenshots.
const maxErrorSnapshots = 20

// Watch takes a Snapshot labelled "error-ENDPOINT" each time one of the
// app's API calls fails (the request failed, HTTP 400 or more, or a
// BaseResponse.Ret other than 0), the first 20 of them, until ctx ends or
// stop is called. stop waits for a snapshot under way, and takes those of
// the failed calls done by then that the watch had not come to yet, so
// that a call the job saw fail has its snapshot once stop returns.
func (t *Tracer) Watch(ctx context.Context, p *Page) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		last := p.LastSeq() // the calls before the watch are not its business
		taken := 0
		snap := func(c NetCall) {
			last = c.Seq
			taken++
			_, _ = t.Snapshot(ctx, p, "error-"+c.Endpoint) // what it could not write, it skips
		}
		for taken < maxErrorSnapshots {
			c, err := p.WaitCall(ctx, func(c NetCall) bool { return c.Seq > last && callFailed(c) })
			if err != nil {
				break
			}
			snap(c)
		}
		for _, c := range p.Calls() {
			if taken < maxErrorSnapshots && c.Seq > last && c.Done && callFailed(c) {
				snap(c)
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// callFailed reports a call that failed below the app or that the server
// refused. A request cut short because the page left (a reload, a log-in
// that moves to another host) is the page's doing, not a failure.
func callFailed(c NetCall) bool {
	if strings.Contains(c.Err, "ERR_ABORTED") || c.Err == "canceled" {
		return false
	}
	if c.Err != "" || c.Status == 0 || c.Status >= 400 {
		return true
	}
	ret, _, ok := answerOf(c)
	return ok && ret != 0
}

// DOMSnapshot returns the document as HTML as the DOM holds it now: what
// the app rendered. It holds what the page shows: pass it through Redact
// before saving it.
func (p *Page) DOMSnapshot(ctx context.Context) ([]byte, error) {
	raw, err := p.Run(ctx, scripts.DOMSnapshot)
	if err != nil {
		return nil, fmt.Errorf("reading the document: %w", err)
	}
	var html string
	if err := json.Unmarshal(raw, &html); err != nil {
		return nil, fmt.Errorf("reading the document: %w", err)
	}
	return []byte(html), nil
}

// ConsoleText is a console log for people: the console messages, then the
// uncaught exceptions, each oldest first with its time. It holds what the
// app printed: pass it through Redact before saving it.
func ConsoleText(msgs []ConsoleMessage, exceptions []Exception) string {
	var b strings.Builder
	b.WriteString("# console messages of the page, oldest first\n")
	for _, m := range msgs {
		fmt.Fprintf(&b, "%s  %-7s %s\n", m.Time.Format(time.RFC3339Nano), m.Type, m.Text)
	}
	b.WriteString("# uncaught JavaScript exceptions in the page, oldest first\n")
	for _, e := range exceptions {
		fmt.Fprintf(&b, "%s  %s", e.Time.Format(time.RFC3339Nano), e.Message)
		if e.URL != "" {
			fmt.Fprintf(&b, "  (%s:%d:%d)", e.URL, e.Line+1, e.Column+1)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// fileLabel makes label usable in a file name: lower case letters and
// digits, runs of others as one '-', at most 40 bytes.
func fileLabel(label string) string {
	var b bytes.Buffer
	dash := false
	for _, r := range strings.ToLower(label) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if b.Len()+len(string(r)) > 40 {
				break
			}
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		return "snapshot"
	}
	return s
}
