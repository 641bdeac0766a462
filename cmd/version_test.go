package cmd

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

func TestVersionOf(t *testing.T) {
	vcs := func(kv ...string) []debug.BuildSetting {
		var out []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			out = append(out, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return out
	}
	for _, tt := range []struct {
		info debug.BuildInfo
		want string
	}{
		{debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, "v1.4.0"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"},
			Settings: vcs("vcs.revision", "7d9ce4b0123456789abcdef", "vcs.time", "2026-11-30T05:00:00Z", "vcs.modified", "true")},
			"(devel) 7d9ce4b01234 2026-11-30T05:00:00Z modified"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "(devel), built without version control information"},
	} {
		if got := versionOf(&tt.info); got != tt.want {
			t.Errorf("versionOf(%+v) = %q, want %q", tt.info.Main, got, tt.want)
		}
	}
	code, stdout, _ := runCLI(t, "--version")
	if code != ExitOK || strings.Contains(stdout, "dev\n") || !strings.HasPrefix(stdout, "wxctl version ") {
		t.Errorf("--version: exit %d, %q", code, stdout)
	}
}

// TestCompletionScripts: each shell's script is made from the commands and
// their flags, and bash and zsh read it without a syntax error.
func TestCompletionScripts(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		code, stdout, stderr := runCLI(t, "completion", shell)
		if code != ExitOK || stderr != "" {
			t.Fatalf("%s: exit %d, stderr %q", shell, code, stderr)
		}
		for _, want := range []string{"create", "batch", "--member", "--json", "--sandbox"} {
			if shell == "fish" && strings.HasPrefix(want, "--") {
				want = "-l " + want[2:] // complete -c wxctl … -l member
			}
			if !strings.Contains(stdout, want) {
				t.Errorf("%s script lacks %q", shell, want)
			}
		}
		if sh, err := exec.LookPath(shell); err == nil && shell != "fish" {
			path := filepath.Join(t.TempDir(), "wxctl."+shell)
			if err := os.WriteFile(path, []byte(stdout), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(sh, "-n", path).CombinedOutput(); err != nil {
				t.Errorf("%s -n: %v\n%s", shell, err, out)
			}
		}
	}
	// bash completes the subcommands of room and the flags of room add.
	if _, err := exec.LookPath("bash"); err == nil {
		_, script, _ := runCLI(t, "completion", "bash")
		for line, want := range map[string]string{
			"wxctl room ":              "create",
			"wxctl --json room add -":  "--member",
			"wxctl room add Hike --me": "--member",
		} {
			words := strings.Fields(line)
			if strings.HasSuffix(line, " ") {
				words = append(words, "")
			}
			probe := script + "\nCOMP_WORDS=(" + quoteWords(words) + "); COMP_CWORD=" +
				strconv.Itoa(len(words)-1) + "; _wxctl_complete; echo \"${COMPREPLY[@]}\"\n"
			out, err := exec.Command("bash", "-c", probe).CombinedOutput()
			if err != nil || !strings.Contains(string(out), want) {
				t.Errorf("completing %q: %v %q, want %q", line, err, out, want)
			}
		}
	}
	code, stdout, _ := runCLI(t, "man")
	if code != ExitOK || !strings.Contains(stdout, ".TH wxctl 1") || !strings.Contains(stdout, "room") {
		t.Errorf("man: exit %d, %.200q", code, stdout)
	}
}

func quoteWords(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = "'" + w + "'"
	}
	return strings.Join(q, " ")
}
