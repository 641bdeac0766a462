package batch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/wxctl/wxctl/browser"
)

// itemState is where a group of the plan stands.
type itemState int

const (
	stateCreate   itemState = iota // to be created
	stateLookup                    // a create may have made it: look among the app's groups first
	stateUntitled                  // it exists without its topic: set the topic
	stateDone                      // it exists with its topic
	stateFailed                    // not made in this run: WeChat refused, or no outcome could be had
)

// howEarlier marks a group that an earlier run made.
const howEarlier = "earlier"

// maxBlind is how many times in a run a group may end without a seen
// outcome (no answer, a failed request, a failed look-up) before the run
// leaves it for the next run.
const maxBlind = 3

// batchItem is one group of the plan on its way.
type batchItem struct {
	Group
	contacts []browser.Contact // the members, resolved in this login session
	state    itemState
	how      string // StatusCreated, StatusFound, StatusExists or howEarlier, once the group exists
	room     string // its ChatRoomName, once known
	ret      *int   // WeChat's last Ret for it
	flagged  bool   // the create answered -2013, which the app counts as success
	checked  bool   // looked for a group with its topic in this run: none was there
	attempts int    // creates sent for it, in every run
	blind    int    // outcomes not seen, in this run
	unknown  bool   // failed because nobody could tell whether the group exists
	reason   string // why it failed, or the last trouble on its way
}

func (it *batchItem) settled() bool { return it.state == stateDone || it.state == stateFailed }

func (it *batchItem) userNames() []string {
	out := make([]string, len(it.contacts))
	for i, c := range it.contacts {
		out[i] = c.UserName
	}
	return out
}

// record is a journal record about the item.
func (it *batchItem) record(typ, status string, ret *int, err error) Record {
	r := Record{Type: typ, Topic: it.Topic, Members: it.Members, UserNames: it.userNames(), Status: status, Ret: ret}
	if typ == RecordIntent {
		r.Attempt = it.attempts
	} else {
		r.ChatRoomName = it.room
	}
	if err != nil {
		r.Error = oneLine(err.Error())
	}
	return r
}

func (it *batchItem) fail(ret *int, reason string) {
	it.state, it.ret, it.reason = stateFailed, ret, reason
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// batchRun works through the plan's groups in one browser tab: several at
// once with --concurrency, all paced together.
type batchRun struct {
	opts     Options
	sess     Session
	journal  *batchJournal
	pace     *pacer
	progress batchProgress

	pageMu sync.Mutex // guards sess.page and book, which a reopened tab replaces
	book   *browser.AddressBook

	mu      sync.Mutex
	claimed map[string]bool // groups made or found for an item in this run
	stopErr error
	stop    context.CancelCauseFunc
}

// run works through items until each is done or failed, or something stops
// the whole run: Ctrl-C (ctx), the rate limit past --max-wait, the end of
// the session, the browser gone, a journal that cannot be written. It
// returns what stopped it, nil when nothing did.
func (r *batchRun) run(ctx context.Context, items []*batchItem) error {
	runCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	r.stop = stop
	// openSession watches the session; its end stops the run, where it
	// would otherwise show only as the next call's Ret 1101.
	unwatch := context.AfterFunc(r.sess.Context(), func() {
		if err := r.sess.Context().Err(); errors.Is(err, browser.ErrNotLoggedIn) {
			r.halt(err)
		}
	})
	defer unwatch()

	queue := make(chan *batchItem)
	var wg sync.WaitGroup
	for range r.opts.Concurrency {
		wg.Go(func() {
			for it := range queue {
				r.process(runCtx, ctx, it)
			}
		})
	}
feed:
	for _, it := range items {
		if it.settled() {
			continue
		}
		select {
		case queue <- it:
		case <-runCtx.Done():
			break feed
		}
	}
	close(queue)
	wg.Wait()
	if ctx.Err() != nil {
		r.halt(context.Cause(ctx))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stopErr
}

// halt stops the run for err; the first reason is the one reported.
func (r *batchRun) halt(err error) {
	r.mu.Lock()
	if r.stopErr == nil {
		r.stopErr = err
	}
	r.mu.Unlock()
	r.stop(err)
}

// process takes one item as far as it goes. runCtx ends when the run
// stops, which ends its waits; its calls run on base, the command's
// context, so that a call in flight when another worker stops the run
// still ends with an outcome.
func (r *batchRun) process(runCtx, base context.Context, it *batchItem) {
	for !it.settled() {
		if runCtx.Err() != nil {
			return
		}
		var err error
		switch it.state {
		case stateLookup:
			err = r.lookup(base, it)
		case stateUntitled:
			err = r.settle(runCtx, base, it)
		default:
			if it.checked || r.opts.Recreate {
				err = r.create(runCtx, base, it)
			} else {
				err = r.check(base, it)
			}
		}
		if err != nil {
			r.halt(err)
			return
		}
	}
	r.progress.settled(it)
}

// create sends the item's create, its intent on disk first.
func (r *batchRun) create(runCtx, base context.Context, it *batchItem) error {
	if err := r.pace.waitCreate(runCtx, r.progress.wait); err != nil {
		return err
	}
	page, err := r.healthyPage(base)
	if err != nil {
		return err
	}
	it.attempts++
	if err := r.journal.append(it.record(RecordIntent, "", nil, nil)); err != nil {
		return err
	}
	sent := time.Now()
	ctx, cancel := context.WithTimeout(base, r.opts.Timeout)
	res, err := browser.CreateRoom(ctx, page, it.contacts, it.Topic)
	cancel()
	return r.afterCreate(base, it, classifyCreate(it.Topic, res, err), err, sent)
}

// createOutcome is what a create's answer means for the plan.
type createOutcome struct {
	status  string // a result status
	room    string
	ret     *int
	flagged bool
}

// classifyCreate reads browser.CreateRoom's result. A group that exists is
// created, or untitled when the topic did not get set (a failed read-back
// alone does not matter). Only an answer of WeChat's (a *RetError) says
// that no group was made; any other failure, an HTTP error included (a
// proxy or a cut connection may fail after WeChat made the group), leaves
// the outcome unknown.
func classifyCreate(topic string, res *browser.RoomResult, err error) createOutcome {
	if res != nil && res.Created {
		o := createOutcome{status: StatusCreated, room: res.ChatRoomName, ret: &res.Ret, flagged: res.Flagged}
		if err != nil && browser.PlainName(res.Topic) != strings.TrimSpace(topic) {
			o.status = StatusUntitled
		}
		return o
	}
	var rerr *browser.RetError
	if !errors.As(err, &rerr) {
		return createOutcome{status: StatusUnknown}
	}
	o := createOutcome{status: StatusRefused, ret: &rerr.Ret}
	switch {
	case errors.Is(err, browser.ErrRateLimited):
		o.status = StatusRateLimited
	case errors.Is(err, browser.ErrNotLoggedIn):
		o.status = StatusLoggedOut
	}
	return o
}

// afterCreate journals a create's outcome and moves the item on.
func (r *batchRun) afterCreate(base context.Context, it *batchItem, o createOutcome, err error, sent time.Time) error {
	it.room, it.ret, it.flagged = o.room, o.ret, o.flagged
	if jerr := r.journal.append(it.record(RecordResult, o.status, o.ret, err)); jerr != nil {
		return jerr
	}
	switch o.status {
	case StatusCreated, StatusUntitled:
		r.pace.succeeded()
		r.claim(o.room)
		it.how = StatusCreated
		if o.status == StatusUntitled {
			it.state, it.reason = stateUntitled, err.Error()
			r.progress.Note("%s was created as %s, but its topic is not set yet: %v", quote(it.Topic), o.room, err)
			return nil
		}
		it.state = stateDone
	case StatusRateLimited:
		return r.backOff(it, *o.ret, sent)
	case StatusLoggedOut:
		return err
	case StatusRefused:
		it.fail(o.ret, err.Error())
	default:
		return r.unseen(base, it, "its create got no answer", err)
	}
	return nil
}

// backOff schedules the wait after a Ret 1 or 1205; the item stays as it
// is and goes again once the wait is over.
func (r *batchRun) backOff(it *batchItem, ret int, sent time.Time) error {
	d, err := r.pace.limited(ret, sent)
	if err != nil {
		return err
	}
	r.progress.Note("%s: Ret %d (%s): backing off %s", quote(it.Topic), ret, browser.RetMeaning(ret), d.Round(time.Second/10))
	return nil
}

// unseen handles a step whose outcome was not seen: the group is looked up
// before anything else is sent for it, unless the run must stop.
func (r *batchRun) unseen(base context.Context, it *batchItem, what string, err error) error {
	switch {
	case base.Err() != nil:
		return context.Cause(base)
	case errors.Is(err, browser.ErrBrowserGone), errors.Is(err, browser.ErrNotLoggedIn):
		return err
	}
	it.blind++
	it.reason = fmt.Sprintf("%s: %v", what, err)
	if it.blind >= maxBlind {
		it.fail(it.ret, fmt.Sprintf("%d times without an outcome (last: %s); the next run looks it up first", it.blind, it.reason))
		return nil
	}
	r.progress.Note("%s: %s (%v): looking among your groups before sending anything again", quote(it.Topic), what, err)
	it.state = stateLookup
	return nil
}

// lookup finds out whether a create whose outcome nobody saw made the
// group: among the app's groups, by topic and members, or by members alone
// for a group made without its topic. Only the full list can say that the
// group is absent, so the look-up waits for the app to load every group of
// its recent chats: one still loading would look absent and be made a
// second time. When the app cannot load them in time and what it holds
// does not show the group, its outcome stays unknown: it fails, and the
// next run looks it up first.
func (r *batchRun) lookup(base context.Context, it *batchItem) error {
	page, err := r.healthyPage(base)
	if err != nil {
		return err
	}
	q := browser.RoomQuery{Topic: it.Topic, Self: r.self(), Members: it.userNames(), Skip: r.claimedRooms()}
	ctx, cancel := context.WithTimeout(base, r.opts.Timeout+r.opts.LookupWait)
	var found *browser.FoundRoom
	var loading *browser.GroupsLoadingError
	if err = browser.WaitGroups(ctx, page); err == nil {
		found, err = browser.WaitRoom(ctx, page, q, r.opts.LookupWait)
	}
	cancel()
	if errors.As(err, &loading) {
		fctx, fcancel := context.WithTimeout(base, r.opts.Timeout)
		found, _ = browser.FindRoom(fctx, page, q)
		fcancel()
		if found == nil {
			it.fail(it.ret, fmt.Sprintf("outcome unknown: it may exist, but it could not be looked up: %v; the next run looks it up first", err))
			it.unknown = true
			return nil
		}
		err = nil
	}
	if err != nil {
		return r.unseen(base, it, "looking it up failed", err)
	}
	if found == nil || !r.claim(found.Room.UserName) {
		return r.absent(it)
	}
	it.room, it.how = found.Room.UserName, StatusFound
	if !found.Titled {
		r.progress.Note("%q exists as %s, made by an earlier create, but without its topic: setting it", it.Topic, it.room)
		it.state = stateUntitled
		return nil
	}
	if err := r.journal.append(it.record(RecordResult, StatusFound, nil, nil)); err != nil {
		return err
	}
	it.state = stateDone
	return nil
}

// check looks among your groups for one with the item's topic before its
// first create in this run, and takes it for the item's group when there
// is one: a run with a new or lost journal (or another journal) must not
// make the plan again. --recreate skips it. When the groups cannot be read,
// nothing is created: the item is tried again like a lost answer, and left
// for the next run after maxBlind tries.
func (r *batchRun) check(base context.Context, it *batchItem) error {
	page, err := r.healthyPage(base)
	if err != nil {
		return err
	}
	q := browser.RoomQuery{Topic: it.Topic, Self: r.self(), Members: it.userNames(), Skip: r.claimedRooms()}
	ctx, cancel := context.WithTimeout(base, r.opts.Timeout)
	found, err := browser.FindTopic(ctx, page, q)
	cancel()
	switch {
	case err == nil:
	case base.Err() != nil:
		return context.Cause(base)
	case errors.Is(err, browser.ErrBrowserGone), errors.Is(err, browser.ErrNotLoggedIn):
		return err
	default:
		it.blind++
		it.reason = fmt.Sprintf("could not tell whether a group with its topic exists: %v", err)
		if it.blind >= maxBlind {
			it.fail(it.ret, fmt.Sprintf("%s (%d tries); not created, lest it be made twice: run again", it.reason, it.blind))
			return nil
		}
		r.progress.Note("%s: %s: not creating it until that is known", quote(it.Topic), it.reason)
		return nil
	}
	it.checked = true
	if len(found.Rooms) == 0 {
		return nil
	}
	r.claim(found.Rooms[0].UserName)
	it.room, it.how, it.state = found.Rooms[0].UserName, StatusExists, stateDone
	it.reason = existingNote(found)
	return r.journal.append(it.record(RecordResult, StatusExists, nil, nil))
}

// existingNote says how the group found by check differs from the plan:
// other members, or more groups with the topic. Empty when it does not.
func existingNote(found browser.TopicRooms) string {
	var notes []string
	if !found.SameMembers {
		notes = append(notes, "its members are not the plan's")
	}
	if n := len(found.Rooms); n > 1 {
		notes = append(notes, fmt.Sprintf("%d of your groups have this topic", n))
	}
	if len(notes) == 0 {
		return ""
	}
	return strings.Join(notes, ", and ") + ": left as it is (--recreate creates it anyway)"
}

// absent records that a look-up found no group: the create that nobody saw
// the end of did not make one, so it may be sent again.
func (r *batchRun) absent(it *batchItem) error {
	it.room = ""
	if err := r.journal.append(it.record(RecordResult, StatusAbsent, nil, nil)); err != nil {
		return err
	}
	if it.blind >= maxBlind {
		it.fail(it.ret, fmt.Sprintf("%d creates without an outcome (last: %s), and no such group exists", it.blind, it.reason))
		return nil
	}
	it.state = stateCreate
	return nil
}

// settle sets the topic of a group that exists without it.
func (r *batchRun) settle(runCtx, base context.Context, it *batchItem) error {
	if err := r.pace.waitHold(runCtx, r.progress.wait); err != nil {
		return err
	}
	page, err := r.healthyPage(base)
	if err != nil {
		return err
	}
	sent := time.Now()
	ctx, cancel := context.WithTimeout(base, r.opts.Timeout)
	_, err = browser.SetTopic(ctx, page, it.room, it.Topic)
	cancel()
	var rerr *browser.RetError
	switch {
	case err == nil:
		r.pace.succeeded()
		if err := r.journal.append(it.record(RecordResult, it.how, it.ret, nil)); err != nil {
			return err
		}
		it.state, it.reason = stateDone, ""
	case errors.Is(err, browser.ErrRateLimited) && errors.As(err, &rerr):
		return r.backOff(it, rerr.Ret, sent)
	case errors.Is(err, browser.ErrNotLoggedIn):
		return err
	case errors.As(err, &rerr):
		if err := r.journal.append(it.record(RecordResult, StatusUntitled, &rerr.Ret, err)); err != nil {
			return err
		}
		it.fail(&rerr.Ret, fmt.Sprintf("created as %s, but WeChat refused its topic: %v", it.room, err))
	default:
		return r.unseen(base, it, "setting its topic got no answer", err)
	}
	return nil
}

// claim marks room as made or found for an item; false when another item
// has it already.
func (r *batchRun) claim(room string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.claimed[room] {
		return false
	}
	r.claimed[room] = true
	return true
}

func (r *batchRun) claimedRooms() map[string]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]bool, len(r.claimed))
	for k := range r.claimed {
		out[k] = true
	}
	return out
}

func (r *batchRun) self() string {
	r.pageMu.Lock()
	defer r.pageMu.Unlock()
	return r.book.Self.UserName
}
