package cmd

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
	seedCreateRequest []byte
	//go:embed seed/create_response.json
	seedCreateResponse []byte
	//go:embed seed/batchget_request.json
	seedBatchGetRequest []byte
	//go:embed seed/batchget_response.json
	seedBatchGetResponse []byte
)

// shapeField is one leaf of a JSON document: its path, with array indexes
// folded into [], its JSON kind and the first value seen there.
type shapeField struct {
	Path  string
	Kind  string
	Value string
}

// shape flattens a JSON document into its leaves, sorted by path. Arrays
// of objects contribute the union of their elements' fields.
func shape(doc []byte) (map[string]shapeField, error) {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return nil, err
	}
	out := map[string]shapeField{}
	flatten("", v, out)
	return out, nil
}

func flatten(path string, v any, out map[string]shapeField) {
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

func addLeaf(out map[string]shapeField, path, kind, val string) {
	if _, ok := out[path]; !ok {
		out[path] = shapeField{Path: path, Kind: kind, Value: val}
	}
}

// shapeRow compares one field of the seed with the same field of ours.
type shapeRow struct {
	Path, Seed, Ours, Verdict string
}

// Verdicts of a shapeRow.
const (
	verdictSame     = "same value"
	verdictSameKind = "same type"
	verdictKind     = "TYPE DIFFERS"
	verdictMissing  = "MISSING"
	verdictExtra    = "extra"
)

// compareShapes lines up every field of seed with ours.
func compareShapes(seed, ours []byte) ([]shapeRow, error) {
	s, err := shape(seed)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	o, err := shape(ours)
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
	var rows []shapeRow
	for p := range paths {
		sf, inSeed := s[p]
		of, inOurs := o[p]
		row := shapeRow{Path: p, Seed: sf.Value, Ours: of.Value}
		switch {
		case !inOurs:
			row.Verdict, row.Ours = verdictMissing, "-"
		case !inSeed:
			row.Verdict, row.Seed = verdictExtra, "-"
		case sf.Kind != of.Kind:
			row.Verdict = verdictKind
		case sf.Value == of.Value:
			row.Verdict = verdictSame
		default:
			row.Verdict = verdictSameKind
		}
		rows = append(rows, row)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Path < rows[j].Path })
	return rows, nil
}

// shapeMismatches lists the rows where ours lacks a seed field or has it
// with another type.
func shapeMismatches(rows []shapeRow) []string {
	var bad []string
	for _, r := range rows {
		if r.Verdict == verdictMissing || r.Verdict == verdictKind {
			bad = append(bad, r.Path+": "+strings.ToLower(r.Verdict))
		}
	}
	return bad
}
