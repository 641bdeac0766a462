package cmd

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/wxctl/wxctl/browser"
	"github.com/wxctl/wxctl/cmd/internal/batch"
	sess "github.com/wxctl/wxctl/cmd/internal/session"
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

// readBatchOptions reads room batch's flags and checks them.
func readBatchOptions(c *cli.Context) (o batch.Options, dryRun bool, err error) {
	for _, a := range c.Args().Tail() {
		if strings.HasPrefix(a, "-") {
			return o, false, usagef("%s comes after the plan: put the flags before it (wxctl room batch [options] PLAN)", a)
		}
	}
	if c.NArg() != 1 {
		return o, false, usagef("room batch takes one plan file, got %d arguments", c.NArg())
	}
	o = batch.Options{
		Plan:        c.Args().First(),
		Journal:     c.String(batchJournalFlag.Name),
		Interval:    c.Duration(batchIntervalFlag.Name),
		Backoff:     c.Duration(batchBackoffFlag.Name),
		MaxWait:     c.Duration(batchMaxWaitFlag.Name),
		Timeout:     c.Duration(timeoutFlag.Name),
		LookupWait:  c.Duration(batchLookupWaitFlag.Name),
		Concurrency: c.Int(batchConcurrencyFlag.Name),
		Recreate:    c.Bool(batchRecreateFlag.Name),
	}
	if o.Journal == "" {
		o.Journal = o.Plan + ".journal"
	}
	if o.Rate, err = batch.ParseRate(c.String(batchMaxRateFlag.Name)); err != nil {
		return o, false, usageError{err}
	}
	switch {
	case o.Interval < 0:
		return o, false, usagef("--interval must not be negative")
	case o.Backoff <= 0 || o.MaxWait <= 0:
		return o, false, usagef("--backoff and --max-wait must be positive")
	case o.Concurrency < 1 || o.Concurrency > 64:
		return o, false, usagef("--concurrency must be between 1 and 64, got %d", o.Concurrency)
	case o.LookupWait < 0 || o.Timeout <= 0:
		return o, false, usagef("--lookup-wait must not be negative, --timeout must be positive")
	}
	return o, c.Bool(batchDryRunFlag.Name), nil
}

func runRoomBatch(c *cli.Context) error {
	o, dryRun, err := readBatchOptions(c)
	if err != nil {
		return err
	}
	b, err := batch.Load(o)
	if err != nil {
		return err
	}
	s, err := openSession(c, c.Bool(sandboxFlag.Name), withoutJobDeadline())
	if err != nil {
		return err
	}
	defer s.Close()
	book, err := browser.LoadContacts(s.Context(), s.Page)
	if err != nil {
		return err
	}
	asJSON := c.Bool(jsonFlag.Name)
	if err := b.Resolve(book); err != nil {
		var problems *batch.PlanError
		if errors.As(err, &problems) {
			return problems.Report(c.App.Writer, c.App.ErrWriter, asJSON, ExitCode)
		}
		return err
	}
	if dryRun {
		b.MarkExisting(c.Context, s.Page, book)
		return b.ReportDryRun(c.App.Writer, asJSON)
	}
	var jsonw = c.App.Writer
	if !asJSON {
		jsonw = nil
	}
	progress := batch.NewReporter(c.App.ErrWriter, jsonw)
	if o.Concurrency > 1 && isWeChatHost(s.URL) {
		progress.Note("--concurrency %d on %s: WeChat limits the account's creates, so this mostly earns refusals", o.Concurrency, sess.HostOf(s.URL))
	}
	stopErr, err := b.Run(c.Context, s, book, progress)
	if err != nil {
		return err
	}
	return b.Report(c.App.Writer, asJSON, stopErr, ExitCode)
}

// isWeChatHost reports whether rawURL is on one of web WeChat's hosts.
func isWeChatHost(rawURL string) bool {
	host := strings.ToLower(sess.HostOf(rawURL))
	return slices.Contains([]string{"wx.qq.com", "wx2.qq.com", "wx8.qq.com", "web.wechat.com"}, host)
}
