// Package batch creates many groups from a plan file: paced to WeChat's
// limits, journaled so that a run can be resumed after anything, and
// never creating a group twice. It is the engine of wxctl room batch: the
// command reads its flags into Options, opens the session and hands the
// engine its page through the Session interface.
//
//   - Load reads the plan and its journal; Batch.Resolve checks the names
//     against the address book (a *PlanError lists every problem).
//   - Batch.MarkExisting and Batch.ReportDryRun show what a run would do.
//   - Batch.Run works through the plan, telling a Reporter; Batch.Report
//     prints the outcome and returns the command's error.
//   - ReadJournal, Record, Group, GroupJSON and SummaryJSON are the journal
//     and the --json lines, as README.md documents them.
package batch
