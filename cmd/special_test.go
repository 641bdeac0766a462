package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wxctl/wxctl/sandbox"
)

// The sandbox, like the real server, lists WeChat's special accounts among
// the friends: 微信团队 (weixin), 文件传输助手 (filehelper), 语音记事本
// (medianote). They are not people.

func TestContactsMarksSpecialAccounts(t *testing.T) {
	needBrowser(t)
	_, url := startSandbox(t)
	code, out, stderr := runJSON[contactsJSON](t, url, "contacts", []string{"--friends"})
	if code != ExitOK || !out.OK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	special := map[string]bool{}
	for _, c := range out.Contacts {
		if c.Special {
			special[c.UserName] = true
		}
		if c.Kind != "friend" {
			t.Errorf("%+v: kind %q, want friend", c, c.Kind)
		}
	}
	for _, u := range []string{sandbox.WeixinTeam, sandbox.FileHelper, sandbox.MediaNote} {
		if !special[u] {
			t.Errorf("%s is not marked special", u)
		}
	}
	if len(special) != 3 || len(out.Contacts) != 15 {
		t.Errorf("%d special among %d friends, want 3 among 15", len(special), len(out.Contacts))
	}

	code, stdout, _ := onURL(t, url, "contacts", []string{"--friends"})
	friends, specials, ok := strings.Cut(stdout, "Special accounts (3)")
	if code != ExitOK || !ok || !strings.Contains(friends, "Friends (12)") || strings.Contains(friends, "文件传输助手") ||
		!strings.Contains(specials, "文件传输助手") || !strings.Contains(specials, "filehelper") {
		t.Errorf("text output:\n%s", stdout)
	}
}

func TestRoomCreateRefusesSpecialAccounts(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	code, stdout, stderr := onURL(t, url, "room create",
		[]string{"--member", "Rain1ove", "--member", "文件传输助手", "--member", "微信团队"})
	if code != ExitUsage || stdout != "" || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	for _, w := range []string{"文件传输助手 (filehelper) is a special account", "微信团队 (weixin)", "not a person"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr %q lacks %q", stderr, w)
		}
	}
	if n := len(srv.Requests("webwxcreatechatroom")); n != 0 {
		t.Errorf("%d create requests sent for refused members", n)
	}
}

func TestRoomAddRefusesSpecialAccounts(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	srv.AddRoom("Book Club", sandbox.Rain1ove, sandbox.HuiTao)
	code, stdout, stderr := onURL(t, url, "room add", []string{"--member", "filehelper", "--member", "Dave"}, "Book Club")
	if code != ExitUsage || stdout != "" || !strings.Contains(stderr, "文件传输助手 (filehelper) is a special account") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if funs, _ := updates(t, srv); len(funs) != 0 {
		t.Errorf("refused input still sent %v", funs)
	}
}

func TestRoomBatchRefusesSpecialAccounts(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	plan := filepath.Join(t.TempDir(), "plan.csv")
	if err := os.WriteFile(plan, []byte("Notes,Rain1ove,文件传输助手\nFine,Bob,Carol\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, batchArgs(url, plan)...)
	if code != ExitUsage || stdout != "" || !strings.Contains(stderr, `line 1 "Notes": 文件传输助手 (filehelper) is a special account`) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if n := len(srv.Requests("webwxcreatechatroom")); n != 0 {
		t.Errorf("%d create requests sent for a plan with a special account", n)
	}
}

// TestSendToFileHelper: a special account can still be sent to.
func TestSendToFileHelper(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	code, _, stderr := onURL(t, url, "send", nil, "文件传输助手", "note to self")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	reqs := srv.Requests("webwxsendmsg")
	if len(reqs) != 1 || !strings.Contains(string(reqs[0].Body), `"ToUserName":"filehelper"`) {
		t.Errorf("send requests: %d %s", len(reqs), reqs)
	}
}
