package batch

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/wxctl/wxctl/browser"
)

// Options are a run's settings, checked by the command.
type Options struct {
	Plan    string // the plan file
	Journal string // the journal file
	// Interval is the least time between two creates; Rate adds at most
	// so many per period on top (zero: none).
	Interval time.Duration
	Rate     Rate
	// Backoff is the first wait after a refusal for frequency; MaxWait how
	// long to go on backing off before the run stops.
	Backoff, MaxWait time.Duration
	// Timeout bounds one step of a group: its create, topic and
	// read-back, or a look-up; and the opening of a new tab.
	Timeout time.Duration
	// LookupWait is how long a group may take to reach the app after a
	// lost answer.
	LookupWait  time.Duration
	Concurrency int
	// Recreate creates groups whose topic one of your groups has already.
	Recreate bool
}

// Session is what a run needs of the web WeChat session it works in: the
// tab to call, a way to replace it when it crashes, and the session's end.
type Session interface {
	// Tab returns the tab the app runs in.
	Tab() *browser.Page
	// Replace closes old and opens a new tab in the same browser, which
	// becomes the session's page (the session closes it); the app is not
	// opened yet.
	Replace(ctx context.Context, old *browser.Page) (*browser.Page, error)
	// AppURL is the address the app was opened at.
	AppURL() string
	// Watch ends Context when the web WeChat session of p ends.
	Watch(p *browser.Page)
	// Context ends when the session ends under the run; its Err is then
	// browser.ErrNotLoggedIn.
	Context() context.Context
}

// Batch is a plan read, checked and set against its journal. Load reads it
// before the browser starts, Resolve checks its names against the
// address book, then a Batch either shows a dry run or runs.
type Batch struct {
	opts     Options
	items    []*batchItem
	problems []batchProblem
	pace     *pacer
}

// Load reads the plan and its journal. Problems of the plan's groups are
// kept for Resolve, to be told with those of the names at once; a plan or
// journal that cannot be read is an error (bad input: exit 2).
func Load(o Options) (*Batch, error) {
	groups, err := readBatchPlan(o.Plan)
	if err != nil {
		return nil, err
	}
	problems := checkBatchPlan(groups)
	records, err := ReadJournal(o.Journal)
	if err != nil {
		return nil, err
	}
	items := newBatchItems(groups)
	applyJournal(items, records)
	return &Batch{opts: o, items: items, problems: problems, pace: newPacer(o.Interval, o.Rate, o.Backoff, o.MaxWait)}, nil
}

// Resolve finds each group's members among the friends of book. It
// returns a *PlanError with every problem of the plan, or nil.
func (b *Batch) Resolve(book *browser.AddressBook) error {
	if problems := resolveBatchPlan(book, b.items, b.problems); len(problems) > 0 {
		return &PlanError{File: b.opts.Plan, Problems: problems}
	}
	return nil
}

// Run locks the journal and works through the plan in s, telling progress
// how it goes. It returns an error when the journal cannot be opened, else
// stopErr: what stopped the run before every group settled (see
// Report), nil when nothing did.
func (b *Batch) Run(ctx context.Context, s Session, book *browser.AddressBook, progress *Reporter) (stopErr, err error) {
	journal, records, err := openBatchJournal(b.opts.Journal)
	if err != nil {
		return nil, err
	}
	defer journal.Close()
	// Another run may have gone on between the first read and the lock.
	applyJournal(b.items, records)
	b.pace.seed(intentTimes(records))
	r := &batchRun{opts: b.opts, sess: s, journal: journal, pace: b.pace, progress: progress, book: book, claimed: map[string]bool{}}
	progress.begin(b.items, b.pace.spacing())
	stopErr = r.run(ctx, b.items)
	progress.end()
	return stopErr, nil
}

// MarkExisting marks, for --dry-run, the groups that a run would not
// create because one of your groups on page has their topic already (see
// batchRun.check); with Recreate it only says so.
func (b *Batch) MarkExisting(ctx context.Context, page *browser.Page, book *browser.AddressBook) {
	cfg := b.opts
	for _, it := range b.items {
		if it.state != stateCreate || len(it.contacts) == 0 {
			continue
		}
		q := browser.RoomQuery{Topic: it.Topic, Self: book.Self.UserName, Members: it.userNames()}
		fctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
		found, err := browser.FindTopic(fctx, page, q)
		cancel()
		switch {
		case err != nil:
			it.reason = oneLine(fmt.Sprintf("unless a group with this topic exists: could not look (%v)", err))
		case len(found.Rooms) == 0:
		case cfg.Recreate:
			it.reason = "though " + browser.ShortUserName(found.Rooms[0].UserName) + " has this topic: --recreate"
		default:
			it.room, it.how, it.state = found.Rooms[0].UserName, StatusExists, stateDone
			it.reason = existingNote(found)
		}
	}
}

// newBatchItems makes an item of each group, to be created.
func newBatchItems(groups []Group) []*batchItem {
	items := make([]*batchItem, len(groups))
	for i, g := range groups {
		items[i] = &batchItem{Group: g}
	}
	return items
}

// applyJournal sets each item's state from what the journal says of its
// topic. The journal only grows, so applying a newer read moves items on.
func applyJournal(items []*batchItem, records []Record) {
	states := journalStates(records)
	for _, it := range items {
		st := states[it.Topic]
		it.state = st.next()
		if st == nil {
			continue
		}
		it.attempts = st.attempts
		if st.done != nil {
			it.how, it.room, it.ret = howEarlier, st.done.ChatRoomName, st.done.Ret
			it.reason = ""
			if !sameNames(st.done.Members, it.Members) {
				it.reason = fmt.Sprintf("made earlier with %s; the plan now lists %s: left as it is",
					memberNames(st.done.Members), memberNames(it.Members))
			}
		}
	}
}

// sameNames reports whether two lists hold the same names, in any order.
func sameNames(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}
