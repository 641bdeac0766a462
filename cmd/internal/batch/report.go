package batch

import "io"

// Report prints how the run ended, on w: the table of groups, or with
// asJSON the lines of the groups not settled and the summary line, whose
// exitCode is exitCode of the returned error. It returns the command's
// error: what stopped the run (stopErr), else whether groups failed.
func (b *Batch) Report(w io.Writer, asJSON bool, stopErr error, exitCode func(error) int) error {
	items := b.items
	sum := summarize(items, b.opts.Journal)
	err := batchOutcome(sum, stopErr)
	if !asJSON {
		printBatchSummary(w, items, sum)
		return err
	}
	for _, it := range items {
		if !it.settled() {
			_ = writeJSONLine(w, newBatchGroupJSON(it))
		}
	}
	sum.Stopped, sum.ExitCode, sum.OK = stopName(stopErr), exitCode(err), err == nil
	if err != nil {
		sum.Error = oneLine(err.Error())
	}
	if werr := writeJSONLine(w, sum); werr != nil && err == nil {
		return werr
	}
	return err
}

// Report lists the problems: on errw, or as one JSON line on w with
// asJSON, whose exitCode is exitCode of e. It returns e.
func (e *PlanError) Report(w, errw io.Writer, asJSON bool, exitCode func(error) int) error {
	if asJSON {
		_ = writeJSONLine(w, map[string]any{"type": "problems", "ok": false, "exitCode": exitCode(e), "error": oneLine(e.Error()), "problems": e.Problems})
		return e
	}
	e.print(errw)
	return e
}

// ReportDryRun prints on w what a run would do: a table, or with asJSON
// one line per group and a summary line.
func (b *Batch) ReportDryRun(w io.Writer, asJSON bool) error {
	items, journal := b.items, b.opts.Journal
	if !asJSON {
		printBatchPlan(w, items, b.pace.spacing(), journal)
		return nil
	}
	for _, it := range items {
		line := newBatchGroupJSON(it)
		line.Status = dryRunStatus(it)
		if err := writeJSONLine(w, line); err != nil {
			return err
		}
	}
	sum := summarize(items, journal)
	sum.DryRun = true
	return writeJSONLine(w, sum)
}
