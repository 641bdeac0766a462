package cmd

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wxctl/wxctl/sandbox"
)

func TestContacts(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	code, out, stderr := runJSON[contactsJSON](t, url, "contacts", nil)
	if code != ExitOK || !out.OK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	// 12 people, 3 special accounts, the saved group and the recent ones.
	if len(out.Contacts) != 16+sandbox.DefaultRecentGroups || out.Search != nil {
		t.Fatalf("%d contacts, search %v", len(out.Contacts), out.Search)
	}
	byName := map[string]contactJSON{}
	for _, c := range out.Contacts {
		byName[c.UserName] = c
	}
	if c := byName[sandbox.ZhangWei]; c.Kind != "friend" || c.NickName != "Zhang Wei" || c.RemarkName != "Boss" || c.MemberCount != nil {
		t.Errorf("Zhang Wei %+v", c)
	}
	if c := byName[sandbox.Alice]; c.Alias != "alice_w" {
		t.Errorf("Alice %+v", c)
	}
	if c := byName[srv.Rooms()[0].UserName]; c.Kind != "group" || c.NickName != sandbox.SeedRoomTopic || c.MemberCount == nil || *c.MemberCount != 4 ||
		c.Saved == nil || !*c.Saved {
		t.Errorf("seed group %+v", c)
	}
	if _, ok := byName[sandbox.SelfUserName]; ok {
		t.Error("you are listed as your own contact")
	}

	code, out, _ = runJSON[contactsJSON](t, url, "contacts", []string{"--friends", "--filter", "TOM"})
	if code != ExitOK || len(out.Contacts) != 2 || out.Contacts[0].NickName != "Tom" {
		t.Errorf("--friends --filter TOM: %+v", out.Contacts)
	}
	code, stdout, _ := onURL(t, url, "contacts", []string{"--groups"})
	if code != ExitOK || !strings.Contains(stdout, "Groups (61, 1 saved to the address book)") || strings.Contains(stdout, "Friends") ||
		!strings.Contains(stdout, "TOPIC") || !regexp.MustCompile(`Weekend Hikers +4 +yes +@@`).MatchString(stdout) {
		t.Errorf("--groups:\n%s", stdout)
	}
}

func TestContactsSearch(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	code, out, stderr := runJSON[contactsJSON](t, url, "contacts", []string{"--groups", "--search", "boss"})
	if code != ExitOK || out.Search == nil {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	s := out.Search
	if !s.Asked || s.Ret == nil || *s.Ret != 0 || len(s.Hits) != 1 || s.Hits[0].UserName != sandbox.ZhangWei || s.Keyword != "boss" {
		t.Errorf("search %+v", s)
	}
	reqs := srv.Requests("webwxsearchcontact")
	var req struct{ KeyWord string }
	if len(reqs) != 1 || json.Unmarshal(reqs[0].Body, &req) != nil || req.KeyWord != "boss" {
		t.Errorf("search requests %d, %+v", len(reqs), req)
	}

	// The app's remoteSearch never settles on a refusal: wxctl reads the
	// answer off the network at once instead of waiting for --timeout.
	srv.SetFault(sandbox.Fault{Endpoint: "webwxsearchcontact", Ret: 1, ErrMsg: "操作太频繁"})
	start := time.Now()
	code, out, stderr = runJSON[contactsJSON](t, url, "contacts", []string{"--search", "boss"})
	if code != ExitRateLimited || !strings.Contains(stderr, "never settles") || out.Search == nil || *out.Search.Ret != 1 {
		t.Errorf("refused search: exit %d, stderr %q, %+v", code, stderr, out.Search)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("a refused search took %v: it waited for the deadline", d)
	}
	if len(out.Contacts) != 16+sandbox.DefaultRecentGroups {
		t.Errorf("the local list is missing from a failed search: %d", len(out.Contacts))
	}
}
