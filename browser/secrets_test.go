package browser

import (
	"encoding/json"
	"testing"
)

func TestMaskKnownValues(t *testing.T) {
	MaskValues("3557514977", "Zq7pass_ticket_value", "abc") // "abc" is too short to mask
	tests := []struct{ in, want string }{
		{`{"resolved":true,"value":"Zq7pass_ticket_value"}`, `{"resolved":true,"value":"***"}`},
		{`{"value": 3557514977}`, `{"value": "***"}`},
		{`[3557514977,1]`, `["***",1]`},
		{`{"n": 13557514977}`, `{"n": 13557514977}`},
		{`uin 3557514977 here`, `uin *** here`},
		{`"a/3557514977/b"`, `"a/***/b"`},
		{`abc stays`, `abc stays`},
	}
	for _, tt := range tests {
		got := string(Redact([]byte(tt.in)))
		if got != tt.want {
			t.Errorf("Redact(%s) = %s, want %s", tt.in, got, tt.want)
		}
		if json.Valid([]byte(tt.in)) && !json.Valid([]byte(got)) {
			t.Errorf("Redact(%s) = %s is no longer JSON", tt.in, got)
		}
	}
}
