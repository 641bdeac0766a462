package browser

import (
	"context"
	"fmt"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
)

// The answer of webwxnewloginpage decides a log-in, and the real page acts
// on a refusal at once: it alerts the server's message and reloads, and
// after the reload the browser may no longer give the old document's bodies
// to Network.getResponseBody. So every tab pauses that one request with the
// DevTools Fetch domain at the response stage, reads the answer, hands it
// to the recorder and only then lets the page have it. The same pause at
// the request stage adds the desktop client's headers for --uos (uos.go).
// No other request is paused, and a paused one always goes on, whatever
// went wrong while it was held.

// answerReadMax bounds the read of a paused answer, so that the request
// goes on even when the browser does not reply.
const answerReadMax = 5 * time.Second

// interceptLogin enables the Fetch domain of the tab for webwxnewloginpage:
// at the response stage always, and at the request stage too once the
// desktop log-in is asked for. Fetch.enable replaces the patterns of an
// earlier call, so each call states them all.
func (p *Page) interceptLogin(ctx context.Context) error {
	p.mu.Lock()
	uos := p.uosToken != ""
	p.mu.Unlock()
	patterns := []*fetch.RequestPattern{{URLPattern: loginPagePattern, RequestStage: fetch.RequestStageResponse}}
	if uos {
		patterns = append(patterns, &fetch.RequestPattern{URLPattern: loginPagePattern, RequestStage: fetch.RequestStageRequest})
	}
	opctx, stop := p.opContext(ctx)
	defer stop()
	if _, err := cdp.Call(opctx, p.target, fetch.Enable, fetch.EnableParams{Patterns: patterns}); err != nil {
		return fmt.Errorf("watching webwxnewloginpage: %w", p.fail(ctx, err))
	}
	return nil
}

// paused lets a request the Fetch domain paused go on, on a goroutine of its
// own (onEvent may run no command): at the response stage after reading a
// webwxnewloginpage answer into the recorder, at the request stage with the
// desktop client's headers when they are asked for.
func (p *Page) paused(ev *fetch.EventRequestPaused) {
	go func() {
		params := fetch.ContinueRequestParams{RequestID: ev.RequestID}
		url := ""
		if ev.Request != nil {
			url = ev.Request.URL
		}
		switch {
		case !isLoginPage(url):
			// The pattern also matches URLs that merely mention the name.
		case ev.ResponseStatusCode != 0 || ev.ResponseErrorReason != "":
			// A redirect is not the answer: the request goes on, under
			// the same id, to the one that is.
			redirect := ev.ResponseStatusCode >= 300 && ev.ResponseStatusCode < 400
			if ev.ResponseErrorReason == "" && ev.NetworkID != "" && !redirect {
				p.readAnswer(ev)
			}
		default:
			p.mu.Lock()
			token := p.uosToken
			p.mu.Unlock()
			if token != "" {
				params.Headers = uosHeaders(ev.Request.Headers, token)
			}
		}
		// An error means the request or the tab is gone: nothing waits for
		// it any more.
		_, _ = cdp.Call(p.ctx, p.target, fetch.ContinueRequest, params)
	}()
}

// readAnswer reads the answer of a paused request and gives it to the
// recorder, which then takes it instead of asking Network.getResponseBody.
// A redirect or an empty answer has no body to read: the recorder then asks
// as usual.
func (p *Page) readAnswer(ev *fetch.EventRequestPaused) {
	ctx, cancel := context.WithTimeout(p.ctx, answerReadMax)
	defer cancel()
	res, err := cdp.Call(ctx, p.target, fetch.GetResponseBody, fetch.GetResponseBodyParams{RequestID: ev.RequestID})
	if err != nil {
		return
	}
	p.rec.answered(ev.NetworkID, int(ev.ResponseStatusCode), res.Body)
}
