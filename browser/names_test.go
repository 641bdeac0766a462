package browser

import "testing"

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
