package cmd

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/wxctl/wxctl/browser"
)

var (
	batchIntervalFlag = &cli.DurationFlag{
		Name:    "interval",
		Usage:   "least time between two creates (WeChat answers Ret 1, too frequent, to creates that come fast)",
		Value:   30 * time.Second,
		EnvVars: []string{"WXCTL_BATCH_INTERVAL"},
	}
	batchMaxRateFlag = &cli.StringFlag{
		Name:    "max-rate",
		Usage:   "at most this many creates per period, on top of --interval: 2/h, 20/d, 1/90s",
		EnvVars: []string{"WXCTL_BATCH_MAX_RATE"},
	}
	batchBackoffFlag = &cli.DurationFlag{
		Name: "backoff",
		Usage: "the first wait after WeChat answers Ret 1; it doubles, with jitter, at each refusal in a row, " +
			"and Ret 1205 (a block) starts at ten times as long",
		Value:   time.Minute,
		EnvVars: []string{"WXCTL_BATCH_BACKOFF"},
	}
	batchMaxWaitFlag = &cli.DurationFlag{
		Name:    "max-wait",
		Usage:   "how long to go on backing off while WeChat refuses for frequency; then stop (exit 5) and resume later",
		Value:   time.Hour,
		EnvVars: []string{"WXCTL_BATCH_MAX_WAIT"},
	}
	batchJournalFlag = &cli.StringFlag{
		Name:        "journal",
		Usage:       "the journal: a JSON line on disk before and after each create; running again with it resumes",
		DefaultText: "PLAN.journal, beside the plan",
		EnvVars:     []string{"WXCTL_BATCH_JOURNAL"},
	}
	batchDryRunFlag = &cli.BoolFlag{
		Name:  "dry-run",
		Usage: "check the plan against your friends and print what would be done; send nothing",
	}
	batchConcurrencyFlag = &cli.IntFlag{
		Name: "concurrency",
		Usage: "creates in flight at once in the page; keep 1 on the real site, whose limits count the account's " +
			"creates; more is for sandboxes and test servers (4-8 is fastest on 2 cores)",
		Value:   1,
		EnvVars: []string{"WXCTL_BATCH_CONCURRENCY"},
	}
	batchRecreateFlag = &cli.BoolFlag{
		Name: "recreate",
		Usage: "create each planned group even when one of your groups has its topic already; without it such a " +
			"group is taken for the one planned (made by an earlier run whose journal is gone) and not created again",
		EnvVars: []string{"WXCTL_RECREATE"},
	}
	batchLookupWaitFlag = &cli.DurationFlag{
		Name: "lookup-wait",
		Usage: "how long a group whose create answer was lost may take to reach the app (through its push channel) " +
			"before wxctl takes it as not made and creates it again",
		Value:   15 * time.Second,
		EnvVars: []string{"WXCTL_BATCH_LOOKUP_WAIT"},
	}
)

var roomBatchCommand = &cli.Command{
	Name:      "batch",
	Usage:     "create many groups from a plan file, paced, resumable, never twice",
	ArgsUsage: "PLAN",
	Description: `Creates the groups of PLAN one after the other through the app's own
chatroomFactory.create, sets each topic (modTopic) and reads each group back.

PLAN is UTF-8 text (a plan in another encoding, such as the GBK of a
spreadsheet, is refused with the iconv command that converts it). It is CSV,
one group a row: topic,member,member,… (a header row "topic,member,…" is
optional; quote cells that hold commas; # starts a comment); or YAML, a list
of groups:

   - topic: Weekend hike
     members: [Rain1ove, 迴焘願點]

Members are friends, named as for room create. The whole plan is checked
before anything is sent: unknown and ambiguous names, yourself, a member twice,
fewer than two members, a topic used twice are all reported at once (exit 2).
--dry-run stops there and prints what would be done.

WeChat limits creates strictly (Ret 1 "too frequent", Ret 1205 a block; users
report anything from one create every 15-25 s to 2-3 an hour). wxctl waits
--interval between creates, keeps to --max-rate, and on Ret 1 or 1205 backs off
exponentially with jitter; past --max-wait it stops (exit 5) with what is done
and what remains. A session that ends stops the run (exit 3): log in again and
run the same command.

The journal (--journal, default PLAN.journal) starts with a header line of its
own, then gets a line on disk before each create (intent) and after it
(result: ChatRoomName, Ret), so Ctrl-C, a killed process, a crashed browser or
a power cut lose nothing. A file that is not a journal is refused (exit 2) and
left as it is. Running the same command again resumes: done groups are
skipped, and a group whose create was sent but whose answer was never seen is
looked up among your groups (by topic and members) and created only when it
does not exist. No group is created twice, and none without a journal line.

Before the first create of a group in a run, its topic is looked for among
your groups: a group that has it already (made by a run whose journal is
lost, or by hand) is reported as "exists" and not created; when your groups
cannot be listed, the group is not created either, and the next run tries
again. --recreate creates such groups anyway; --dry-run lists them.

--timeout bounds each group's steps (create, topic, read-back; or a look-up)
and the opening of the app, not the whole batch. --json prints one JSON line
per group as it settles, then a summary line. Exit: 0 all done, 2 plan
problems, 3 session ended, 5 stopped by rate limits, 6 some groups failed,
7 browser problems, 130 interrupted.

Example:
   wxctl room batch --dry-run teams.csv
   wxctl room batch --interval 45s --max-rate 20/h teams.csv
   wxctl room batch --json teams.yaml > results.jsonl
   wxctl room batch --sandbox --interval 0 --concurrency 4 teams.csv

(Flags may stand anywhere; -- ends them.)`,
	Flags: append([]cli.Flag{
		batchIntervalFlag, batchMaxRateFlag, batchBackoffFlag, batchMaxWaitFlag,
		batchJournalFlag, batchDryRunFlag, batchConcurrencyFlag, batchLookupWaitFlag, batchRecreateFlag,
	}, appFlags()...),
	Action: runRoomBatch,
}

// batchOptions are room batch's flags, checked.
type batchOptions struct {
	plan, journal string
	interval      time.Duration
	rate          maxRate
	backoff       time.Duration
	maxWait       time.Duration
	dryRun        bool
	cfg           batchConfig
}

func readBatchOptions(c *cli.Context) (batchOptions, error) {
	for _, a := range c.Args().Tail() {
		if strings.HasPrefix(a, "-") {
			return batchOptions{}, usagef("%s comes after the plan: put the flags before it (wxctl room batch [options] PLAN)", a)
		}
	}
	if c.NArg() != 1 {
		return batchOptions{}, usagef("room batch takes one plan file, got %d arguments", c.NArg())
	}
	o := batchOptions{
		plan:     c.Args().First(),
		journal:  c.String(batchJournalFlag.Name),
		interval: c.Duration(batchIntervalFlag.Name),
		backoff:  c.Duration(batchBackoffFlag.Name),
		maxWait:  c.Duration(batchMaxWaitFlag.Name),
		dryRun:   c.Bool(batchDryRunFlag.Name),
		cfg: batchConfig{
			timeout:     c.Duration(timeoutFlag.Name),
			lookupWait:  c.Duration(batchLookupWaitFlag.Name),
			concurrency: c.Int(batchConcurrencyFlag.Name),
			recreate:    c.Bool(batchRecreateFlag.Name),
		},
	}
	if o.journal == "" {
		o.journal = o.plan + ".journal"
	}
	var err error
	if o.rate, err = parseMaxRate(c.String(batchMaxRateFlag.Name)); err != nil {
		return o, usageError{err}
	}
	switch {
	case o.interval < 0:
		return o, usagef("--interval must not be negative")
	case o.backoff <= 0 || o.maxWait <= 0:
		return o, usagef("--backoff and --max-wait must be positive")
	case o.cfg.concurrency < 1 || o.cfg.concurrency > 64:
		return o, usagef("--concurrency must be between 1 and 64, got %d", o.cfg.concurrency)
	case o.cfg.lookupWait < 0 || o.cfg.timeout <= 0:
		return o, usagef("--lookup-wait must not be negative, --timeout must be positive")
	}
	return o, nil
}

func runRoomBatch(c *cli.Context) error {
	o, err := readBatchOptions(c)
	if err != nil {
		return err
	}
	groups, err := readBatchPlan(o.plan)
	if err != nil {
		return err
	}
	problems := checkBatchPlan(groups)
	records, err := readBatchJournal(o.journal)
	if err != nil {
		return err
	}
	items := newBatchItems(groups)
	applyJournal(items, records)

	s, err := openSession(c, c.Bool(sandboxFlag.Name), withoutJobDeadline())
	if err != nil {
		return err
	}
	defer s.Close()
	book, err := browser.LoadContacts(s.ctx, s.page)
	if err != nil {
		return err
	}
	if problems = resolveBatchPlan(book, items, problems); len(problems) > 0 {
		return reportPlanProblems(c, &batchPlanError{File: o.plan, Problems: problems})
	}
	pace := newPacer(o.interval, o.rate, o.backoff, o.maxWait)
	if o.dryRun {
		markExisting(c.Context, s, book, items, o.cfg)
		return reportDryRun(c, items, pace.spacing(), o.journal)
	}
	return runBatch(c, s, book, items, o, pace)
}

// runBatch locks the journal, works through the plan and reports.
func runBatch(c *cli.Context, s *session, book *browser.AddressBook, items []*batchItem, o batchOptions, pace *pacer) error {
	journal, records, err := openBatchJournal(o.journal)
	if err != nil {
		return err
	}
	defer journal.Close()
	// Another run may have gone on between the first read and the lock.
	applyJournal(items, records)
	pace.seed(intentTimes(records))

	var jsonw = c.App.Writer
	if !c.Bool(jsonFlag.Name) {
		jsonw = nil
	}
	progress := newBatchReporter(c.App.ErrWriter, jsonw)
	if o.cfg.concurrency > 1 && isWeChatHost(s.url) {
		progress.note("--concurrency %d on %s: WeChat limits the account's creates, so this mostly earns refusals", o.cfg.concurrency, hostOf(s.url))
	}
	r := &batchRun{cfg: o.cfg, sess: s, journal: journal, pace: pace, progress: progress, book: book, claimed: map[string]bool{}}
	progress.begin(items, pace.spacing())
	stopErr := r.run(c.Context, items)
	progress.end()
	return reportBatch(c, items, o.journal, stopErr)
}

// reportBatch prints the summary and returns the command's error.
func reportBatch(c *cli.Context, items []*batchItem, journal string, stopErr error) error {
	sum := summarize(items, journal)
	err := batchOutcome(sum, stopErr)
	if !c.Bool(jsonFlag.Name) {
		printBatchSummary(c.App.Writer, items, sum)
		return err
	}
	for _, it := range items {
		if !it.settled() {
			_ = writeJSONLine(c.App.Writer, newBatchGroupJSON(it))
		}
	}
	sum.Stopped, sum.ExitCode, sum.OK = stopName(stopErr), ExitCode(err), err == nil
	if err != nil {
		sum.Error = oneLine(err.Error())
	}
	if werr := writeJSONLine(c.App.Writer, sum); werr != nil && err == nil {
		return werr
	}
	return err
}

// reportPlanProblems lists the problems (stderr, or one JSON line) and
// returns the error for exit 2.
func reportPlanProblems(c *cli.Context, e *batchPlanError) error {
	if c.Bool(jsonFlag.Name) {
		_ = writeJSONLine(c.App.Writer, map[string]any{"type": "problems", "ok": false, "exitCode": ExitUsage, "error": oneLine(e.Error()), "problems": e.Problems})
		return e
	}
	e.print(c.App.ErrWriter)
	return e
}

// reportDryRun prints what a run would do.
func reportDryRun(c *cli.Context, items []*batchItem, spacing time.Duration, journal string) error {
	if !c.Bool(jsonFlag.Name) {
		printBatchPlan(c.App.Writer, items, spacing, journal)
		return nil
	}
	for _, it := range items {
		line := newBatchGroupJSON(it)
		line.Status = dryRunStatus(it)
		if err := writeJSONLine(c.App.Writer, line); err != nil {
			return err
		}
	}
	sum := summarize(items, journal)
	sum.DryRun = true
	return writeJSONLine(c.App.Writer, sum)
}

// markExisting marks, for --dry-run, the groups that a run would not
// create because one of your groups has their topic already (see
// batchRun.check); with --recreate it only says so.
func markExisting(ctx context.Context, s *session, book *browser.AddressBook, items []*batchItem, cfg batchConfig) {
	for _, it := range items {
		if it.state != stateCreate || len(it.contacts) == 0 {
			continue
		}
		q := browser.RoomQuery{Topic: it.Topic, Self: book.Self.UserName, Members: it.userNames()}
		fctx, cancel := context.WithTimeout(ctx, cfg.timeout)
		found, err := browser.FindTopic(fctx, s.page, q)
		cancel()
		switch {
		case err != nil:
			it.reason = oneLine(fmt.Sprintf("unless a group with this topic exists: could not look (%v)", err))
		case len(found.Rooms) == 0:
		case cfg.recreate:
			it.reason = "though " + browser.ShortUserName(found.Rooms[0].UserName) + " has this topic: --recreate"
		default:
			it.room, it.how, it.state = found.Rooms[0].UserName, statusExists, stateDone
			it.reason = existingNote(found)
		}
	}
}

// isWeChatHost reports whether rawURL is on one of web WeChat's hosts.
func isWeChatHost(rawURL string) bool {
	host := strings.ToLower(hostOf(rawURL))
	return slices.Contains([]string{"wx.qq.com", "wx2.qq.com", "wx8.qq.com", "web.wechat.com"}, host)
}

// newBatchItems makes an item of each group, to be created.
func newBatchItems(groups []batchGroup) []*batchItem {
	items := make([]*batchItem, len(groups))
	for i, g := range groups {
		items[i] = &batchItem{batchGroup: g}
	}
	return items
}

// applyJournal sets each item's state from what the journal says of its
// topic. The journal only grows, so applying a newer read moves items on.
func applyJournal(items []*batchItem, records []journalRecord) {
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
