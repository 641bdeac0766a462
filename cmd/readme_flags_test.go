package cmd

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// readmeFlagRow is one row of README.md's flag table.
type readmeFlagRow struct {
	names []string // "member", "m"
	env   string
	line  string
}

// readmeFlagRows reads the Flags section of README.md.
func readmeFlagRows(t *testing.T) []readmeFlagRow {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "### Flags\n")
	if !ok {
		t.Fatal("README.md has no Flags section")
	}
	section, _, _ = strings.Cut(section, "\n#")
	var rows []readmeFlagRow
	flagRe := regexp.MustCompile("^`((?:--?[a-z0-9-]+(?:, )?)+)")
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `-") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if len(cells) < 4 {
			t.Errorf("README.md flag row %q: want 4 cells", line)
			continue
		}
		m := flagRe.FindStringSubmatch(cells[0])
		if m == nil {
			t.Errorf("README.md flag row %q: no flag in its first cell", line)
			continue
		}
		row := readmeFlagRow{env: strings.Trim(cells[1], "`"), line: line}
		for _, n := range strings.Split(m[1], ", ") {
			row.names = append(row.names, strings.TrimLeft(n, "-"))
		}
		rows = append(rows, row)
	}
	return rows
}

// TestReadmeFlags holds README.md's flag table to the app definition: a row
// for every flag of every command, with its aliases and its environment
// variable, and no row for a flag or variable that does not exist.
func TestReadmeFlags(t *testing.T) {
	rows := readmeFlagRows(t)
	byName := map[string]readmeFlagRow{}
	for _, r := range rows {
		byName[r.names[0]] = r
	}
	inApp := map[string]bool{}
	envs := map[string]bool{}
	for _, leaf := range leafCommands(NewApp().Commands, nil) {
		for _, f := range leaf.cmd.Flags {
			names := f.Names()
			inApp[names[0]] = true
			var env []string
			if e, ok := f.(interface{ GetEnvVars() []string }); ok {
				env = e.GetEnvVars()
			}
			for _, e := range env {
				envs[e] = true
			}
			row, ok := byName[names[0]]
			switch {
			case !ok:
				t.Errorf("README.md's flag table has no row for --%s (wxctl %s)", names[0], strings.Join(leaf.path, " "))
			case !slices.Equal(row.names, names):
				t.Errorf("README.md names --%s %q, the app %q", names[0], row.names, names)
			case row.env != strings.Join(env, ", "):
				t.Errorf("README.md gives --%s the variable %q, the app %q", names[0], row.env, env)
			}
		}
	}
	for _, r := range rows {
		if !inApp[r.names[0]] {
			t.Errorf("README.md lists --%s, which no command has: %s", r.names[0], r.line)
		}
	}
	b, _ := os.ReadFile("../README.md")
	for _, e := range regexp.MustCompile(`WXCTL_[A-Z0-9_]+`).FindAllString(string(b), -1) {
		if !envs[e] {
			t.Errorf("README.md names %s, which no flag reads", e)
		}
	}
}
