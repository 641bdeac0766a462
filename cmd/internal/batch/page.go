package batch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wxctl/wxctl/browser"
	"github.com/wxctl/wxctl/scripts"
)

// probeTimeout bounds the check that the page still runs the app: a live
// page answers in milliseconds.
const probeTimeout = 3 * time.Second

// healthyPage returns the tab, after checking that it still runs the app.
// A tab that crashed, hung or was closed is replaced by a new one with the
// app opened again; a create in flight there has its intent on record and
// is looked up.
func (r *batchRun) healthyPage(ctx context.Context) (*browser.Page, error) {
	r.pageMu.Lock()
	defer r.pageMu.Unlock()
	p := r.sess.Tab()
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	raw, err := p.Run(pctx, scripts.Ready)
	cancel()
	switch {
	case err == nil && string(raw) == "true":
		return p, nil
	case ctx.Err() != nil:
		return nil, context.Cause(ctx)
	case errors.Is(err, browser.ErrBrowserGone):
		return nil, err
	case err == nil:
		err = errors.New("the app is gone from it")
	case errors.Is(err, context.DeadlineExceeded):
		err = fmt.Errorf("no answer within %s", probeTimeout)
	}
	r.progress.Note("the page stopped answering (%v): opening web WeChat again in a new tab", err)
	return r.reopen(ctx, p)
}

// reopen replaces the tab old with a new one running the app, logged in
// (the profile's cookies hold the session), its contacts loaded. Groups the
// app is still loading do not stop the run: a look-up waits for them
// itself and, if they do not come, leaves its group unknown; the friends
// and UserNames of the login session stay those of the first tab.
func (r *batchRun) reopen(ctx context.Context, old *browser.Page) (*browser.Page, error) {
	p, err := r.sess.Replace(ctx, old)
	if err != nil {
		return nil, fmt.Errorf("opening a new tab for the page that stopped answering: %w", err)
	}
	octx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	if err := p.Open(octx, r.sess.AppURL()); err != nil {
		return nil, err
	}
	book, err := browser.LoadContacts(octx, p)
	var loading *browser.GroupsLoadingError
	switch {
	case errors.As(err, &loading):
		r.progress.Note("the new tab: %v", err)
	case err != nil:
		return nil, err
	default:
		r.book = book
	}
	r.sess.Watch(p)
	return p, nil
}
