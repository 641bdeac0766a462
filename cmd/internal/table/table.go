// Package table lays text out in columns for people, measuring cells by
// their width on a terminal. Commands and engines share it.
package table

import (
	"io"
	"strings"

	"github.com/rivo/uniseg"
)

// Table lays text out in columns for people. Unlike text/tabwriter it
// measures cells by their width on a terminal: CJK names and emoji take two
// columns each, and they are common in WeChat names.
type Table struct {
	Indent string // before every row
	rows   [][]string
}

// Row adds a row of cells.
func (t *Table) Row(cells ...string) {
	t.rows = append(t.rows, cells)
}

// Write prints the rows, each column as wide as its widest cell plus two
// spaces; the last column is not padded.
func (t *Table) Write(w io.Writer) error {
	var widths []int
	for _, r := range t.rows {
		for i, c := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], uniseg.StringWidth(c))
		}
	}
	var b strings.Builder
	for _, r := range t.rows {
		var line strings.Builder
		line.WriteString(t.Indent)
		for i, c := range r {
			line.WriteString(c)
			if i < len(r)-1 {
				line.WriteString(strings.Repeat(" ", widths[i]-uniseg.StringWidth(c)+2))
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
