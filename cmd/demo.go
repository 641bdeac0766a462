package cmd

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/wxctl/wxctl/browser"
	"github.com/wxctl/wxctl/cmd/internal/seedcmp"
	"github.com/wxctl/wxctl/cmd/internal/table"
)

// demoMembers are the two friends of the seed: creating a group with them
// reproduces the user's own capture.
var demoMembers = []string{"Rain1ove", "迴焘願點"}

var demoCommand = &cli.Command{
	Name:  "demo",
	Usage: "create a group on the built-in sandbox of web WeChat and compare the app's traffic with the seed",
	Description: `Starts the built-in sandbox (real AngularJS, the web app's service names and
answers), opens it in a headless Chromium, creates a group with the sandbox
friends Rain1ove and 迴焘願點 through chatroomFactory.create, reads it back, and
prints the request and answer the app made side by side with the user's own
capture of web WeChat. Needs no account and no network.`,
	Flags: []cli.Flag{
		chromeFlag, showFlag, chromeFlagFlag, angularFlag, timeoutFlag, jsonFlag, captureFlag, harFlag, traceFlag,
	},
	Action: runDemo,
}

// seedPair is one request or answer of the seed and the app's counterpart.
type seedPair struct {
	title string
	seed  []byte
	ours  []byte
}

func runDemo(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("demo takes no arguments, got %q", c.Args().First())
	}
	s, err := openSession(c, true)
	if err != nil {
		return err
	}
	defer s.Close()
	w := c.App.Writer
	if !c.Bool(jsonFlag.Name) {
		fmt.Fprintf(w, "Sandbox  %s\nMembers  %s\n\n", s.Sandbox.URL(), strings.Join(demoMembers, ", "))
	}
	res, self, err := createRoom(s, demoMembers, "")
	pairs := seedPairs(s.OpCalls(), res)
	if c.Bool(jsonFlag.Name) {
		out := demoJSON{roomJSON: newRoomJSON(res, s.OpCalls(), err), Seed: map[string][]seedcmp.Row{}}
		for _, p := range pairs {
			rows, cerr := seedcmp.Compare(p.seed, p.ours)
			if cerr == nil {
				out.Seed[p.title] = rows
			}
		}
		if werr := writeResult(w, out, err); werr != nil && err == nil {
			return werr
		}
		return err
	}
	if res != nil && res.Created {
		printRoom(w, res, self)
	}
	for _, p := range pairs {
		if perr := printComparison(w, p); perr != nil && err == nil {
			err = perr
		}
	}
	return err
}

// demoJSON is demo's --json output: room create's object plus the seed
// comparison by request and answer.
type demoJSON struct {
	roomJSON
	Seed map[string][]seedcmp.Row `json:"seedComparison"`
}

// seedPairs pairs the seed's create and batch get with the app's own.
func seedPairs(calls []browser.NetCall, res *browser.RoomResult) []seedPair {
	var pairs []seedPair
	for _, call := range calls {
		switch {
		case call.Endpoint == browser.EndpointCreateRoom && len(pairs) == 0:
			pairs = append(pairs,
				seedPair{"webwxcreatechatroom request", seedcmp.CreateRequest, call.RequestBody},
				seedPair{"webwxcreatechatroom answer", seedcmp.CreateResponse, call.ResponseBody})
		case call.Endpoint == browser.EndpointBatchGet && res != nil && len(pairs) == 2 &&
			strings.Contains(string(call.RequestBody), res.ChatRoomName):
			pairs = append(pairs,
				seedPair{"webwxbatchgetcontact request", seedcmp.BatchGetRequest, call.RequestBody},
				seedPair{"webwxbatchgetcontact answer", seedcmp.BatchGetResponse, call.ResponseBody})
		}
	}
	return pairs
}

// printComparison prints one request or answer of the app next to the
// seed's, field by field, secrets masked.
func printComparison(w io.Writer, p seedPair) error {
	rows, err := seedcmp.Compare(p.seed, p.ours)
	if err != nil {
		return fmt.Errorf("comparing the %s with the seed: %w", p.title, err)
	}
	seedShown, _ := seedcmp.Shape(browser.Redact(p.seed))
	oursShown, _ := seedcmp.Shape(browser.Redact(p.ours))
	fmt.Fprintf(w, "\n%s: the seed's and the app's, field by field\n", p.title)
	t := table.Table{Indent: "  "}
	t.Row("FIELD", "SEED", "APP", "")
	for _, r := range rows {
		seed, ours := r.Seed, r.Ours
		if f, ok := seedShown[r.Path]; ok {
			seed = f.Value
		}
		if f, ok := oursShown[r.Path]; ok {
			ours = f.Value
		}
		t.Row(r.Path, cell(seed), cell(ours), r.Verdict)
	}
	t.Write(w)
	if bad := seedcmp.Mismatches(rows); len(bad) > 0 {
		fmt.Fprintf(w, "  differs from the seed: %s\n", strings.Join(bad, ", "))
	} else {
		fmt.Fprintf(w, "  every field of the seed is there, with the same type\n")
	}
	return nil
}

// cell shortens a value for a table column.
func cell(v string) string {
	if strings.HasPrefix(v, "@") && !strings.ContainsAny(v, " <") {
		return browser.ShortUserName(v)
	}
	v = browser.PlainName(v)
	if v == "" {
		return `""`
	}
	if r := []rune(v); len(r) > 24 {
		return string(r[:23]) + "…"
	}
	return v
}
