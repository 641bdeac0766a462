package cmd

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestNoSecretsAnywhere runs one of every kind of job against one sandbox,
// keeping every output, capture, report, artifact and journal, then looks
// in all of them for the session's secrets: Uin, Sid, Skey, pass_ticket,
// the cookies' values and DeviceIDs. None may appear, whatever the job.
func TestNoSecretsAnywhere(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	plan := path("plan.yaml")
	if err := os.WriteFile(plan, []byte(`checks:
  - {name: ready, type: ready}
  - {name: fails on purpose, type: eval, expr: "document.cookie + ' ' + JSON.stringify(angular.element(document).injector().get('accountFactory').getBaseRequest())", equals: "nothing"}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path("groups.csv"), []byte("Secret A,Rain1ove,Bob\nSecret B,Carol,Dave\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := onSandbox(url)
	// Each job: its command words, then the shared flags, then its own
	// flags and arguments (flags before arguments, as urfave/cli reads them).
	jobs := []struct{ cmd, args []string }{
		{[]string{"room", "create"}, []string{"--json", "--capture", path("create.json"), "--member", "Rain1ove", "--member", "迴焘願點", "--topic", "Secrets", "--message", "hi"}},
		{[]string{"room", "create"}, []string{"--member", "Carol", "--member", "Bob", "--capture", path("create-text.json"), "--har", path("create.har"), "--trace", path("create-trace")}},
		{[]string{"room", "info"}, []string{"--json", "--capture", path("info.json"), "Secrets"}},
		{[]string{"room", "add"}, []string{"--json", "--member", "Dave", "Secrets"}},
		{[]string{"send"}, []string{"--json", "Secrets", "hello"}},
		{[]string{"contacts"}, []string{"--json"}},
		{[]string{"eval"}, []string{"--har", path("eval.har"), "--trace", path("eval-trace"), "document.cookie"}},
		{[]string{"eval"}, []string{"angular.element(document).injector().get('accountFactory').getBaseRequest()"}},
		{[]string{"call"}, []string{"accountFactory", "getPassticket"}},
		{[]string{"smoke"}, []string{"--json", "--junit", path("junit.xml"), "--artifacts", path("artifacts"), plan}},
		{[]string{"room", "batch"}, []string{"--json", "--interval", "0s", "--journal", path("groups.journal"), path("groups.csv")}},
	}
	wantCode := map[string]int{"smoke": 1} // its eval check fails on purpose, for artifacts
	var out strings.Builder
	for _, job := range jobs {
		args := append(append(append([]string{}, job.cmd...), base...), job.args...)
		code, stdout, stderr := runCLI(t, args...)
		if code != wantCode[job.cmd[0]] {
			t.Errorf("%s: exit %d: %s", strings.Join(job.cmd, " "), code, stderr)
		}
		out.WriteString(stdout + stderr)
	}
	files := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".png") {
			b, _ := os.ReadFile(p)
			out.Write(b)
			files++
		}
		return nil
	})
	if files < 8 {
		t.Errorf("the jobs left %d files, want captures, reports, artifacts and a journal", files)
	}
	all := out.String()
	if !strings.Contains(all, "***") {
		t.Fatal("nothing was redacted: the jobs did not reach the secrets")
	}
	s := srv.Session()
	for name, v := range map[string]string{
		"Uin": strconv.FormatInt(s.Uin, 10), "Sid": s.Sid, "Skey": s.Skey, "pass_ticket": s.PassTicket,
		"webwx_data_ticket": s.DataTicket, "webwx_auth_ticket": s.AuthTicket, "webwxuvid": s.UVID,
	} {
		if strings.Contains(all, v) {
			t.Errorf("the session's %s appears in the output", name)
		}
	}
	if m := regexp.MustCompile(`DeviceID\W{1,4}e\d{15}`).FindString(all); m != "" {
		t.Errorf("a DeviceID appears in the output: %s", m)
	}
}
