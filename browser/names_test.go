package browser

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

func TestPlainName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Rain1ove", "Rain1ove"},
		{"迴焘願點", "迴焘願點"},
		{`<span class="emoji emoji1f601"></span> <span class="emoji emoji1f602"></span>`, "\U0001F601 \U0001F602"},
		{`Tom<span class="emoji emoji2600"></span>`, "Tom\u2600"},
		{`<span class="emoji emoji1f1e81f1f3"></span>`, "\U0001F1E8\U0001F1F3"},
		{`a &amp; b`, "a & b"},
		{`<b>bold</b>`, "bold"},
		{`Quote "Q" \ </script>`, `Quote "Q" \`},
		{`<span class="emoji emojizz"></span>x`, "x"},
		{"  padded  ", "padded"},
		{`Hi<img class="emoji emoji1f601" text="_web" src="/zh_CN/htmledition/v2/images/spacer.gif" />`, "Hi\U0001F601"},
		{`<img class="qqemoji qqemoji13" text="[呲牙]_web" src="/zh_CN/htmledition/v2/images/spacer.gif" />ok`, "[呲牙]ok"},
	}
	for _, tt := range tests {
		if got := PlainName(tt.in); got != tt.want {
			t.Errorf("PlainName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEmojiFromHex(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1f601", "\U0001F601"},
		{"2600", "\u2600"},
		{"1f1e81f1f3", "\U0001F1E8\U0001F1F3"},
		{"d800", ""},
		{"12", ""},
		{"1f6011", ""},
	}
	for _, tt := range tests {
		if got := emojiFromHex(tt.in); got != tt.want {
			t.Errorf("emojiFromHex(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzPlainName(f *testing.F) {
	for _, s := range []string{
		`<span class="emoji emoji1f601"></span>`, "Tom", `&lt;x&gt;`, `<span class="emoji emoji1f1e81f1f3"></span>`, "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := PlainName(s)
		if PlainName(got) != got && !containsMarkup(got) {
			t.Errorf("PlainName is not stable on %q: %q then %q", s, got, PlainName(got))
		}
	})
}

// containsMarkup reports text that decoding entities turned into something
// that looks like markup again ("&lt;b&gt;" → "<b>"): PlainName decodes once
// by design, as the app does.
func containsMarkup(s string) bool {
	for _, r := range s {
		if r == '<' || r == '&' {
			return true
		}
	}
	return false
}

func TestAbbreviate(t *testing.T) {
	long := strings.Repeat("周末徒步", 2500) // 10,000 characters, 20,000 columns
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"short", 10, "short"},
		{"  white \n space\t", 20, "white space"},
		{"abcdefghij", 5, "abcd…"},
		{"周末徒步俱乐部", 7, "周末徒…"}, // a Chinese character takes two columns
		{"周末徒步俱乐部", 8, "周末徒…"}, // never half of one
		{"周末徒步俱乐部", 14, "周末徒步俱乐部"},
		{"ab 周末", 4, "ab…"},                                    // no space before the ellipsis
		{"👍🏽👍🏽👍🏽", 5, "👍🏽👍🏽…"},                                 // an emoji with its skin tone stays whole
		{"e\u0301e\u0301e\u0301e\u0301", 3, "e\u0301e\u0301…"}, // and a letter with its accent
		{"\xd6\xdc\xc4\xa9 GBK", 20, "\uFFFDĩ GBK"},            // a run of bad bytes becomes one U+FFFD
		{long, 60, strings.Repeat("周末徒步", 7) + "周…"},
	}
	for _, tt := range tests {
		got := Abbreviate(tt.in, tt.width)
		if got != tt.want {
			t.Errorf("Abbreviate(%.40q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("Abbreviate(%.40q, %d) = %q: not UTF-8", tt.in, tt.width, got)
		}
	}
	// The errors that quote a page's answer went through abbreviate, which
	// cut bytes: half a Chinese character.
	if got := abbreviate(strings.Repeat("错", 100), 120); !utf8.ValidString(got) || uniseg.StringWidth(got) > 120 {
		t.Errorf("abbreviate = %q", got)
	}
}

// FuzzAbbreviate: whatever the text, the result is UTF-8, within width,
// and the text itself when it fits.
func FuzzAbbreviate(f *testing.F) {
	for _, s := range []string{"周末徒步俱乐部", "👍🏽👍🏽", "e\u0301", "\xd6\xdc\xc4", "a b  c", "🇨🇳🇨🇳"} {
		f.Add(s, 5)
	}
	f.Fuzz(func(t *testing.T, s string, width int) {
		width = 1 + int(uint(width)%200)
		got := Abbreviate(s, width)
		if !utf8.ValidString(got) {
			t.Fatalf("Abbreviate(%q, %d) = %q: not UTF-8", s, width, got)
		}
		if w := uniseg.StringWidth(got); w > width {
			t.Fatalf("Abbreviate(%q, %d) = %q: %d columns", s, width, got, w)
		}
		clean := strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
		if uniseg.StringWidth(clean) <= width && got != clean {
			t.Fatalf("Abbreviate(%q, %d) = %q: it fits as %q", s, width, got, clean)
		}
	})
}
