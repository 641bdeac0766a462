// Package smoke runs a plan of checks against web WeChat in one browser
// tab and reports them for people, for --json and for CI (JUnit XML, the
// files of failed checks). It is the engine of wxctl smoke: the command
// reads its flags, opens the page and hands it over.
//
//   - ReadPlan and ParsePlan read a plan; its errors are *PlanError with
//     the line.
//   - NewRun, then Run.Run (or Run.SkipAll when there is no page), then
//     Run.Verdict for how the run ended.
//   - TextReport, Result.JSON, WriteJUnit and WriteHTML report it.
//
// A failed check runs again as often as retries allow (Run.retriesOf: the
// check's own retries:, else --retries, else the plan's). The plan's and
// --retries' count reach only the read-only check types (ready, service,
// logged-in, network): a call or eval may change something, and repeating
// it blindly could create a group or send a message twice, so it is
// retried only when it asks for it itself. A pass after failed attempts is
// flaky (StatusFlaky) in every report, never a plain pass.
//
// Check types live in check.go, but for event, in event.go: it waits for
// what the app receives (browser.Events) after the check named by its
// after: began. Run starts an event check's stream when that check begins,
// not when the event check runs, because the stream learns the app's
// groups when it starts and would tell no change the app applied before.
//
// Resolver and Eval serve the call and eval commands as well: they resolve
// {member: NAME} arguments and evaluate expressions the way checks do.
package smoke
