package table

import (
	"strings"
	"testing"
)

func TestTableAlignsWideText(t *testing.T) {
	var b strings.Builder
	tb := Table{Indent: "  "}
	tb.Row("迴焘願點", "@a", "x")
	tb.Row("Rain1ove", "@bb", "")
	tb.Row("😁 😂", "@c", "y")
	if err := tb.Write(&b); err != nil {
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
