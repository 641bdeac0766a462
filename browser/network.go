package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
)

// apiPath marks the app's own API requests, the ones the recorder keeps.
const apiPath = "/cgi-bin/mmwebwx-bin/"

// NetCall is one request the page made to the app's API (a URL whose path
// holds /cgi-bin/mmwebwx-bin/), as the page's own network traffic showed it.
type NetCall struct {
	Seq      int    // 1, 2, … in the order the requests started
	Endpoint string // last path element: "webwxcreatechatroom"
	URL      string
	Method   string
	// RequestBody and ResponseBody are the bodies as JSON: the body itself
	// when it is JSON, else the text as a JSON string (the synccheck answer
	// is JavaScript); nil when there is none. They hold the session's
	// secrets: pass them through Redact before showing them.
	RequestBody  json.RawMessage
	Status       int // HTTP status; 0 when no answer came
	ResponseBody json.RawMessage
	Err          string // the browser's error text when the request failed
	Done         bool   // the request finished (or failed) and its bodies were read
	// BodiesDropped is true when the recorder let the bodies and the
	// headers go to bound its memory (see maxBodyBytes); the rest of the
	// call stays.
	BodiesDropped bool
	Started       time.Time
	Duration      time.Duration
	// RequestHeaders and ResponseHeaders are the headers as the Network
	// domain told them: the ones on the wire when the browser said so
	// (cookies included), else those the page set. They hold the session's
	// cookies: pass them through Redact (or WriteHAR) before showing them.
	RequestHeaders  map[string]string
	ResponseHeaders map[string]string
	StatusText      string // "OK"; "" when no answer came
	MimeType        string // of the answer, as the browser read it
	Protocol        string // "http/1.1", "h2", …; "" when no answer came
	// Timing is how the time of the request was spent, when the browser
	// measured it (see Timing); nil for a call not done.
	Timing *Timing
}

// Timing is the phases of one request, from the Network domain's
// ResourceTiming and the request's start and end events. A phase that did
// not happen (no DNS look-up on a reused connection) is -1; the others are
// 0 or more. SSL is part of Connect, as HAR counts them; the sum of the
// others is the call's Duration, give or take the rounding of the
// browser's clock.
type Timing struct {
	Blocked, DNS, Connect, SSL, Send, Wait, Receive time.Duration
}

// recorder keeps the API calls of one tab. The tab's listener records the
// events in order (Seq is assigned there, so a Seq taken before a Call is
// lower than that of every request the Call causes); a goroutine reads the
// bodies, which needs commands.
type recorder struct {
	mu      sync.Mutex
	calls   []NetCall // the newest calls, at most maxCalls; Seq dropped+1 first
	dropped int       // how many of the oldest calls were let go
	bodies  int       // bytes of the bodies held
	bare    int       // calls[:bare] were looked at for dropping bodies
	open    map[network.RequestID]*inFlight
	// early holds answers read at the response stage (answered) of
	// requests whose requestWillBeSent has not come yet: the browser may
	// send the paused event first.
	early    map[network.RequestID]earlyAnswer
	earlySeq int
	// wire holds the wire headers (requestWillBeSentExtraInfo) of requests
	// not seen yet, which the browser may report first; wireOrder is their
	// arrival order, to let the oldest go: most are of requests the
	// recorder does not keep (scripts, images).
	wire      map[network.RequestID]map[string]string
	wireOrder []network.RequestID
	queue     []network.RequestID // finished requests whose bodies are to be read
	wake      chan struct{}       // a queued request, for run
	changed   chan struct{}       // closed and replaced when a call is done
	done      chan struct{}       // closed when run returns
}

// A page that runs for hours (a batch of groups, the push channel polling
// all the time) must not grow without end, so the recorder keeps at most
// maxCalls calls, letting the oldest go in chunks, and the bodies of the
// newest keptBodies calls; older calls keep theirs while all bodies held
// stay under maxBodyBytes. The newest calls are the ones a WaitCall still
// has to look at, so what it reads keeps its bodies.
const (
	maxCalls     = 1024
	keptBodies   = 256
	maxBodyBytes = 512 << 10
)

// inFlight is what the recorder knows of a request before it is done.
type inFlight struct {
	seq      int
	start    cdp.MonotonicTime
	end      cdp.MonotonicTime
	status   int
	errText  string
	failed   bool
	postData bool   // the request has a body
	body     []byte // the request body, when the event carried it
	// reqHeaders and respHeaders are the headers the main events carried;
	// wireReq and wireResp those of the ExtraInfo events, which hold what
	// went over the wire (cookies included) and are preferred.
	reqHeaders, respHeaders, wireReq, wireResp map[string]string
	statusText, mimeType, protocol             string
	timing                                     *network.ResourceTiming
	// answer is the response body read while the request was paused
	// (intercept.go), taken instead of asking for it after the fact.
	answer   []byte
	answered bool
}

// earlyAnswer is an answer that came before its request was seen.
type earlyAnswer struct {
	status int
	body   []byte
	seq    int // the order they came in, to let the oldest go
}

// maxWire bounds the wire headers kept for requests not seen yet: they
// come just before their request, so only the newest few matter.
const maxWire = 64

// keepWire keeps the wire headers of a request not seen yet.
func (r *recorder) keepWire(id network.RequestID, h map[string]string) {
	if len(r.wireOrder) >= maxWire {
		delete(r.wire, r.wireOrder[0])
		r.wireOrder = r.wireOrder[1:]
	}
	r.wire[id] = h
	r.wireOrder = append(r.wireOrder, id)
}

// maxEarly bounds the answers kept for requests not seen (yet): only the
// log-in's answers are read early, a few per page at most.
const maxEarly = 16

func newRecorder() *recorder {
	return &recorder{
		open:    make(map[network.RequestID]*inFlight),
		early:   make(map[network.RequestID]earlyAnswer),
		wire:    make(map[network.RequestID]map[string]string),
		wake:    make(chan struct{}, 1),
		changed: make(chan struct{}),
		done:    make(chan struct{}),
	}
}

// onEvent runs on the tab's message loop: it must be fast and run no
// command.
func (r *recorder) onEvent(ev any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		r.started(ev)
	case *network.EventResponseReceived:
		if f := r.open[ev.RequestID]; f != nil && ev.Response != nil {
			resp := ev.Response
			f.status = int(resp.Status)
			f.statusText, f.mimeType, f.protocol = resp.StatusText, resp.MimeType, resp.Protocol
			f.respHeaders, f.timing = headerMap(resp.Headers), resp.Timing
		}
	case *network.EventRequestWillBeSentExtraInfo:
		if f := r.open[ev.RequestID]; f != nil {
			f.wireReq = headerMap(ev.Headers)
		} else {
			r.keepWire(ev.RequestID, headerMap(ev.Headers))
		}
	case *network.EventResponseReceivedExtraInfo:
		if f := r.open[ev.RequestID]; f != nil {
			f.wireResp = headerMap(ev.Headers)
		}
	case *network.EventLoadingFinished:
		if f := r.open[ev.RequestID]; f != nil {
			f.end = ev.Timestamp
			r.enqueue(ev.RequestID)
		}
	case *network.EventLoadingFailed:
		if f := r.open[ev.RequestID]; f != nil {
			f.end, f.failed, f.errText = ev.Timestamp, true, ev.ErrorText
			if f.errText == "" && ev.Canceled {
				f.errText = "canceled"
			}
			r.enqueue(ev.RequestID)
		}
	}
}

func (r *recorder) started(ev *network.EventRequestWillBeSent) {
	req := ev.Request
	if req == nil || !strings.Contains(req.URL, apiPath) {
		return
	}
	switch ev.Type {
	case network.ResourceTypeImage, network.ResourceTypeMedia, network.ResourceTypeFont, network.ResourceTypeStylesheet:
		return // avatars (webwxgetheadimg) and media live under the API path too
	}
	u, err := url.Parse(req.URL)
	if err != nil || !strings.Contains(u.Path, apiPath) {
		return
	}
	if f := r.open[ev.RequestID]; f != nil {
		// A redirect keeps the request id: the same call, now at req.URL.
		if c := r.call(f.seq); c != nil {
			c.URL = req.URL
		}
		return
	}
	var body []byte
	for _, e := range req.PostDataEntries {
		body = append(body, e.Bytes...)
	}
	if len(r.calls) >= maxCalls {
		n := maxCalls / 4
		for _, c := range r.calls[:n] {
			r.bodies -= c.heldBytes()
		}
		r.calls = append(r.calls[:0], r.calls[n:]...)
		r.dropped += n
		r.bare = max(0, r.bare-n)
	}
	seq := r.dropped + len(r.calls) + 1
	r.calls = append(r.calls, NetCall{
		Seq:      seq,
		Endpoint: path.Base(u.Path),
		URL:      req.URL,
		Method:   req.Method,
		Started:  time.UnixMicro(int64(float64(ev.WallTime) * 1e6)),
	})
	f := &inFlight{
		seq:        seq,
		start:      ev.Timestamp,
		postData:   req.HasPostData,
		body:       body,
		reqHeaders: headerMap(req.Headers),
	}
	r.open[ev.RequestID] = f
	if h, ok := r.wire[ev.RequestID]; ok {
		f.wireReq = h
		delete(r.wire, ev.RequestID) // its place in wireOrder goes with the oldest
	}
	if a, ok := r.early[ev.RequestID]; ok {
		delete(r.early, ev.RequestID)
		r.answeredLocked(ev.RequestID, f, a.status, a.body)
	}
}

// answered takes the answer of request id, read while the browser held it
// at the response stage: the page may reload as soon as it has the answer,
// after which Network.getResponseBody may no longer find it, and the
// request's own loadingFinished may not even come. A request whose body is
// known already (a GET) is done at once, before the page sees the answer;
// else finish completes it with this answer.
func (r *recorder) answered(id network.RequestID, status int, body []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f := r.open[id]
	if f != nil {
		r.answeredLocked(id, f, status, body)
		return
	}
	if len(r.early) >= maxEarly {
		oldest, first := network.RequestID(""), 0
		for k, a := range r.early {
			if oldest == "" || a.seq < first {
				oldest, first = k, a.seq
			}
		}
		delete(r.early, oldest)
	}
	r.earlySeq++
	r.early[id] = earlyAnswer{status: status, body: body, seq: r.earlySeq}
}

// answeredLocked takes the answer for f, and completes its call when its
// request body is known.
func (r *recorder) answeredLocked(id network.RequestID, f *inFlight, status int, body []byte) {
	f.answer, f.answered, f.status = body, true, status
	if !f.postData || f.body != nil {
		r.completeLocked(id, f.body, body, nil)
	}
}

// call returns the held call with seq, or nil when it was let go.
func (r *recorder) call(seq int) *NetCall {
	i := seq - 1 - r.dropped
	if i < 0 || i >= len(r.calls) {
		return nil
	}
	return &r.calls[i]
}

func (r *recorder) enqueue(id network.RequestID) {
	r.queue = append(r.queue, id)
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// run reads the bodies of finished requests until the tab's context ends.
func (r *recorder) run(ctx context.Context, t cdp.Session) {
	defer close(r.done)
	for {
		r.mu.Lock()
		var id network.RequestID
		if len(r.queue) > 0 {
			id, r.queue = r.queue[0], r.queue[1:]
		}
		r.mu.Unlock()
		if id == "" {
			select {
			case <-r.wake:
				continue
			case <-ctx.Done():
				return
			}
		}
		r.finish(ctx, t, id)
	}
}

// finish reads the bodies of one request and marks its call done.
func (r *recorder) finish(ctx context.Context, t cdp.Session, id network.RequestID) {
	r.mu.Lock()
	f := r.open[id]
	r.mu.Unlock()
	if f == nil {
		return
	}
	reqBody := f.body
	var notes []string
	if f.postData && reqBody == nil {
		// Large bodies are not in the event.
		res, err := cdp.Call(ctx, t, network.GetRequestPostData, network.GetRequestPostDataParams{RequestID: id})
		if err != nil {
			notes = append(notes, fmt.Sprintf("request body unavailable: %v", err))
		} else {
			reqBody = res.PostData
		}
	}
	r.mu.Lock()
	respBody, answered := f.answer, f.answered
	r.mu.Unlock()
	if !f.failed && !answered {
		res, err := cdp.Call(ctx, t, network.GetResponseBody, network.GetResponseBodyParams{RequestID: id})
		if err != nil {
			notes = append(notes, fmt.Sprintf("response body unavailable: %v", err))
		} else {
			respBody = res.Body
		}
	}
	if ctx.Err() != nil {
		return // the tab closed: the call stays not done
	}
	r.complete(id, reqBody, respBody, notes)
}

// complete marks the call of request id done with its bodies.
func (r *recorder) complete(id network.RequestID, reqBody, respBody []byte, notes []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.completeLocked(id, reqBody, respBody, notes)
}

// completeLocked is complete with r.mu held.
func (r *recorder) completeLocked(id network.RequestID, reqBody, respBody []byte, notes []string) {
	f := r.open[id]
	if f == nil {
		return
	}
	delete(r.open, id)
	defer r.broadcastLocked()
	c := r.call(f.seq)
	if c == nil {
		return // let go while in flight
	}
	c.RequestBody = jsonBody(reqBody)
	c.ResponseBody = jsonBody(respBody)
	c.Status = f.status
	if f.errText != "" {
		notes = append([]string{f.errText}, notes...)
	}
	c.Err = strings.Join(notes, "; ")
	c.Duration = time.Duration(float64(f.end-f.start) * float64(time.Second))
	if f.end == 0 {
		// Done at the response stage (answered): the answer is all there.
		c.Duration = time.Since(c.Started)
	}
	c.RequestHeaders, c.ResponseHeaders = f.reqHeaders, f.respHeaders
	if f.wireReq != nil {
		c.RequestHeaders = f.wireReq
	}
	if f.wireResp != nil {
		c.ResponseHeaders = f.wireResp
	}
	c.StatusText, c.MimeType, c.Protocol = f.statusText, f.mimeType, f.protocol
	c.Timing = phases(f, c.Duration)
	c.Done = true
	r.bodies += c.heldBytes()
	r.dropBodiesLocked()
}

// dropBodiesLocked lets the bodies and headers of the oldest done calls go
// while those held pass maxBodyBytes, sparing the newest keptBodies calls.
func (r *recorder) dropBodiesLocked() {
	for r.bodies > maxBodyBytes && r.bare < len(r.calls)-keptBodies {
		c := &r.calls[r.bare]
		r.bare++
		if !c.Done || c.heldBytes() == 0 {
			continue // a call in flight keeps what it gets
		}
		r.bodies -= c.heldBytes()
		c.RequestBody, c.ResponseBody, c.BodiesDropped = nil, nil, true
		c.RequestHeaders, c.ResponseHeaders = nil, nil
	}
}

// heldBytes is what the bodies and headers of c weigh, for the recorder's
// budget: a header's name and value, plus what a map entry costs.
func (c *NetCall) heldBytes() int {
	n := len(c.RequestBody) + len(c.ResponseBody)
	for _, h := range []map[string]string{c.RequestHeaders, c.ResponseHeaders} {
		for k, v := range h {
			n += len(k) + len(v) + 48
		}
	}
	return n
}

// headerMap copies the protocol's headers as strings: the browser joins
// repeated headers with newlines into one value.
func headerMap(h network.Headers) map[string]string {
	if len(h) == 0 {
		return nil
	}
	m := make(map[string]string, len(h))
	for k, v := range h {
		if s, ok := v.(string); ok {
			m[k] = s
		} else {
			m[k] = fmt.Sprint(v)
		}
	}
	return m
}

// phases splits the duration d of request f as HAR does (Chrome DevTools'
// export computes the same): blocked until the first of DNS, connect or
// send began (the time queued before the browser's requestTime included),
// then DNS, connect, send; wait until the answer's headers were in;
// receive until the request finished. Without the browser's timing (a
// request that failed before an answer, or one answered at the response
// stage before its timing came) the whole of d is wait.
func phases(f *inFlight, d time.Duration) *Timing {
	ms := func(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
	t := f.timing
	if t == nil || t.RequestTime == 0 {
		return &Timing{Blocked: -1, DNS: -1, Connect: -1, SSL: -1, Send: 0, Wait: d, Receive: 0}
	}
	span := func(start, end float64) time.Duration {
		if start < 0 || end < start {
			return -1
		}
		return ms(end - start)
	}
	p := &Timing{
		DNS:     span(t.DNSStart, t.DNSEnd),
		Connect: span(t.ConnectStart, t.ConnectEnd),
		SSL:     span(t.SslStart, t.SslEnd),
		Send:    max(0, ms(t.SendEnd-t.SendStart)),
		Wait:    max(0, ms(t.ReceiveHeadersEnd-t.SendEnd)),
	}
	queued := max(0, time.Duration(float64(cdp.MonotonicTime(t.RequestTime)-f.start)*float64(time.Second)))
	first := t.SendStart
	for _, v := range []float64{t.ConnectStart, t.DNSStart} {
		if v >= 0 && v < first {
			first = v
		}
	}
	p.Blocked = queued + max(0, ms(first))
	// What is left of d after the phases before it is receiving (none for
	// a request done at the response stage).
	p.Receive = max(0, d-p.Blocked-max(0, p.DNS)-max(0, p.Connect)-p.Send-p.Wait)
	return p
}

// broadcastLocked wakes the waiters of WaitCall.
func (r *recorder) broadcastLocked() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// jsonBody is b as JSON: b itself when it is JSON, else b as a JSON string.
func jsonBody(b []byte) json.RawMessage {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if json.Valid(b) {
		return json.RawMessage(b)
	}
	s, _ := json.Marshal(string(b)) // a string always marshals
	return s
}

// snapshot returns copies of the held calls after Seq from, and the channel
// that closes at the next change.
func (r *recorder) snapshot(from int) ([]NetCall, <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i := max(0, from-r.dropped)
	if i > len(r.calls) {
		i = len(r.calls)
	}
	return append([]NetCall(nil), r.calls[i:]...), r.changed
}

// Calls returns the app's API calls recorded so far (the newest 1,024), in
// the order they started, including those still in flight (Done false).
// Older calls may come without bodies (BodiesDropped). The bodies are
// shared with the recorder: do not modify them.
func (p *Page) Calls() []NetCall {
	calls, _ := p.rec.snapshot(0)
	return calls
}

// LastSeq returns the Seq of the last call that started, 0 for none. Every
// request made after LastSeq returns has a higher Seq: take it before a Call
// to find that Call's requests.
func (p *Page) LastSeq() int {
	p.rec.mu.Lock()
	defer p.rec.mu.Unlock()
	return p.rec.dropped + len(p.rec.calls)
}

// WaitCall returns the first done call for which match is true (nil matches
// any), among the calls recorded already and those to come, waiting until
// ctx ends. Calls are tried in Seq order, each once, as they are done.
func (p *Page) WaitCall(ctx context.Context, match func(NetCall) bool) (NetCall, error) {
	tried := make(map[int]bool)
	from := 0 // every call up to Seq from is tried: the scan starts after it
	for {
		calls, changed := p.rec.snapshot(from)
		for _, c := range calls {
			if !c.Done || tried[c.Seq] {
				continue
			}
			tried[c.Seq] = true
			if match == nil || match(c) {
				return c, nil
			}
		}
		for tried[from+1] {
			delete(tried, from+1)
			from++
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return NetCall{}, fmt.Errorf("waiting for the app's request: %w", ctx.Err())
		case <-p.ctx.Done():
			return NetCall{}, fmt.Errorf("waiting for the app's request: %w", p.alive(context.Background()))
		case <-p.crashed.Done():
			return NetCall{}, fmt.Errorf("waiting for the app's request: %w", p.alive(context.Background()))
		}
	}
}

// waitChange waits until changed closes (a call was done), d has passed,
// ctx ends or the page goes away; only the last two are errors.
func (p *Page) waitChange(ctx context.Context, changed <-chan struct{}, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-changed:
	case <-t.C:
	case <-ctx.Done():
		return fmt.Errorf("waiting for the app's request: %w", ctx.Err())
	case <-p.ctx.Done():
		return fmt.Errorf("waiting for the app's request: %w", p.alive(context.Background()))
	case <-p.crashed.Done():
		return fmt.Errorf("waiting for the app's request: %w", p.alive(context.Background()))
	}
	return nil
}
