package browser

import (
	"context"
	"fmt"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
)

// The app alert()s now and then (a refused log-in, a failed upload, more
// than 200 people picked), and a page with an open dialog runs no script
// until the dialog is answered: every Call would wait. So each tab answers
// every dialog as it opens, for its whole life, and keeps what it said for
// those who ask (a log-in reads the refusal's text from it).

// Dialog is a JavaScript dialog the page opened.
type Dialog struct {
	Seq     int             // 1, 2, … in the order they opened
	Type    page.DialogType // alert, confirm, prompt or beforeunload
	Message string
	URL     string // of the document that opened it
	Time    time.Time
}

// dialogOpened records a dialog and answers it on a goroutine of its own
// (onEvent may run no command): alerts and leave-the-page questions are
// accepted, as a person clicking OK would; confirm and prompt are dismissed,
// so that nothing is agreed to that nobody asked for.
func (p *Page) dialogOpened(ev *page.EventJavascriptDialogOpening) {
	p.mu.Lock()
	d := Dialog{Seq: len(p.dialogs) + 1, Type: ev.Type, Message: ev.Message, URL: ev.URL, Time: time.Now()}
	p.dialogs = append(p.dialogs, d)
	p.broadcastLocked()
	p.mu.Unlock()
	accept := ev.Type != page.DialogTypeConfirm && ev.Type != page.DialogTypePrompt
	go func() {
		// An error means the dialog or the tab is gone already.
		_, _ = cdp.Call(p.ctx, p.target, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: accept})
	}()
}

// Dialogs returns the dialogs the page opened so far, in order; each was
// answered as it opened.
func (p *Page) Dialogs() []Dialog {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Dialog(nil), p.dialogs...)
}

// waitDialog returns the first dialog after Seq after for which match is
// true, waiting until ctx ends.
func (p *Page) waitDialog(ctx context.Context, after int, match func(Dialog) bool) (Dialog, error) {
	for {
		p.mu.Lock()
		ds := p.dialogs[min(after, len(p.dialogs)):]
		changed := p.changed
		p.mu.Unlock()
		for _, d := range ds {
			after = d.Seq
			if match(d) {
				return d, nil
			}
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return Dialog{}, fmt.Errorf("waiting for a dialog: %w", ctx.Err())
		case <-p.ctx.Done():
			return Dialog{}, fmt.Errorf("waiting for a dialog: %w", p.alive(context.Background()))
		}
	}
}
