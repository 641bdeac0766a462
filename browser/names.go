package browser

import (
	"html"
	"regexp"
	"strconv"
	"strings"

	"github.com/rivo/uniseg"
)

// WeChat sends emoji in names as markup, e.g.
// <span class="emoji emoji1f601"></span>, sometimes several code points in
// one class (flags: emoji1f1e81f1f3). The app turns that into
// <img class="emoji emoji1f601" …/> in the contacts it holds, and writes
// QQ faces as <img class="qqemoji qqemoji13" text="[呲牙]_web" …/>.
var (
	emojiSpan = regexp.MustCompile(`<(?:span|img) class="emoji emoji([0-9a-fA-F]+)"[^>]*>(?:\s*</span>)?`)
	qqFace    = regexp.MustCompile(`<img class="qqemoji[^"]*"[^>]*?\stext="([^"]*?)(?:_web)?"[^>]*>`)
	anyTag    = regexp.MustCompile(`<[^>]*>`)
)

// PlainName turns a NickName, RemarkName or DisplayName as WeChat sends it
// into the text a person sees: emoji markup becomes the emoji, other tags are
// removed and HTML entities decoded.
func PlainName(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return strings.TrimSpace(s)
	}
	s = emojiSpan.ReplaceAllStringFunc(s, func(span string) string {
		hex := emojiSpan.FindStringSubmatch(span)[1]
		return emojiFromHex(hex)
	})
	s = qqFace.ReplaceAllString(s, "$1")
	s = anyTag.ReplaceAllString(s, "")
	return strings.TrimSpace(html.UnescapeString(s))
}

// emojiFromHex decodes the code points of an emoji class name. Code points of
// the supplementary plane are written with five hex digits (1f601), those of
// the basic plane with four (2600), without separators.
func emojiFromHex(hex string) string {
	var b strings.Builder
	for len(hex) >= 4 {
		n := 4
		if len(hex) >= 5 && strings.EqualFold(hex[:2], "1f") {
			n = 5
		}
		cp, err := strconv.ParseUint(hex[:n], 16, 32)
		if err != nil || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) {
			return ""
		}
		b.WriteRune(rune(cp))
		hex = hex[n:]
	}
	if hex != "" {
		return ""
	}
	return b.String()
}

// foldName is the key names are compared by when no exact match exists:
// plain text, case folded, inner white space collapsed.
func foldName(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(PlainName(s)), " "))
}

// Abbreviate makes s fit in a message: white space collapsed, bytes that
// are not UTF-8 replaced by U+FFFD, and cut to at most width columns of a
// terminal (a Chinese character takes two) with "…" where it was cut. It
// never cuts inside a character, nor inside what shows as one (an emoji
// with its modifiers, a letter with its accents), so that a name from a
// plan, however long, makes a line a person can read.
func Abbreviate(s string, width int) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
	if len(s) <= width { // no character is wider than its encoding is long
		return s
	}
	// One pass that stops soon after width columns: s may be megabytes.
	cut, used, state := -1, 0, -1 // cut: the end of what fits beside the ellipsis
	for rest := s; rest != ""; {
		var w int
		at := len(s) - len(rest)
		_, rest, w, state = uniseg.FirstGraphemeClusterInString(rest, state)
		if cut < 0 && used+w > width-1 {
			cut = at
		}
		if used += w; used > width {
			return strings.TrimRight(s[:cut], " ") + "…"
		}
	}
	return s
}

// thousands writes n with a comma between thousands: 1,590.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
