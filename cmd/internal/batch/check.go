package batch

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/wxctl/wxctl/browser"
)

// batchProblem is one thing wrong with a plan, at a line of it.
type batchProblem struct {
	Line    int    `json:"line"`
	Topic   string `json:"topic"`
	Problem string `json:"problem"`
}

// problemWidth bounds a problem's text when printed: it may quote a
// member's name, and a plan's cell may be megabytes long.
const problemWidth = 400

func (p batchProblem) String() string {
	problem := browser.Abbreviate(p.Problem, problemWidth)
	if p.Topic == "" {
		return fmt.Sprintf("line %d: %s", p.Line, problem)
	}
	return fmt.Sprintf("line %d %s: %s", p.Line, quote(p.Topic), problem)
}

// PlanError is a plan with problems, all of them; nothing was sent.
type PlanError struct {
	File     string
	Problems []batchProblem
}

func (e *PlanError) Error() string {
	return fmt.Sprintf("%s has %s (listed above); nothing was sent: fix the plan and run the command again",
		e.File, quantity(len(e.Problems), "problem"))
}

// Is makes a plan with problems bad input (exit 2).
func (e *PlanError) Is(target error) bool { return target == browser.ErrBadInput }

// print lists the problems for a person, one a line.
func (e *PlanError) print(w io.Writer) {
	fmt.Fprintf(w, "%s: %s:\n", e.File, quantity(len(e.Problems), "problem"))
	for _, p := range e.Problems {
		fmt.Fprintf(w, "  %s\n", p)
	}
}

// checkBatchPlan finds what is wrong with the groups before anything is
// sent, without the contacts: no groups at all, a group without a topic, a
// topic used twice (the journal and the look-up know groups by topic), a
// member listed twice, fewer than two members.
func checkBatchPlan(groups []Group) []batchProblem {
	if len(groups) == 0 {
		return []batchProblem{{Line: 1, Problem: "the plan has no groups"}}
	}
	var problems []batchProblem
	firstLine := make(map[string]int)
	for _, g := range groups {
		add := func(format string, args ...any) {
			problems = append(problems, batchProblem{Line: g.Line, Topic: g.Topic, Problem: fmt.Sprintf(format, args...)})
		}
		switch first, seen := firstLine[g.Topic]; {
		case g.Topic == "":
			add("no topic: every group needs one (wxctl finds groups again by topic)")
		case browser.CheckTopic(g.Topic) != nil:
			add("%v", browser.CheckTopic(g.Topic))
		case seen:
			add("the same topic as line %d: topics must differ", first)
		default:
			firstLine[g.Topic] = g.Line
		}
		distinct := make(map[string]bool)
		for _, m := range g.Members {
			if distinct[m] {
				add("%s is listed twice", quote(m))
			}
			distinct[m] = true
		}
		if len(distinct) < 2 {
			add("a group needs at least 2 members besides you, got %d", len(distinct))
		}
	}
	return problems
}

// resolveBatchPlan resolves the members of each item among the friends the
// app holds and checks what only the contacts can show: unknown and
// ambiguous names, special accounts, yourself, two names for one friend. Items whose group
// is done already are left alone: their members need not be friends still.
// Groups that checkBatchPlan found wrong are resolved too, so that every
// problem is reported at once.
func resolveBatchPlan(book *browser.AddressBook, items []*batchItem, known []batchProblem) []batchProblem {
	bad := make(map[int]bool, len(known))
	for _, p := range known {
		bad[p.Line] = true
	}
	problems := slices.Clone(known)
	for _, it := range items {
		if it.state == stateDone {
			continue
		}
		contacts, err := book.ResolveFriends(distinctNames(it.Members))
		if err == nil {
			err = browser.CheckNotSpecial(contacts)
		}
		if err == nil && !bad[it.Line] {
			err = browser.CheckRoomMembers(book.Self, contacts)
		}
		if err != nil {
			problems = append(problems, nameProblems(it.Group, err)...)
			continue
		}
		it.contacts = contacts
	}
	slices.SortStableFunc(problems, func(a, b batchProblem) int { return a.Line - b.Line })
	return problems
}

// nameProblems turns a resolution error into one problem per name.
func nameProblems(g Group, err error) []batchProblem {
	var nerr *browser.NameError
	if !errors.As(err, &nerr) {
		return []batchProblem{{Line: g.Line, Topic: g.Topic, Problem: err.Error()}}
	}
	out := make([]batchProblem, len(nerr.Problems))
	for i, p := range nerr.Problems {
		out[i] = batchProblem{Line: g.Line, Topic: g.Topic, Problem: p}
	}
	return out
}

// distinctNames drops repeated names, keeping the first: checkBatchPlan
// reports repeats already.
func distinctNames(names []string) []string {
	seen := make(map[string]bool, len(names))
	var out []string
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// memberNames is how a person reads a group's members in messages.
func memberNames(names []string) string {
	return strings.Join(names, ", ")
}
