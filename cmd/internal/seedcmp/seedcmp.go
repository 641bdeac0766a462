// Package seedcmp lines up the fields of a JSON request or answer of the
// app with the same one in the seed, the user's own capture of web WeChat
// creating a group and reading it back: what demo shows, what smoke's
// ready-made schemas check, what the tests hold the sandbox to.
package seedcmp

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// The user's own capture of web WeChat creating a group and reading it back
// (the seed of this project), in JSON. demo compares what the app sends and
// receives with it, field by field.
var (
	//go:embed seed/create_request.json
	CreateRequest []byte
	//go:embed seed/create_response.json
	CreateResponse []byte
	//go:embed seed/batchget_request.json
	BatchGetRequest []byte
	//go:embed seed/batchget_response.json
	BatchGetResponse []byte
)

// Field is one leaf of a JSON document: its path, with array indexes
// folded into [], its JSON kind and the first value seen there.
type Field struct {
	Path  string
	Kind  string
	Value string
}

// Shape flattens a JSON document into its leaves, sorted by path. Arrays
// of objects contribute the union of their elements' fields.
func Shape(doc []byte) (map[string]Field, error) {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return nil, err
	}
	out := map[string]Field{}
	flatten("", v, out)
	return out, nil
}

func flatten(path string, v any, out map[string]Field) {
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			p := k
			if path != "" {
				p = path + "." + k
			}
			flatten(p, child, out)
		}
		return
	case []any:
		if len(x) == 0 {
			addLeaf(out, path+"[]", "array", "[]")
		}
		for _, child := range x {
			flatten(path+"[]", child, out)
		}
		return
	}
	kind, val := "null", "null"
	switch x := v.(type) {
	case string:
		kind, val = "string", x
	case float64:
		kind, val = "number", fmt.Sprint(x)
	case bool:
		kind, val = "bool", fmt.Sprint(x)
	}
	addLeaf(out, path, kind, val)
}

func addLeaf(out map[string]Field, path, kind, val string) {
	if _, ok := out[path]; !ok {
		out[path] = Field{Path: path, Kind: kind, Value: val}
	}
}

// Row compares one field of the seed with the same field of ours.
type Row struct {
	Path, Seed, Ours, Verdict string
}

// Verdicts of a Row.
const (
	VerdictSame     = "same value"
	VerdictSameKind = "same type"
	VerdictKind     = "TYPE DIFFERS"
	VerdictMissing  = "MISSING"
	VerdictExtra    = "extra"
)

// Compare lines up every field of seed with ours.
func Compare(seed, ours []byte) ([]Row, error) {
	s, err := Shape(seed)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	o, err := Shape(ours)
	if err != nil {
		return nil, fmt.Errorf("ours: %w", err)
	}
	paths := map[string]bool{}
	for p := range s {
		paths[p] = true
	}
	for p := range o {
		paths[p] = true
	}
	var rows []Row
	for p := range paths {
		sf, inSeed := s[p]
		of, inOurs := o[p]
		row := Row{Path: p, Seed: sf.Value, Ours: of.Value}
		switch {
		case !inOurs:
			row.Verdict, row.Ours = VerdictMissing, "-"
		case !inSeed:
			row.Verdict, row.Seed = VerdictExtra, "-"
		case sf.Kind != of.Kind:
			row.Verdict = VerdictKind
		case sf.Value == of.Value:
			row.Verdict = VerdictSame
		default:
			row.Verdict = VerdictSameKind
		}
		rows = append(rows, row)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Path < rows[j].Path })
	return rows, nil
}

// Mismatches lists the rows where ours lacks a seed field or has it
// with another type.
func Mismatches(rows []Row) []string {
	var bad []string
	for _, r := range rows {
		if r.Verdict == VerdictMissing || r.Verdict == VerdictKind {
			bad = append(bad, r.Path+": "+strings.ToLower(r.Verdict))
		}
	}
	return bad
}
