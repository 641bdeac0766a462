package browser

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
)

// masked replaces every secret value.
const masked = "***"

// secretKeys are the JSON keys whose values are secrets, lower case without
// '_' and '-' (so "Skey", "pass_ticket", "Set-Cookie" all match).
var secretKeys = map[string]bool{
	"skey": true, "sid": true, "wxsid": true, "uin": true, "wxuin": true,
	"deviceid": true, "passticket": true, "webwxdataticket": true, "dataticket": true,
	"webwxauthticket": true, "authticket": true, "webwxuvid": true,
	"cookie": true, "setcookie": true,
}

// secretNames are the same names as they appear in URLs, cookies, XML and
// text, longest first so that an alternation prefers them.
const secretNames = `webwx_data_ticket|webwx_auth_ticket|webwxuvid|pass_ticket|passticket|deviceid|ticket|wxsid|wxuin|skey|sid|uin`

// Text rules, in order, each run only when its trigger is in the text (the
// common cases, URLs in a contact list, are masked by hand-written scans
// below: regular expressions over thousands of strings were too slow). Each
// leaves its name and masks its value.
var textRules = []struct {
	trigger string // lower case
	re      *regexp.Regexp
	repl    string
}{
	// Cookie: and Set-Cookie: header lines, whole.
	{"cookie", regexp.MustCompile(`(?im)^([ \t]*(?:set-)?cookie[ \t]*:)[^\r\n]*`), "${1} " + masked},
	// <skey>…</skey> in the webwxnewloginpage XML answer.
	{"<", regexp.MustCompile(`(?i)<(` + secretNames + `)>[^<]*`), "<${1}>" + masked},
	// "Skey": "…" in JSON that does not parse (cut short, or inside JS).
	{`"`, regexp.MustCompile(`(?i)("(?:` + secretNames + `|cookie|set-cookie)"\s*:\s*)(?:"(?:[^"\\]|\\.)*"?|[^\s,}\]]*)`), `${1}"` + masked + `"`},
}

// assignedNames are the names whose value maskAssignments masks after '='
// or ':' (URLs, form bodies, cookies, "Skey: …" in text), lower case.
var assignedNames = func() map[string]bool {
	m := make(map[string]bool)
	for n := range strings.SplitSeq(secretNames, "|") {
		m[n] = true
	}
	return m
}()

// hints are cheap signs that b may hold a secret; without one Redact copies
// b as it is. `\u` is there because JSON can spell a key with escapes.
var hints = []string{"skey", "sid", "uin", "deviceid", "ticket", "uvid", "cookie", "crypt", `\u`}

// Redact returns a copy of b with the values of the web WeChat session's
// secrets replaced by "***": Skey, Sid/wxsid, Uin/wxuin, DeviceID,
// pass_ticket, webwx_data_ticket, webwx_auth_ticket, webwxuvid and cookie
// headers. JSON is masked by key at any depth (numbers become "***" too;
// 0, "" and null, which hold nothing, stay) and
// stays valid JSON; strings inside it, URLs, cookie headers, XML and plain
// text are masked by name. It is meant to run over every capture before it
// is shown or stored.
//
// Values registered with MaskValues (MaskSessionSecrets does) are masked
// wherever they appear, whatever key or name they stand under.
func Redact(b []byte) []byte {
	if !mayHoldSecret(b) {
		return maskKnown(bytes.Clone(b))
	}
	return maskKnown(redact(b))
}

// RedactText is Redact for a string.
func RedactText(s string) string {
	return string(Redact([]byte(s)))
}

// RedactField masks the value of a named field (a header, a query
// parameter, a cookie): whole when its name is a secret's (Cookie,
// Set-Cookie, skey, pass_ticket, …, as JSON keys are masked), else the
// secrets inside it, as Redact does.
func RedactField(name, value string) string {
	if value != "" && isSecretName(name) {
		return masked
	}
	return RedactText(value)
}

// isSecretName reports whether a field's name is a secret's, as a JSON key
// (isSecretKey) or as a name in text (secretNames).
func isSecretName(name string) bool {
	if assignedNames[strings.ToLower(name)] {
		return true
	}
	q, err := json.Marshal(name)
	return err == nil && isSecretKey(q)
}

// redact is Redact for b that mayHoldSecret.
func redact(b []byte) []byte {
	if startsJSONText(b) && json.Valid(b) {
		w := jsonRedactor{in: b, out: make([]byte, 0, len(b))}
		w.value()
		w.space()
		return w.out
	}
	return redactText(b)
}

// hintStarts marks the bytes a hint starts with, in both cases.
var hintStarts = func() (starts [256]bool) {
	for _, h := range hints {
		starts[h[0]] = true
		if 'a' <= h[0] && h[0] <= 'z' {
			starts[h[0]-'a'+'A'] = true
		}
	}
	return starts
}()

// mayHoldSecret looks for the hints in one pass over b.
func mayHoldSecret(b []byte) bool {
	for i, c := range b {
		if !hintStarts[c] {
			continue
		}
		for _, h := range hints {
			if lowerASCII(c) == h[0] && hasPrefixFold(b[i:], h) {
				return true
			}
		}
	}
	return false
}

// hasPrefixFold reports whether b starts with the lower-case ASCII word, in
// any case.
func hasPrefixFold(b []byte, word string) bool {
	if len(b) < len(word) {
		return false
	}
	for j := 0; j < len(word); j++ {
		if lowerASCII(b[j]) != word[j] {
			return false
		}
	}
	return true
}

// containsFold reports whether b contains the lower-case ASCII word, in any
// case, without the copy that bytes.ToLower makes.
func containsFold(b []byte, word string) bool {
	for i := range b {
		if hasPrefixFold(b[i:], word) {
			return true
		}
	}
	return false
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// startsJSONText reports whether b can be a JSON text that holds a secret:
// only an object, an array or a string can. It saves the validation of
// every URL found in a string.
func startsJSONText(b []byte) bool {
	for _, c := range b {
		if !isJSONSpace(c) {
			return c == '{' || c == '[' || c == '"'
		}
	}
	return false
}

// redactText masks secrets by name in text that is not JSON.
func redactText(b []byte) []byte {
	out := b
	for _, r := range textRules {
		if containsFold(b, r.trigger) {
			out = r.re.ReplaceAll(out, []byte(r.repl))
		}
	}
	out = maskAssignments(out)
	return maskCrypt(out)
}

// maskAssignments masks the value after name= or name: (spaces allowed
// around the sign) for the secret names, where name is a whole word: the
// value up to the next separator, or a whole quoted string.
func maskAssignments(b []byte) []byte {
	var nameBuf [len("webwx_data_ticket")]byte
	var out []byte // nil until something is masked
	last := 0      // b[last:] is not copied to out yet
	for i := 0; i < len(b); i++ {
		if b[i] != '=' && b[i] != ':' {
			continue
		}
		end := i
		for end > 0 && isTextSpace(b[end-1]) {
			end--
		}
		start := end
		for start > 0 && isWordByte(b[start-1]) {
			start--
		}
		if start == end || end-start > len(nameBuf) {
			continue
		}
		name := nameBuf[:end-start]
		for k, c := range b[start:end] {
			name[k] = lowerASCII(c)
		}
		if !assignedNames[string(name)] {
			continue
		}
		v := i + 1
		for v < len(b) && isTextSpace(b[v]) {
			v++
		}
		stop := valueEnd(b, v)
		out = append(append(out, b[last:v]...), masked...)
		last = stop
		i = stop - 1
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

// valueEnd returns where the value starting at b[v] ends: after its closing
// quote when quoted (or at the end when the quote never closes), else at
// the first separator.
func valueEnd(b []byte, v int) int {
	if v < len(b) && (b[v] == '"' || b[v] == '\'') {
		q := b[v]
		for i := v + 1; i < len(b); i++ {
			switch b[i] {
			case '\\':
				i++
			case q:
				return i + 1
			}
		}
		return len(b)
	}
	i := v
	for i < len(b) && !isTextSpace(b[i]) && !strings.ContainsRune(`&;,"'<>{}[]\`, rune(b[i])) {
		i++
	}
	return i
}

func isTextSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// maskCrypt masks Skey values wherever they went: they look like
// @crypt_7382455a_ea46cb6e….
func maskCrypt(b []byte) []byte {
	const prefix = "@crypt_"
	if !bytes.Contains(b, []byte(prefix)) {
		return b
	}
	var out []byte
	for {
		i := bytes.Index(b, []byte(prefix))
		if i < 0 {
			return append(out, b...)
		}
		j := i + len(prefix)
		for j < len(b) && isWordByte(b[j]) {
			j++
		}
		if j == i+len(prefix) {
			out = append(out, b[:j]...)
		} else {
			out = append(append(out, b[:i]...), masked...)
		}
		b = b[j:]
	}
}

// jsonRedactor copies a valid JSON text, masking the values of secret keys
// and the secrets inside strings, and keeps everything else as it was,
// spacing included. It relies on the input being valid (json.Valid).
type jsonRedactor struct {
	in  []byte
	i   int
	out []byte
}

func (w *jsonRedactor) space() {
	start := w.i
	for w.i < len(w.in) && isJSONSpace(w.in[w.i]) {
		w.i++
	}
	w.out = append(w.out, w.in[start:w.i]...)
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (w *jsonRedactor) value() {
	w.space()
	switch w.in[w.i] {
	case '{':
		w.container('}')
	case '[':
		w.container(']')
	case '"':
		start := w.i
		w.skipString()
		w.out = append(w.out, redactJSONString(w.in[start:w.i])...)
	default:
		start := w.i
		w.skipLiteral()
		w.out = append(w.out, w.in[start:w.i]...)
	}
}

// container copies an object or an array; in an object each member's
// value is masked when its key names a secret.
func (w *jsonRedactor) container(end byte) {
	w.out = append(w.out, w.in[w.i])
	w.i++
	w.space()
	if w.in[w.i] == end {
		w.out = append(w.out, end)
		w.i++
		return
	}
	for {
		if end == '}' {
			w.space()
			start := w.i
			w.skipString()
			key := w.in[start:w.i]
			w.out = append(w.out, key...)
			w.space()
			w.out = append(w.out, ':')
			w.i++
			w.space()
			if isSecretKey(key) {
				v := w.i
				w.skipValue()
				if isEmptyValue(w.in[v:w.i]) {
					// 0, "" and null hold no secret (a member's Uin is
					// 0): keeping them keeps the document's types.
					w.out = append(w.out, w.in[v:w.i]...)
				} else {
					w.out = append(w.out, `"`+masked+`"`...)
				}
			} else {
				w.value()
			}
		} else {
			w.value()
		}
		w.space()
		c := w.in[w.i]
		w.out = append(w.out, c)
		w.i++
		if c == end {
			return
		}
	}
}

// isEmptyValue reports a JSON value that cannot hold a secret.
func isEmptyValue(v []byte) bool {
	switch string(bytes.TrimSpace(v)) {
	case "0", `""`, "null", "false":
		return true
	}
	return false
}

func (w *jsonRedactor) skipString() {
	w.i++ // the opening quote
	for {
		c := w.in[w.i]
		w.i++
		switch c {
		case '\\':
			w.i++
		case '"':
			return
		}
	}
}

func (w *jsonRedactor) skipLiteral() {
	for w.i < len(w.in) {
		switch c := w.in[w.i]; {
		case c == ',' || c == '}' || c == ']' || isJSONSpace(c):
			return
		}
		w.i++
	}
}

func (w *jsonRedactor) skipValue() {
	switch w.in[w.i] {
	case '"':
		w.skipString()
	case '{', '[':
		depth := 0
		for {
			switch w.in[w.i] {
			case '"':
				w.skipString()
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
			w.i++
			if depth == 0 {
				return
			}
		}
	default:
		w.skipLiteral()
	}
}

// isSecretKey reports whether the quoted JSON key names a secret, folding
// case and dropping '_' and '-'. Most keys have no escapes and are read in
// place without allocating, which matters on a contact list of thousands of
// entries.
func isSecretKey(quoted []byte) bool {
	key := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(key, '\\') >= 0 {
		var s string
		if json.Unmarshal(quoted, &s) != nil {
			return false
		}
		key = []byte(s)
	}
	var buf [24]byte
	n := 0
	for _, c := range key {
		if c == '_' || c == '-' {
			continue
		}
		if n == len(buf) {
			return false
		}
		buf[n] = lowerASCII(c)
		n++
	}
	return secretKeys[string(buf[:n])]
}

// redactJSONString masks the secrets inside one quoted JSON string (a URL
// with ?skey=, a cookie, a JSON text in a string) and quotes it again.
func redactJSONString(quoted []byte) []byte {
	if !mayHoldSecret(quoted) {
		return quoted
	}
	var s []byte
	escaped := bytes.IndexByte(quoted, '\\') >= 0
	if !escaped {
		s = quoted[1 : len(quoted)-1] // nothing to unescape
	} else {
		var str string
		if json.Unmarshal(quoted, &str) != nil {
			return quoted
		}
		s = []byte(str)
	}
	red := redact(s)
	if bytes.Equal(red, s) {
		return quoted
	}
	if !escaped {
		// s needed no escapes, so it has no quote: the one rule that adds
		// quotes does not run, and the rest only drop bytes of s and add
		// "***" and spaces. Nothing needs escaping.
		return append(append(append(make([]byte, 0, len(red)+2), '"'), red...), '"')
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)            // keep & in URLs readable
	if enc.Encode(string(red)) != nil { // a string always encodes
		return []byte(`"` + masked + `"`)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
