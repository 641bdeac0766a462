package cmd

import (
	"strings"
	"testing"
)

func TestTableAlignsWideText(t *testing.T) {
	var b strings.Builder
	tb := table{indent: "  "}
	tb.row("迴焘願點", "@a", "x")
	tb.row("Rain1ove", "@bb", "")
	tb.row("😁 😂", "@c", "y")
	if err := tb.write(&b); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"  迴焘願點  @a   x\n" +
		"  Rain1ove  @bb\n" +
		"  😁 😂     @c   y\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
