package browser

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/chromedp/chromedp"

	"github.com/wxctl/wxctl/scripts"
)

// Endpoints whose answers feed Events.
const (
	endpointSync       = "webwxsync"
	endpointInit       = "webwxinit"
	endpointGetContact = "webwxgetcontact"
)

// Events is the stream of what the app receives, read from its own
// traffic as the network recorder keeps it: the webwxsync answers of its
// push channel (messages in AddMsgList, groups and contacts in
// ModContactList and DelContactList), told against the app's view of its
// groups and contacts, which it seeds from the app's contact store and
// keeps current from the answers the app loads them with (webwxinit,
// webwxgetcontact, webwxbatchgetcontact). It makes no request of its own.
//
// webwxsync answers are read in the order the app made the requests, one
// after the other as the app itself applies them, so a group's change is
// told against the group as the app held it just before. Events is not
// safe for concurrent use; one goroutine reads it.
type Events struct {
	p   *Page
	rec *recorder
	t   *tracker
	// from and handled say which calls are read: every call up to Seq from,
	// and those in handled above it.
	from    int
	handled map[int]bool
	queue   []Event // events read and not yet returned, from head on
	head    int
	missed  int   // calls let go before they were read
	err     error // the end of the stream, after its last events
}

// NewEvents starts a stream of the events the app receives in the calls
// after Seq after (a LastSeq taken before; 0 for all the page recorded):
// the calls with a higher Seq, and those that were still in flight when
// NewEvents was called. It seeds the app's view of its contacts and groups
// from its contact store, which is why a group's change carried by an
// answer the app applied before NewEvents may show no change: start the
// stream before what it is to see (take after from LastSeq, then call
// NewEvents at once).
func NewEvents(ctx context.Context, p *Page, after int) (*Events, error) {
	e := newEvents(p.rec)
	e.p = p
	for _, c := range p.Calls() {
		if c.Seq <= after && c.Done {
			e.handled[c.Seq] = true
		}
	}
	e.compact()
	raw, err := p.Run(ctx, scripts.ContactStore)
	if err != nil {
		return nil, fmt.Errorf("reading the app's contacts: %w", err)
	}
	var store struct {
		Self     string        `json:"self"`
		Contacts []wireContact `json:"contacts"`
	}
	if err := json.Unmarshal(raw, &store); err != nil {
		return nil, fmt.Errorf("reading the app's contacts: %w", err)
	}
	e.t.self = store.Self
	e.t.learn(store.Contacts)
	return e, nil
}

func newEvents(rec *recorder) *Events {
	return &Events{rec: rec, t: newTracker(), handled: make(map[int]bool)}
}

// Missed returns how many of the app's calls the recorder let go before
// the stream read them (the stream fell more than 1,024 calls behind), and
// how many webwxsync answers it found without their bodies: events that
// may be missing.
func (e *Events) Missed() int { return e.missed }

// Next returns the next event, waiting for it until ctx ends. When the
// session ends it returns an EventSessionEnded event, and from then on an
// error that is ErrNotLoggedIn. When the page is gone the error says so
// (ErrPageClosed, ErrBrowserGone).
func (e *Events) Next(ctx context.Context) (Event, error) {
	for {
		if e.head < len(e.queue) {
			ev := e.queue[e.head]
			e.queue[e.head] = Event{}
			if e.head++; e.head == len(e.queue) {
				e.queue, e.head = e.queue[:0], 0
			}
			return ev, nil
		}
		if e.err != nil {
			return Event{}, e.err
		}
		calls, changed := e.rec.snapshot(e.from)
		e.scan(calls)
		if e.head < len(e.queue) || e.err != nil {
			continue
		}
		if err := e.wait(ctx, changed); err != nil {
			return Event{}, err
		}
	}
}

// Wait returns the first event for which match is true (nil matches any),
// reading the stream until ctx ends; the events before it are passed
// over. A session that ends before such an event returns ErrNotLoggedIn,
// unless match takes the EventSessionEnded event.
func (e *Events) Wait(ctx context.Context, match func(Event) bool) (Event, error) {
	for {
		ev, err := e.Next(ctx)
		if err != nil {
			return Event{}, err
		}
		if match == nil || match(ev) {
			return ev, nil
		}
	}
}

// WaitEvent returns the first event for which match is true among those
// the app received in the calls after Seq after (a LastSeq taken when the
// awaited thing began), waiting until ctx ends. It is NewEvents and Wait
// in one; see NewEvents for what a late start may not see.
func WaitEvent(ctx context.Context, p *Page, after int, match func(Event) bool) (Event, error) {
	e, err := NewEvents(ctx, p, after)
	if err != nil {
		return Event{}, err
	}
	return e.Wait(ctx, match)
}

// wait blocks until changed closes, ctx ends or the page is gone: closed
// by wxctl, crashed, or closed under it (by hand, or by another DevTools
// client), which only the tab's detach tells.
func (e *Events) wait(ctx context.Context, changed <-chan struct{}) error {
	var pageDone, crashed, detached <-chan struct{}
	if e.p != nil {
		pageDone, crashed = e.p.ctx.Done(), e.p.crashed.Done()
		if ch, err := chromedp.Detached(e.p.ctx); err == nil {
			detached = ch
		}
	}
	select {
	case <-changed:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("watching the app: %w", ctx.Err())
	case <-detached:
		return fmt.Errorf("watching the app: %w", ErrPageClosed)
	case <-pageDone:
	case <-crashed:
	}
	return fmt.Errorf("watching the app: %w", e.p.alive(context.Background()))
}

// scan reads the calls not read yet, in Seq order. A webwxsync answer
// waits for the ones before it; a call still in flight is read once done.
func (e *Events) scan(calls []NetCall) {
	if len(calls) > 0 && calls[0].Seq > e.from+1 {
		// The recorder let calls go: those not read yet are missed.
		for s := e.from + 1; s < calls[0].Seq; s++ {
			if !e.handled[s] {
				e.missed++
			}
			delete(e.handled, s)
		}
		e.from = calls[0].Seq - 1
	}
	syncPending := false
	for i := range calls {
		c := &calls[i]
		if e.handled[c.Seq] {
			continue
		}
		if lost := sessionLost(*c); lost != nil {
			e.handled[c.Seq] = true
			e.queue = append(e.queue, Event{Kind: EventSessionEnded, Time: c.Started.Add(c.Duration), Seq: c.Seq, Reason: lost.Error()})
			e.err = fmt.Errorf("watching the app: %w", lost)
			return
		}
		if !c.Done {
			syncPending = syncPending || c.Endpoint == endpointSync
			continue
		}
		switch c.Endpoint {
		case endpointSync:
			if syncPending {
				continue // told after the answers before it
			}
			e.read(c)
		case endpointInit:
			var a struct{ User struct{ UserName string } }
			if json.Unmarshal(c.ResponseBody, &a) == nil && a.User.UserName != "" {
				e.t.self = a.User.UserName
			}
			e.t.learn(contactsOf(c.ResponseBody))
		case endpointGetContact, EndpointBatchGet:
			e.t.learn(contactsOf(c.ResponseBody))
		}
		e.handled[c.Seq] = true
	}
	e.compact()
}

// read tells one webwxsync answer.
func (e *Events) read(c *NetCall) {
	if c.BodiesDropped {
		e.missed++
		return
	}
	var a syncAnswer
	if err := json.Unmarshal(c.ResponseBody, &a); err != nil || a.BaseResponse == nil || a.BaseResponse.Ret != 0 {
		return // a failed sync brings nothing; the session's end is told above
	}
	e.queue = e.t.sync(&a, c.Started.Add(c.Duration), c.Seq, e.queue)
}

// compact moves from past the calls read, so that handled stays small.
func (e *Events) compact() {
	for e.handled[e.from+1] {
		delete(e.handled, e.from+1)
		e.from++
	}
}
