package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/wxctl/wxctl/scripts"
)

// known holds the secret values of the sessions seen in this process.
// Redact masks them wherever they appear: a secret that the page returns
// under a key of no meaning (wxctl call accountFactory getPassticket) is
// masked by its value.
var known struct {
	sync.RWMutex
	values [][]byte
}

// minSecret is the shortest value masked by value: shorter ones would mask
// ordinary text.
const minSecret = 6

// MaskValues makes Redact mask each of values wherever it appears. Values
// shorter than six characters are ignored.
func MaskValues(values ...string) {
	known.Lock()
	defer known.Unlock()
	for _, v := range values {
		b := []byte(v)
		if len(b) >= minSecret && !slices.ContainsFunc(known.values, func(k []byte) bool { return bytes.Equal(k, b) }) {
			known.values = append(known.values, b)
		}
	}
	// Longest first, so that a value holding another is masked whole.
	slices.SortFunc(known.values, func(a, b []byte) int { return len(b) - len(a) })
}

// MaskSessionSecrets reads the session's secrets from the page (the app's
// accountFactory and the cookies) and has Redact mask them by value from
// now on. Call it once the page is logged in.
func (p *Page) MaskSessionSecrets(ctx context.Context) error {
	raw, err := p.Run(ctx, scripts.SessionSecrets)
	if err != nil {
		return fmt.Errorf("reading the session's secrets to mask them: %w", err)
	}
	var values []string
	if err := json.Unmarshal(raw, &values); err != nil {
		return fmt.Errorf("reading the session's secrets to mask them: %w", err)
	}
	MaskValues(values...)
	return nil
}

// maskKnown masks the known secret values in b. A value that stands as a
// bare JSON number becomes the string "***", so that JSON stays JSON.
func maskKnown(b []byte) []byte {
	known.RLock()
	defer known.RUnlock()
	for _, v := range known.values {
		if bytes.Contains(b, v) {
			b = maskValue(b, v)
		}
	}
	return b
}

func maskValue(b, v []byte) []byte {
	digits := isDigits(v)
	var out []byte
	last := 0
	for i := 0; i <= len(b)-len(v); {
		j := bytes.Index(b[i:], v)
		if j < 0 {
			break
		}
		start, end := i+j, i+j+len(v)
		i = end
		if digits && (start > 0 && isDigit(b[start-1]) || end < len(b) && isDigit(b[end])) {
			continue // part of a longer number
		}
		repl := masked
		if digits && bareNumberAt(b, start, end) {
			repl = `"` + masked + `"`
		}
		out = append(append(out, b[last:start]...), repl...)
		last = end
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

// bareNumberAt reports whether b[start:end] stands as a JSON number of its
// own (between separators such as ':' and ','), where "***" must be quoted
// to keep the JSON valid; inside a string or text it is not.
func bareNumberAt(b []byte, start, end int) bool {
	before, after := byte(' '), byte(' ')
	for k := start - 1; k >= 0; k-- {
		if !isJSONSpace(b[k]) {
			before = b[k]
			break
		}
	}
	for k := end; k < len(b); k++ {
		if !isJSONSpace(b[k]) {
			after = b[k]
			break
		}
	}
	return (before == ':' || before == ',' || before == '[') && (after == ',' || after == '}' || after == ']' || after == ' ')
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if !isDigit(c) {
			return false
		}
	}
	return len(b) > 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
