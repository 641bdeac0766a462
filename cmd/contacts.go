package cmd

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/wxctl/wxctl/browser"
	"github.com/wxctl/wxctl/cmd/internal/table"
)

var (
	filterFlag = &cli.StringFlag{
		Name:  "filter",
		Usage: "only contacts whose NickName, RemarkName, Alias or UserName contains this text (case ignored)",
	}
	groupsFlag = &cli.BoolFlag{
		Name:  "groups",
		Usage: "only groups",
	}
	friendsFlag = &cli.BoolFlag{
		Name:  "friends",
		Usage: "only friends",
	}
	searchFlag = &cli.StringFlag{
		Name:  "search",
		Usage: "also ask the server for this text (the app's contactFactory.remoteSearch) and list its hits",
	}
)

var contactsCommand = &cli.Command{
	Name:      "contacts",
	Usage:     "list your friends and groups as the app holds them",
	ArgsUsage: " ",
	Description: `Lists the friends and groups the app loaded (contactFactory), with UserName,
NickName (emoji markup shown as emoji), RemarkName, Alias and, for groups, the
number of members and whether each is saved to the address book. UserNames
change at every login: use them in the same session only, names otherwise.

Most groups are not saved to the address book: the app learns them from
your recent chats after the page opens, through its own batch gets
(webwxbatchgetcontact, 50 groups at a time). wxctl waits for that loading
before it lists or looks for a group; when it is not over within --timeout,
it names the groups still missing and exits 7.

--search also asks WeChat's server through the app's own remoteSearch
(webwxsearchcontact) and lists the friends it found. The app's remoteSearch
never settles when WeChat refuses, so wxctl reads the answer from the network:
a refusal is reported with its Ret, and no answer within --timeout exits 8.

Example:
   wxctl contacts --friends --filter tom
   wxctl contacts --groups --json
   wxctl contacts --search boss`,
	Flags:  append([]cli.Flag{filterFlag, groupsFlag, friendsFlag, searchFlag}, appFlags()...),
	Action: runContacts,
}

func runContacts(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("contacts takes no arguments, got %q: use --filter or --search", c.Args().First())
	}
	if c.Bool(groupsFlag.Name) && c.Bool(friendsFlag.Name) {
		return usagef("--groups and --friends do not go together: leave both out for everything")
	}
	s, err := openSession(c, c.Bool(sandboxFlag.Name))
	if err != nil {
		return err
	}
	defer s.Close()
	var list []contactJSON
	var search *browser.SearchResult
	book, err := browser.LoadContacts(s.Context(), s.Page)
	if err == nil {
		list = filterContacts(book, c.String(filterFlag.Name), !c.Bool(groupsFlag.Name), !c.Bool(friendsFlag.Name))
		if kw := c.String(searchFlag.Name); kw != "" {
			search, err = browser.RemoteSearch(s.Context(), s.Page, kw)
		}
	}
	if c.Bool(jsonFlag.Name) {
		return writeOutput(c, newContactsJSON(list, search, err), err)
	}
	printContacts(c.App.Writer, list)
	if search != nil && err == nil {
		printSearch(c.App.Writer, search)
	}
	return err
}

// contactsJSON is the --json output of contacts.
type contactsJSON struct {
	OK       bool          `json:"ok"`
	Contacts []contactJSON `json:"contacts"`
	// Search is the server's answer to --search; null without it.
	Search   *searchJSON `json:"search"`
	Error    string      `json:"error,omitempty"`
	ExitCode int         `json:"exitCode"`
}

// contactJSON is a friend or group; names are plain text.
type contactJSON struct {
	Kind        string `json:"kind"` // "friend" or "group"
	UserName    string `json:"userName"`
	NickName    string `json:"nickName"`
	RemarkName  string `json:"remarkName"`
	Alias       string `json:"alias"`
	MemberCount *int   `json:"memberCount,omitempty"` // groups only
	// Saved says whether the group is saved to the address book; groups
	// only. Most are not: the app learns them from your recent chats.
	Saved *bool `json:"saved,omitempty"`
	// Special marks WeChat's own accounts among the friends (微信团队,
	// 文件传输助手, …): they can be sent to, but cannot join a group.
	Special bool `json:"special,omitempty"`
}

// searchJSON is what remoteSearch found.
type searchJSON struct {
	Keyword string `json:"keyword"`
	// Asked is whether the app asked the server; it answers a keyword it
	// searched before from its cache.
	Asked bool          `json:"asked"`
	Ret   *int          `json:"ret"`
	Hits  []contactJSON `json:"hits"`
}

func newContactJSON(c browser.Contact) contactJSON {
	out := contactJSON{
		Kind: "friend", UserName: c.UserName, NickName: browser.PlainName(c.NickName),
		RemarkName: browser.PlainName(c.RemarkName), Alias: c.Alias, Special: c.IsSpecial(),
	}
	if c.IsRoom() {
		n, saved := c.MemberCount, c.IsSaved()
		out.Kind, out.MemberCount, out.Saved = "group", &n, &saved
	}
	return out
}

func newContactsJSON(list []contactJSON, search *browser.SearchResult, err error) contactsJSON {
	out := contactsJSON{OK: err == nil, Contacts: list, Error: errText(err), ExitCode: ExitCode(err)}
	if out.Contacts == nil {
		out.Contacts = []contactJSON{}
	}
	if search != nil {
		s := &searchJSON{Keyword: search.Keyword, Asked: search.Asked, Hits: []contactJSON{}}
		if search.Asked {
			ret := search.Ret
			s.Ret = &ret
		}
		for _, h := range search.Hits {
			s.Hits = append(s.Hits, newContactJSON(h))
		}
		out.Search = s
	}
	return out
}

// filterContacts lists the friends and groups wanted whose names contain
// filter, friends first.
func filterContacts(book *browser.AddressBook, filter string, friends, groups bool) []contactJSON {
	var all []browser.Contact
	if friends {
		all = append(all, book.Friends...)
	}
	if groups {
		all = append(all, book.Groups...)
	}
	key := strings.ToLower(strings.TrimSpace(filter))
	out := []contactJSON{}
	for _, c := range all {
		j := newContactJSON(c)
		if key == "" || strings.Contains(strings.ToLower(strings.Join([]string{j.NickName, j.RemarkName, j.Alias, j.UserName}, "\x00")), key) {
			out = append(out, j)
		}
	}
	return out
}

// printContacts prints the friends, WeChat's special accounts and then the
// groups as tables.
func printContacts(w io.Writer, list []contactJSON) {
	var friends, special, groups []contactJSON
	for _, c := range list {
		switch {
		case c.Kind == "group":
			groups = append(groups, c)
		case c.Special:
			special = append(special, c)
		default:
			friends = append(friends, c)
		}
	}
	if len(list) == 0 {
		fmt.Fprintln(w, "No contact matches.")
	}
	if len(friends) > 0 {
		fmt.Fprintf(w, "Friends (%d)\n", len(friends))
		printTable(w, []string{"NICKNAME", "REMARKNAME", "ALIAS", "USERNAME"}, friends, func(c contactJSON) []string {
			return []string{c.NickName, c.RemarkName, c.Alias, c.UserName}
		})
	}
	if len(special) > 0 {
		fmt.Fprintf(w, "Special accounts (%d): WeChat's own, not people; they can be sent to but cannot join a group\n", len(special))
		printTable(w, []string{"NICKNAME", "USERNAME"}, special, func(c contactJSON) []string {
			return []string{c.NickName, c.UserName}
		})
	}
	if len(groups) > 0 {
		saved := 0
		for _, g := range groups {
			if *g.Saved {
				saved++
			}
		}
		fmt.Fprintf(w, "Groups (%d, %d saved to the address book)\n", len(groups), saved)
		printTable(w, []string{"TOPIC", "MEMBERS", "SAVED", "USERNAME"}, groups, func(c contactJSON) []string {
			return []string{c.NickName, fmt.Sprint(*c.MemberCount), yesNo(*c.Saved), c.UserName}
		})
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func printSearch(w io.Writer, s *browser.SearchResult) {
	how := "the app answered from its cache"
	if s.Asked {
		how = "webwxsearchcontact answered Ret 0"
	}
	fmt.Fprintf(w, "Server search for %q: %d friend(s) found (%s)\n", s.Keyword, len(s.Hits), how)
	hits := make([]contactJSON, len(s.Hits))
	for i, h := range s.Hits {
		hits[i] = newContactJSON(h)
	}
	printTable(w, []string{"NICKNAME", "REMARKNAME", "ALIAS", "USERNAME"}, hits, func(c contactJSON) []string {
		return []string{c.NickName, c.RemarkName, c.Alias, c.UserName}
	})
}

// printTable prints rows under a header, indented, in aligned columns.
func printTable(w io.Writer, header []string, rows []contactJSON, cells func(contactJSON) []string) {
	if len(rows) == 0 {
		return
	}
	t := table.Table{Indent: "  "}
	t.Row(header...)
	for _, r := range rows {
		t.Row(cells(r)...)
	}
	t.Write(w)
}
