package batch

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/wxctl/wxctl/browser"
)

// Group is one group of a batch plan: its topic and its members as the
// plan names them (NickName, RemarkName, Alias or UserName).
type Group struct {
	Line    int // where the group is in the plan file, 1-based
	Topic   string
	Members []string
}

// batchSyntaxError is a plan file that cannot be read as a plan at all. The
// problems of readable plans (a missing topic, a repeated one, too few
// members) are batchProblems, all reported together.
type batchSyntaxError struct {
	File string
	Line int // 0 when the parser does not say
	Msg  string
}

func (e *batchSyntaxError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// Is makes a plan that cannot be read bad input (exit 2).
func (e *batchSyntaxError) Is(target error) bool { return target == browser.ErrBadInput }

// maxBatchPlan bounds the size of a plan file: a plan of thousands of groups
// is a few hundred kilobytes, and the whole file is read at once.
const maxBatchPlan = 16 << 20

// readBatchPlan reads and parses the plan file at path.
func readBatchPlan(path string) ([]Group, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &inputError{fmt.Errorf("reading the plan: %w", err)}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxBatchPlan+1))
	if err != nil {
		return nil, fmt.Errorf("reading the plan: %w", err)
	}
	if len(data) > maxBatchPlan {
		return nil, &batchSyntaxError{File: path, Msg: fmt.Sprintf("the plan is larger than %d MiB", maxBatchPlan>>20)}
	}
	return parseBatchPlan(path, data)
}

// parseBatchPlan parses a plan: YAML when the file is named .yaml or .yml,
// CSV when it is named .csv, and otherwise whichever the text looks like
// (a YAML plan starts with "- " or "topic:"). It checks the syntax only;
// checkBatchPlan checks the groups.
func parseBatchPlan(file string, data []byte) ([]Group, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF")) // spreadsheets write a byte-order mark
	if err := checkPlanEncoding(file, data); err != nil {
		return nil, err
	}
	switch strings.ToLower(filepath.Ext(file)) {
	case ".yaml", ".yml":
		return parseYAMLPlan(file, data)
	case ".csv":
		return parseCSVPlan(file, data)
	}
	if looksLikeYAML(data) {
		return parseYAMLPlan(file, data)
	}
	return parseCSVPlan(file, data)
}

// checkPlanEncoding refuses a plan that is not UTF-8 text. A topic read
// in the wrong encoding is still some text, so the plan would run; but the
// group made with it never reads back under the plan's topic, and every
// later run would create it again. Spreadsheets save CSV as GBK (Excel on
// a Chinese Windows) or as UTF-16 ("Unicode text").
func checkPlanEncoding(file string, data []byte) error {
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return &batchSyntaxError{File: file, Line: 1, Msg: "the plan is UTF-16 text, and wxctl reads plans as UTF-8: " +
			"convert it (" + iconvHint(file, "UTF-16") + ") or save it from the spreadsheet as \"CSV UTF-8\""}
	}
	if utf8.Valid(data) {
		return nil
	}
	at := 0
	for at < len(data) {
		r, size := utf8.DecodeRune(data[at:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		at += size
	}
	return &batchSyntaxError{File: file, Line: bytes.Count(data[:at], []byte{'\n'}) + 1,
		Msg: fmt.Sprintf("not UTF-8 text (byte %#02x): wxctl reads plans as UTF-8, and a topic read in the wrong encoding "+
			"would never be found again; if a spreadsheet saved it as GBK, convert it (%s) or save it as \"CSV UTF-8\"",
			data[at], iconvHint(file, "GBK"))}
}

// iconvHint is the command that converts the plan to UTF-8 beside itself.
func iconvHint(file, from string) string {
	ext := filepath.Ext(file)
	return fmt.Sprintf("iconv -f %s -t UTF-8 %s > %s", from, shellWord(file), shellWord(strings.TrimSuffix(file, ext)+"-utf8"+ext))
}

// shellWord quotes s for a POSIX shell when it needs quoting.
func shellWord(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`!*?[](){}<>|&;#~=%") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// looksLikeYAML reports whether the first line that is not blank or a
// comment starts a YAML list of groups.
func looksLikeYAML(data []byte) bool {
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		return line == "-" || line == "---" || strings.HasPrefix(line, "- ") || strings.HasPrefix(line, "topic:")
	}
	return false
}

// parseCSVPlan reads "topic,member,member,…" rows. A first row whose first
// cell is "topic" and whose other cells start with "member" is a header.
// Quoted cells may hold commas; empty cells are ignored (spreadsheets pad
// rows to the widest one); lines starting with # are comments.
func parseCSVPlan(file string, data []byte) ([]Group, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.Comment = '#'
	r.TrimLeadingSpace = true
	var groups []Group
	for first := true; ; first = false {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			return groups, nil
		}
		if err != nil {
			return nil, csvError(file, err)
		}
		line, _ := r.FieldPos(0)
		if first && isCSVHeader(row) {
			continue
		}
		g := Group{Line: line, Topic: strings.TrimSpace(row[0])}
		for _, cell := range row[1:] {
			if cell = strings.TrimSpace(cell); cell != "" {
				g.Members = append(g.Members, cell)
			}
		}
		groups = append(groups, g)
	}
}

func isCSVHeader(row []string) bool {
	if !strings.EqualFold(strings.TrimSpace(row[0]), "topic") {
		return false
	}
	for _, cell := range row[1:] {
		if cell = strings.ToLower(strings.TrimSpace(cell)); cell != "" && !strings.HasPrefix(cell, "member") {
			return false
		}
	}
	return true
}

func csvError(file string, err error) error {
	var perr *csv.ParseError
	if errors.As(err, &perr) {
		return &batchSyntaxError{File: file, Line: perr.Line, Msg: "not a CSV plan (topic,member,member,…): " + perr.Err.Error()}
	}
	return &batchSyntaxError{File: file, Msg: err.Error()}
}

// parseYAMLPlan reads a YAML list of {topic, members} mappings. Anchors and
// aliases are refused: a plan has no use for them, and they let a small
// file stand for a huge one.
func parseYAMLPlan(file string, data []byte) ([]Group, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &batchSyntaxError{File: file, Msg: "not a YAML plan: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if root.Kind == 0 {
		return nil, nil // an empty file: checkBatchPlan says the plan is empty
	}
	list := root.Content[0]
	if list.Kind != yaml.SequenceNode {
		return nil, yamlPlanError(file, list, "a plan is a list of groups: - topic: …\n  members: [A, B]")
	}
	groups := make([]Group, 0, len(list.Content))
	for _, item := range list.Content {
		g, err := yamlGroup(file, item)
		if err != nil {
			return nil, err
		}
		groups = append(groups, g)
	}
	return groups, nil
}

func yamlGroup(file string, item *yaml.Node) (Group, error) {
	g := Group{Line: item.Line}
	if item.Kind != yaml.MappingNode {
		return g, yamlPlanError(file, item, "a group is a mapping with topic and members")
	}
	for i := 0; i+1 < len(item.Content); i += 2 {
		key, value := item.Content[i], item.Content[i+1]
		switch key.Value {
		case "topic":
			if value.Kind != yaml.ScalarNode {
				return g, yamlPlanError(file, value, "topic is a text")
			}
			g.Topic = strings.TrimSpace(value.Value)
		case "members":
			members, err := yamlMembers(file, value)
			if err != nil {
				return g, err
			}
			g.Members = members
		default:
			return g, yamlPlanError(file, key, fmt.Sprintf("unknown key %q: a group has topic and members", key.Value))
		}
	}
	return g, nil
}

func yamlMembers(file string, n *yaml.Node) ([]string, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, yamlPlanError(file, n, "members is a list: [A, B] or one \"- name\" per line")
	}
	var out []string
	for _, m := range n.Content {
		if m.Kind != yaml.ScalarNode {
			return nil, yamlPlanError(file, m, "a member is a name")
		}
		if v := strings.TrimSpace(m.Value); v != "" {
			out = append(out, v)
		}
	}
	return out, nil
}

func yamlPlanError(file string, n *yaml.Node, msg string) error {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		msg = "anchors and aliases (& and *) are not supported in a plan"
	}
	return &batchSyntaxError{File: file, Line: n.Line, Msg: msg}
}

// inputError is a plan that cannot be read: bad input (exit 2).
type inputError struct{ err error }

func (e *inputError) Error() string        { return e.err.Error() }
func (e *inputError) Unwrap() error        { return e.err }
func (e *inputError) Is(target error) bool { return target == browser.ErrBadInput }
