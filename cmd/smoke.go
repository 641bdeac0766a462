package cmd

import (
	"context"
	"errors"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/wxctl/wxctl/cmd/internal/smoke"
)

var (
	junitFlag = &cli.StringFlag{
		Name:    "junit",
		Usage:   "also write the results as JUnit XML to `FILE` (GitHub Actions, GitLab and Jenkins show it natively)",
		EnvVars: []string{"WXCTL_JUNIT"},
	}
	artifactsFlag = &cli.StringFlag{
		Name: "artifacts",
		Usage: "for each failed check, write into `DIR`/NN-check-name/ its result, the page's JavaScript errors " +
			"(console.log), the app's API calls with secrets redacted (network.json) and a screenshot",
		EnvVars: []string{"WXCTL_ARTIFACTS"},
	}
	retriesFlag = &cli.IntFlag{
		Name: "retries",
		Usage: "run a failed read-only check (ready, service, logged-in, network) up to `N` more times, instead of the plan's retries:; " +
			"one that passes then is reported flaky (a call or eval check runs again only with its own retries:)",
		EnvVars: []string{"WXCTL_RETRIES"},
	}
	htmlFlag = &cli.StringFlag{
		Name: "html",
		Usage: "also write the run as one self-contained HTML report to `FILE`: every check with its status, assertions, " +
			"network request and answer (redacted), and the screenshot and console of each failed check",
		EnvVars: []string{"WXCTL_HTML"},
	}
	// smokeTimeoutFlag is smoke's --timeout: a run is many short checks,
	// each with its own timeout from the plan, so the whole run gets more
	// time than one operation of the other commands.
	smokeTimeoutFlag = &cli.DurationFlag{
		Name:    "timeout",
		Usage:   "how long the whole run may take once the browser runs; checks not done by then fail or are skipped (each check has its own timeout in the plan)",
		Value:   10 * time.Minute,
		EnvVars: []string{"WXCTL_TIMEOUT"},
	}
)

var smokeCommand = &cli.Command{
	Name:      "smoke",
	Usage:     "run a plan of checks against web WeChat (or the sandbox) and report for CI",
	ArgsUsage: "PLAN.yaml",
	Description: `Runs the named checks of a YAML plan in order, in one browser session, to
catch the day web WeChat changes under you: a service renamed, a method's
signature or behaviour changed, a request field dropped, the page blocked.
A check runs even when an earlier one failed, unless it needs: it.

Plan:
   name: sandbox contract         # optional; the file name otherwise
   url: https://wx.qq.com/        # optional; --url and --sandbox win over it
   timeout: 20s                   # optional; each check's default (30s)
   retries: 1                     # optional; reruns of a failed read-only check (0)
   checks:
     - name: page is web WeChat   # unique; needs: and reports use it
       type: ready                # the first ready check opens the page
     - name: chatroomFactory
       type: service
       service: chatroomFactory
       methods: [create/1, addMember/3, delMember/2, modTopic/2, quit]
       needs: [page is web WeChat]
     - name: session
       type: logged-in            # want: false for a logged-out page
     - name: create a group
       type: call
       service: chatroomFactory
       method: create
       args: [[{UserName: {member: Rain1ove}}, {UserName: {member: 迴焘願點}}]]
       expect:
         - BaseResponse.Ret in [0, -2013]
         - ChatRoomName matches ^@@
     - name: create request
       type: network
       endpoint: webwxcreatechatroom
       schema: [create-request, create-response]
     - name: session flag
       type: eval
       expr: typeof window.MMCgi.isLogin
       equals: boolean

Check fields: every check has name, type, and optionally timeout, needs and
retries. The plan's retries: and --retries reach ready, service, logged-in and
network checks only; a call or eval check, which may create or send, runs again
only with its own retries:. A check that passes on a retry is reported flaky.
   service:   service, methods (NAME or NAME/ARITY), fields
   logged-in: want (true or false; default true)
   call:      service, method, args, resolved (true/false), expect, wait (true:
              call again until expect holds, for reads of state that comes later)
   network:   endpoint (NAME or NAME?k=v), query, after (a check: only requests
              made after it began), status (default 200), schema (ready-made:
              create-request, create-response, batchget-request,
              batchget-response), request, response (PATH: TYPE mappings)
   eval:      expr, equals, resolved, expect, wait
   event:     event (message, group-change, contact-change, session-ended),
              after (a check: only what the app received after it began;
              required), chat (a name, {member: NAME} or {result: …}),
              expect (on the event's JSON, as watch --json prints it)
In args, {member: NAME} is a friend's UserName found as --member finds it, and
{result: CHECK, path: PATH} a value from an earlier call or eval check.
Assertions (expect): "PATH OP VALUE" or {path: PATH, OP: VALUE, …} with OP
equals, in, exists, matches (a regular expression), type. Paths:
BaseResponse.Ret, MemberList[0].UserName, MemberList[-1], MemberList[].UserName
(every element), $ (the whole value). Types: string, number, integer, bool,
object, array, null, any; a|b for either; a trailing ? for may be absent.

Exit codes: 0 every check passed (flaky ones too), 1 a check failed, 2 the plan is invalid
(file:line: reason), 7 the browser or the page could not be reached.

Examples:
   wxctl smoke --sandbox testdata/smoke/sandbox-contract.yaml
   wxctl smoke --junit smoke.xml --artifacts smoke-artifacts testdata/smoke/real-site.yaml
   wxctl smoke --retries 2 --html report.html --har run.har testdata/smoke/real-site.yaml`,
	Flags:  smokeFlags(),
	Action: runSmoke,
}

// smokeFlags are the report flags, smoke's own --timeout, and the flags
// that choose the browser and the page. The log-in flags are left out: a
// smoke run checks the session the profile has (a logged-in check says
// whether there is one) and never logs in.
func smokeFlags() []cli.Flag {
	return []cli.Flag{
		junitFlag, htmlFlag, artifactsFlag, retriesFlag, smokeTimeoutFlag, jsonFlag, captureFlag, harFlag, traceFlag,
		chromeFlag, showFlag, remoteFlag, chromeFlagFlag, profileFlag, urlFlag, sandboxFlag, angularFlag,
	}
}

func runSmoke(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("smoke takes one plan file (wxctl smoke [flags] PLAN.yaml), got %d arguments", c.NArg())
	}
	plan, err := smoke.ReadPlan(c.Args().First())
	if err != nil {
		return usageError{err}
	}
	w := c.App.Writer
	s, target, err := startSmokeSession(c, plan)
	if ExitCode(err) == ExitUsage {
		return err // flags that do not go together: there is no run to report
	}
	r := smoke.NewRun(plan, target)
	r.Artifacts = c.String(artifactsFlag.Name)
	r.WriteCalls = writeCapture
	r.Snapshots = c.String(htmlFlag.Name) != ""
	if c.IsSet(retriesFlag.Name) {
		if n := c.Int(retriesFlag.Name); n < 0 || n > smoke.MaxRetries {
			return usagef("--retries %d: give a whole number from 0 to %d", n, smoke.MaxRetries)
		}
		r.Retries = c.Int(retriesFlag.Name)
	}
	var text *smoke.TextReport
	if !c.Bool(jsonFlag.Name) {
		text = smoke.NewTextReport(w, plan, target)
	}
	done := func(res *smoke.Result) {
		if text != nil {
			text.Done(res)
		}
	}
	var runErr error
	if err != nil {
		// No browser or no page: nothing can run, but CI still gets its
		// report, every check skipped with the reason.
		r.SkipAll("not run: "+err.Error(), done)
		runErr = err
	} else {
		defer s.Close()
		r.Page = s.Page
		runErr = r.Run(s.Context(), done)
	}
	runErr = r.Verdict(runErr, err == nil && errors.Is(runErr, context.DeadlineExceeded) && c.Context.Err() == nil)
	if text != nil {
		text.Summary(r)
	} else if werr := writeResult(w, newSmokeJSON(r, runErr), runErr); werr != nil && runErr == nil {
		runErr = werr
	}
	if path := c.String(junitFlag.Name); path != "" {
		if werr := smoke.WriteJUnit(path, r, runErr); werr != nil && runErr == nil {
			runErr = werr
		}
	}
	if path := c.String(htmlFlag.Name); path != "" {
		if werr := smoke.WriteHTML(path, r, runErr); werr != nil && runErr == nil {
			runErr = werr
		}
	}
	return runErr
}

// smokeJSON is smoke's --json output. Its fields are a stable interface:
// README.md documents them.
type smokeJSON struct {
	Plan       string            `json:"plan"`
	File       string            `json:"file"`
	URL        string            `json:"url"`
	OK         bool              `json:"ok"`
	Passed     int               `json:"passed"`
	Failed     int               `json:"failed"`
	Skipped    int               `json:"skipped"`
	Flaky      int               `json:"flaky"`
	DurationMs float64           `json:"durationMs"`
	Checks     []smoke.CheckJSON `json:"checks"`
	Error      string            `json:"error,omitempty"`
	ExitCode   int               `json:"exitCode"`
}

func newSmokeJSON(r *smoke.Run, err error) smokeJSON {
	n := r.Counts()
	out := smokeJSON{
		Plan: r.Plan().Name, File: r.Plan().File, URL: r.URL(),
		OK:     err == nil,
		Passed: n.Passed, Failed: n.Failed, Skipped: n.Skipped, Flaky: n.Flaky,
		DurationMs: smoke.Millis(r.Duration()),
		Checks:     []smoke.CheckJSON{},
		ExitCode:   ExitCode(err),
	}
	if err != nil {
		out.Error = err.Error()
	}
	for _, res := range r.Results() {
		out.Checks = append(out.Checks, res.JSON())
	}
	return out
}

// startSmokeSession is startSession with the plan's URL: smoke opens the page
// in its first check, so that a page that is not web WeChat is a failed
// ready check with a report, not an error before any check; and it neither
// requires nor watches a session: a logged-in check looks at that. The URL
// is --sandbox's, else --url when given, else the plan's.
func startSmokeSession(c *cli.Context, plan *smoke.Plan) (*session, string, error) {
	useSandbox := c.Bool(sandboxFlag.Name)
	s, target, err := startSession(c, useSandbox)
	if err != nil {
		return nil, target, err
	}
	if !useSandbox && !c.IsSet(urlFlag.Name) && plan.URL != "" {
		target = plan.URL
	}
	s.SetJob(c.Context, target, c.Duration(smokeTimeoutFlag.Name))
	return s, target, nil
}
