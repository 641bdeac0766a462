package browser

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
)

// ConsoleMessage is one console API call of the page (console.log, warn,
// error, …), as text.
type ConsoleMessage struct {
	Type string // "log", "warning", "error", …
	Text string
	Time time.Time
}

// maxConsole bounds the console log a page keeps: a page that logs in a
// loop must not grow wxctl's memory without end. The newest are kept.
const maxConsole = 1000

// Console returns the page's console messages so far (the newest 1,000),
// in order. They hold what the app printed: pass them through Redact before
// showing or saving them.
func (p *Page) Console() []ConsoleMessage {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]ConsoleMessage(nil), p.console...)
}

// recordConsole keeps a console API call; it runs on the tab's loop.
func (p *Page) recordConsole(ev *runtime.EventConsoleAPICalled) {
	parts := make([]string, 0, len(ev.Args))
	for _, a := range ev.Args {
		switch {
		case len(a.Value) > 0:
			parts = append(parts, strings.Trim(string(a.Value), `"`))
		case a.Description != "":
			parts = append(parts, a.Description)
		default:
			parts = append(parts, string(a.Type))
		}
	}
	m := ConsoleMessage{Type: string(ev.Type), Text: strings.Join(parts, " "), Time: time.Now()}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.console) == maxConsole {
		p.console = append(p.console[:0], p.console[1:]...)
	}
	p.console = append(p.console, m)
}

// Screenshot returns a PNG of what the tab shows now: for a person looking
// at why a check failed.
func (p *Page) Screenshot(ctx context.Context) ([]byte, error) {
	if err := p.alive(ctx); err != nil {
		return nil, err
	}
	res, err := cdp.Call(ctx, p.target, page.CaptureScreenshot, page.CaptureScreenshotParams{
		Format: page.CaptureScreenshotFormatPng,
	})
	if err != nil {
		return nil, fmt.Errorf("taking a screenshot: %w", p.fail(ctx, err))
	}
	return res.Data, nil
}
