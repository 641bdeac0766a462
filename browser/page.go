package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/inspector"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/wxctl/wxctl/scripts"
)

// Page is one browser tab. Its network recorder runs from the tab's first
// event, so Calls sees every request the app makes; the answer to the
// log-in (webwxnewloginpage) is read while the browser holds it
// (intercept.go), and every dialog the page opens is answered at once
// (Dialogs). Its methods are safe for
// concurrent use, and calls may be in flight together; an Open replaces the
// document under the calls in flight, though.
type Page struct {
	b      *Browser
	ctx    context.Context // the tab's chromedp context
	cancel context.CancelFunc
	target *chromedp.Target
	frame  cdp.FrameID // the main frame, whose id is the target's
	// keptTab: the page is a visible browser's first tab, which Close
	// leaves open (blank) to keep the window and so the browser.
	keptTab bool
	rec     *recorder

	mu         sync.Mutex
	changed    chan struct{} // closed and replaced when contexts change
	contexts   map[cdp.FrameID]execContext
	gen        int // counts the default contexts created so far
	exceptions []Exception
	console    []ConsoleMessage
	dialogs    []Dialog
	// uosToken is the desktop client's extspam token once EnableUOS asked
	// for it: webwxnewloginpage requests then carry it.
	uosToken string
	// refusalSeen is the Seq of the last refused log-in that Login or
	// CheckSession reported: a later one looks past it (see loginRefusals).
	refusalSeen int
	// openedURL and openedAt are the address and time of the last Open:
	// the page of the HAR.
	openedURL string
	openedAt  time.Time

	// crashed ends when the tab's renderer crashes: the calls in flight
	// then fail at once instead of at their deadlines.
	crashed context.Context
	crash   context.CancelFunc

	closeOnce sync.Once
}

// execContext is the default JavaScript context of one frame's document.
// Calls name it by its unique id, which the browser refuses once the
// document is gone, where a plain id could name a context of another
// process after a cross-site navigation.
type execContext struct {
	uniqueID string
	gen      int
}

// Exception is an uncaught JavaScript exception (or unhandled rejection) in
// the page.
type Exception struct {
	Message string // the error's text and stack, as the console shows it
	URL     string
	Line    int64 // 0-based, as the protocol counts
	Column  int64
	Time    time.Time
}

// NewPage opens a new tab with the network recorder attached from the
// start. ctx bounds the opening only; the tab lives until Close.
func (b *Browser) NewPage(ctx context.Context) (*Page, error) {
	b.mu.Lock()
	closing := b.closing
	b.mu.Unlock()
	if closing || b.lost() {
		return nil, b.goneError(nil)
	}
	crashed, crash := context.WithCancel(context.Background())
	p := &Page{
		b:        b,
		crashed:  crashed,
		crash:    crash,
		rec:      newRecorder(),
		changed:  make(chan struct{}),
		contexts: make(map[cdp.FrameID]execContext),
	}
	tab, cancel, kept, err := b.openTab(ctx, p.onEvent)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("opening a tab: %w", ctx.Err())
		}
		if b.lost() {
			return nil, b.goneError(err)
		}
		return nil, fmt.Errorf("opening a tab: %w", err)
	}
	c := chromedp.FromContext(tab)
	p.ctx, p.cancel, p.target, p.keptTab = tab, cancel, c.Target, kept
	p.frame = cdp.FrameID(c.Target.TargetID)
	go p.rec.run(tab, c.Target)
	if err := p.interceptLogin(ctx); err != nil {
		_ = p.Close()
		return nil, fmt.Errorf("opening a tab: %w", err)
	}

	b.mu.Lock()
	if b.closing {
		b.mu.Unlock()
		_ = p.Close()
		return nil, b.goneError(nil)
	}
	b.pages[p] = struct{}{}
	b.mu.Unlock()
	return p, nil
}

// openTab attaches a new chromedp context to a tab: a headless launched
// browser's own first tab while it is unused (opening another costs a
// round trip and a second renderer start), else a new one. listen is added
// before the tab's first command, so it sees the execution contexts that
// Runtime.enable reports at once.
func (b *Browser) openTab(ctx context.Context, listen func(any)) (tab context.Context, cancel context.CancelFunc, kept bool, err error) {
	open := func(opts ...chromedp.ContextOption) (context.Context, context.CancelFunc, error) {
		tab, cancel := chromedp.NewContext(b.ctx, append(opts, chromedp.WithListener(listen))...)
		// The first run attaches the tab for the tab context's whole life,
		// so it must not carry ctx's deadline.
		if err := runFirst(ctx, func() error { return chromedp.Do(tab) }, cancel); err != nil {
			cancel()
			return nil, nil, err
		}
		return tab, cancel, nil
	}
	b.mu.Lock()
	spare := b.spare
	b.spare = ""
	b.mu.Unlock()
	if spare != "" {
		opts := []chromedp.ContextOption{chromedp.WithTargetID(spare)}
		if b.visible {
			// A visible browser quits with its last window: closing
			// the page leaves this tab open, blanked (see Page.Close).
			opts = append(opts, chromedp.WithDetachOnCancel())
		}
		tab, cancel, err = open(opts...)
		if err == nil || ctx.Err() != nil {
			return tab, cancel, err == nil && b.visible, err
		}
		// Gone meanwhile (closed through another DevTools client, or its
		// renderer died): open another.
	}
	tab, cancel, err = open()
	return tab, cancel, false, err
}

// Close closes the tab and stops its recorder. It is idempotent.
func (p *Page) Close() error {
	var err error
	p.closeOnce.Do(func() {
		if p.keptTab && p.ctx.Err() == nil {
			// The tab stays, to keep the window: blank it, so that the
			// app in it stops (its polling holds the session).
			ctx, cancel := context.WithTimeout(p.ctx, 2*time.Second)
			_, _ = cdp.Call(ctx, p.target, page.Navigate, page.NavigateParams{URL: "about:blank"})
			cancel()
		}
		err = chromedp.Cancel(p.ctx)
		p.cancel()
		<-p.rec.done
		p.crash() // releases the context; p.ctx is checked first, so this reads as closed
		p.b.mu.Lock()
		delete(p.b.pages, p)
		p.b.mu.Unlock()
		if p.b.lost() {
			err = nil // the tab went with the browser
		}
	})
	return err
}

// noAppGrace is how long Open still waits for AngularJS once the page has
// loaded without it.
const noAppGrace = 3 * time.Second

// pollInterval is how often Open looks for the app. A timer, because a
// hidden tab gets no animation frames.
const pollInterval = 20 * time.Millisecond

// Open navigates to url and waits until the AngularJS app in it is running
// (its injector exists), until ctx ends. It does not wait for the load
// event, which on web WeChat can take 25 s (the app long-polls through
// script tags). When the app does not come up it returns a *NotAppError
// (ErrAppNotReady) saying what the page was instead: title, text, whether it
// shows the 1203 refusal; a page that does not load at all (connection
// refused) gives a *NotAppError with NavError.
func (p *Page) Open(ctx context.Context, url string) error {
	if err := p.alive(ctx); err != nil {
		return err
	}
	mark := p.contextGen()
	p.mu.Lock()
	p.openedURL, p.openedAt = url, time.Now()
	p.mu.Unlock()
	opctx, stop := p.opContext(ctx)
	// Page.navigate answers once the server has answered (or failed).
	res, err := cdp.Call(opctx, p.target, page.Navigate, page.NavigateParams{URL: url})
	stop()
	if err != nil {
		if ctx.Err() != nil && p.alive(context.Background()) == nil {
			p.stopLoading()
			return &NotAppError{URL: url, NavError: "the server did not answer in time", Err: ctx.Err()}
		}
		return fmt.Errorf("open %s: %w", url, p.fail(ctx, err))
	}
	if res.ErrorText != "" {
		return &NotAppError{URL: url, NavError: res.ErrorText}
	}
	if res.LoaderID == "" {
		mark = 0 // same-document navigation: the document stays, and so does its context
	}
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	var bare time.Time // when the page was first seen loaded without AngularJS
	for {
		raw, err := p.run(ctx, scripts.Ready, mark, nil)
		if err == nil && string(raw) == "true" {
			return nil
		}
		// Web WeChat has AngularJS before its load event; a page loaded
		// without it is something else. A grace lets a script the page
		// adds late bring it, before Open says so rather than wait the
		// whole deadline.
		switch {
		case err != nil || string(raw) != `"no-angular"`:
			bare = time.Time{}
		case bare.IsZero():
			bare = time.Now()
		case time.Since(bare) >= noAppGrace:
			return p.notApp(ctx, url, mark)
		}
		// Errors while the new document comes up (its context replaced
		// mid-call) are part of loading; only a dead tab or browser ends
		// the wait early.
		if err := p.alive(ctx); err != nil && ctx.Err() == nil {
			return err
		}
		select {
		case <-ctx.Done():
			return p.notApp(ctx, url, mark)
		case <-tick.C:
		}
	}
}

// stopLoading stops a navigation that Open gave up on, so that the tab does
// not go on waiting for the server.
func (p *Page) stopLoading() {
	ctx, cancel := context.WithTimeout(p.ctx, 2*time.Second)
	defer cancel()
	_, _ = cdp.Call(ctx, p.target, page.StopLoading, cdp.Empty{})
}

// notApp describes the page after the app did not come up in time. mark is
// the context count before the navigation: no context since means the new
// document never came, and the one there is the old page.
func (p *Page) notApp(ctx context.Context, url string, mark int) error {
	e := &NotAppError{URL: url, Err: ctx.Err()}
	if ctx.Err() == nil {
		e.Loaded = true
	}
	if mark > 0 && p.contextGen() == mark {
		e.NavError = "the server did not answer in time"
		return e
	}
	// ctx is over; the description gets a moment of its own.
	ictx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
	defer cancel()
	raw, err := p.run(ictx, scripts.PageInfo, 0, []any{200})
	if err != nil {
		return e
	}
	var info struct {
		URL     string `json:"url"`
		Title   string `json:"title"`
		Snippet string `json:"snippet"`
		Blocked bool   `json:"blocked"`
	}
	if json.Unmarshal(raw, &info) == nil {
		e.FinalURL, e.Title, e.Snippet, e.Blocked = info.URL, info.Title, info.Snippet, info.Blocked
	}
	return e
}

// Exceptions returns the uncaught exceptions of the page so far, in order.
// Tests fail on them.
func (p *Page) Exceptions() []Exception {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Exception(nil), p.exceptions...)
}

// onEvent receives every event of the tab, in order, on the tab's message
// loop: it only records, under a lock, and runs no command (a command would
// wait for the loop it blocks); the recorder's goroutine reads the bodies.
func (p *Page) onEvent(ev any) {
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent, *network.EventResponseReceived,
		*network.EventLoadingFinished, *network.EventLoadingFailed,
		*network.EventRequestWillBeSentExtraInfo, *network.EventResponseReceivedExtraInfo:
		p.rec.onEvent(ev)
	case *runtime.EventExecutionContextCreated:
		var aux struct {
			IsDefault bool        `json:"isDefault"`
			FrameID   cdp.FrameID `json:"frameId"`
		}
		if json.Unmarshal(ev.Context.AuxData, &aux) != nil || !aux.IsDefault || aux.FrameID == "" {
			return
		}
		p.mu.Lock()
		p.gen++
		p.contexts[aux.FrameID] = execContext{uniqueID: ev.Context.UniqueID, gen: p.gen}
		p.broadcastLocked()
		p.mu.Unlock()
	case *runtime.EventExecutionContextDestroyed:
		p.mu.Lock()
		for f, c := range p.contexts {
			if c.uniqueID == ev.ExecutionContextUniqueID {
				delete(p.contexts, f)
			}
		}
		p.mu.Unlock()
	case *runtime.EventExecutionContextsCleared:
		p.mu.Lock()
		clear(p.contexts)
		p.mu.Unlock()
	case *runtime.EventConsoleAPICalled:
		p.recordConsole(ev)
	case *fetch.EventRequestPaused:
		p.paused(ev)
	case *page.EventJavascriptDialogOpening:
		p.dialogOpened(ev)
	case *inspector.EventTargetCrashed:
		p.crash()
	case *runtime.EventExceptionThrown:
		p.mu.Lock()
		p.exceptions = append(p.exceptions, newException(ev))
		p.mu.Unlock()
	}
}

func newException(ev *runtime.EventExceptionThrown) Exception {
	d := ev.ExceptionDetails
	e := Exception{
		Message: d.Text,
		URL:     d.URL,
		Line:    d.LineNumber,
		Column:  d.ColumnNumber,
		Time:    time.UnixMilli(int64(ev.Timestamp)),
	}
	if d.Exception != nil && d.Exception.Description != "" {
		e.Message = d.Text + " " + d.Exception.Description
	}
	return e
}

func (p *Page) broadcastLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *Page) contextGen() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.gen
}

// mainContext waits for the main frame's default context, one created after
// the after'th context (a navigation's new document), and returns it.
func (p *Page) mainContext(ctx context.Context, after int) (execContext, error) {
	for {
		p.mu.Lock()
		c, ok := p.contexts[p.frame]
		changed := p.changed
		p.mu.Unlock()
		if ok && c.gen > after {
			return c, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return execContext{}, ctx.Err()
		case <-p.ctx.Done():
			return execContext{}, p.fail(ctx, p.ctx.Err())
		}
	}
}

// forgetContext drops c after the browser said it no longer exists, so that
// mainContext waits for its successor.
func (p *Page) forgetContext(c execContext) {
	p.mu.Lock()
	if p.contexts[p.frame].uniqueID == c.uniqueID {
		delete(p.contexts, p.frame)
	}
	p.mu.Unlock()
}

// opContext is ctx that also ends with the tab, for protocol calls.
func (p *Page) opContext(ctx context.Context) (context.Context, context.CancelFunc) {
	opctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(p.ctx, cancel)
	stopCrash := context.AfterFunc(p.crashed, cancel)
	return opctx, func() {
		stop()
		stopCrash()
		cancel()
	}
}

// alive returns the error that says why the page can no longer be used, or
// nil.
func (p *Page) alive(ctx context.Context) error {
	if p.b.lost() {
		return p.b.goneError(nil)
	}
	if p.ctx.Err() != nil {
		return ErrPageClosed
	}
	if p.crashed.Err() != nil {
		return ErrPageCrashed
	}
	return ctx.Err()
}

// fail explains err from a protocol call: the caller's context ended, the
// browser went away, or the tab was closed; else err itself.
func (p *Page) fail(ctx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		if errors.Is(err, ctx.Err()) {
			return err
		}
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	case p.b.lost():
		return p.b.goneError(err)
	case p.ctx.Err() != nil:
		return ErrPageClosed
	case p.crashed.Err() != nil:
		return ErrPageCrashed
	}
	return err
}
