package smoke

import (
	"encoding/json"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/wxctl/wxctl/cmd/internal/seedcmp"
)

// smokeCreateAnswer is a create answer in the seed's shape, as the page returns it.
const smokeCreateAnswer = `{
  "BaseResponse": {"Ret": 0, "ErrMsg": "Everything is OK"},
  "ChatRoomName": "@@60bee4413ae9c655abe22fc69d5a0d110a6a71e3aa23566ac109707f1354da4e",
  "MemberCount": 2,
  "MemberList": [
    {"UserName": "@d909", "NickName": "Rain1ove", "Uin": 0},
    {"UserName": "@53f3", "NickName": "迴焘願點", "Uin": 0}
  ],
  "BlackList": "",
  "odd.key": {"x": [1.5]},
  "Empty": []
}`

func decodeSmokeJSON(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestPathEval(t *testing.T) {
	doc := decodeSmokeJSON(t, smokeCreateAnswer)
	for _, tc := range []struct {
		path  string
		want  []string // the values found, as JSON; "!" + why for a place with none
		where string   // where the first leads
	}{
		{"BaseResponse.Ret", []string{"0"}, "BaseResponse.Ret"},
		{"$.BaseResponse.Ret", []string{"0"}, "BaseResponse.Ret"},
		{"MemberList[0].UserName", []string{`"@d909"`}, "MemberList[0].UserName"},
		{"MemberList[-1].NickName", []string{`"迴焘願點"`}, "MemberList[1].NickName"},
		{"MemberList[].UserName", []string{`"@d909"`, `"@53f3"`}, "MemberList[0].UserName"},
		{`["odd.key"].x[0]`, []string{"1.5"}, `["odd.key"].x[0]`},
		{"", []string{"*"}, "$"},
		{"$", []string{"*"}, "$"},
		{"Nope.Ret", []string{"!Nope is missing"}, "Nope"},
		{"MemberList[5]", []string{"!MemberList has 2 elements"}, "MemberList[5]"},
		{"ChatRoomName.x", []string{"!ChatRoomName is a string, not an object"}, "ChatRoomName.x"},
		{"BaseResponse[0]", []string{"!BaseResponse is an object, not an array"}, "BaseResponse[0]"},
		{"Empty[].x", []string{"!Empty is an empty array"}, "Empty[]"},
	} {
		p, err := parsePath(tc.path)
		if err != nil {
			t.Errorf("parsePath(%q): %v", tc.path, err)
			continue
		}
		got := p.eval(doc)
		if len(got) != len(tc.want) {
			t.Errorf("%q: %d places, want %d", tc.path, len(got), len(tc.want))
			continue
		}
		if got[0].where != tc.where {
			t.Errorf("%q: leads to %q, want %q", tc.path, got[0].where, tc.where)
		}
		for i, f := range got {
			switch want := tc.want[i]; {
			case want == "*":
				if !f.ok {
					t.Errorf("%q: nothing found", tc.path)
				}
			case strings.HasPrefix(want, "!"):
				if f.ok || f.why != want[1:] {
					t.Errorf("%q: found %v (%q), want none because %q", tc.path, f.value, f.why, want[1:])
				}
			default:
				if !f.ok || compactJSON(f.value) != want {
					t.Errorf("%q: %s, want %s", tc.path, compactJSON(f.value), want)
				}
			}
		}
	}
}

func TestParsePathErrors(t *testing.T) {
	for _, bad := range []string{"a..b", "a.", "a[", "a]", "a[x]", `a["x"`, `a["x]`, "a b", " a", "a.[0]", "a[0]b", `a["x"]y`, "..a", "[0", "]"} {
		if _, err := parsePath(bad); err == nil {
			t.Errorf("parsePath(%q) accepted", bad)
		}
	}
}

// parseAssertions parses the expect: list in yamlText.
func parseAssertions(t *testing.T, yamlText string) ([]assertion, error) {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal([]byte("expect:\n"+yamlText), &root); err != nil {
		t.Fatalf("%s: %v", yamlText, err)
	}
	p := &planParser{file: "t.yaml", budget: maxPlanNodes}
	f, err := p.mapping(root.Content[0], "check")
	if err != nil {
		t.Fatal(err)
	}
	return p.assertions(f, "expect")
}

func TestAssertions(t *testing.T) {
	doc := decodeSmokeJSON(t, smokeCreateAnswer)
	for _, tc := range []struct {
		assertion string
		fail      string // "" passes; else a part of the failure
	}{
		{"- BaseResponse.Ret in [0, -2013]", ""},
		{"- BaseResponse.Ret in [1, -2013]", "BaseResponse.Ret = 0, want one of [1,-2013]"},
		{"- BaseResponse.Ret equals 0", ""},
		{"- BaseResponse.Ret == 0", ""},
		{`- BaseResponse.Ret equals "0"`, `want "0"`},
		{"- BaseResponse.ErrMsg equals Everything is OK", ""},
		{"- ChatRoomName matches ^@@[0-9a-f]{64}$", ""},
		{"- ChatRoomName matches ^@[0-9a-f]", "want a match of ^@[0-9a-f]"},
		{"- MemberCount matches ^2$", "(a number), want a string matching"},
		{"- MemberList[].UserName matches ^@", ""},
		{"- MemberList[].NickName matches ^R", `MemberList[1].NickName = "迴焘願點", want a match of ^R`},
		{"- MemberList exists", ""},
		{"- MemberList exists true", ""},
		{"- Nope exists", "Nope: Nope is missing"},
		{"- Nope exists false", ""},
		{"- BlackList exists false", `BlackList = "", want it absent`},
		{"- Empty[].x exists false", ""},
		{"- MemberCount type integer", ""},
		{"- MemberCount type number|null", ""},
		{`- '["odd.key"].x[0] type integer'`, "(a number), want type integer"},
		{"- MemberList type object", "(an array), want type object"},
		{"- Nope type string?", ""},
		{"- Nope type string", "Nope is missing"},
		{"- $ type object", ""},
		{"- {path: 'MemberList[0]', equals: {UserName: '@d909', NickName: Rain1ove, Uin: 0}}", ""},
		{"- {path: MemberCount, in: [1, 2], type: integer}", ""},
		{"- {path: MemberCount, in: [1, 2], type: string}", "want type string"},
		{"- {path: BaseResponse, exists: true, equals: {Ret: 0, ErrMsg: Everything is OK}}", ""},
	} {
		list, err := parseAssertions(t, tc.assertion)
		if err != nil {
			t.Errorf("%s: %v", tc.assertion, err)
			continue
		}
		err = list[0].check(doc)
		switch {
		case tc.fail == "" && err != nil:
			t.Errorf("%s: %v", tc.assertion, err)
		case tc.fail != "" && (err == nil || !strings.Contains(err.Error(), tc.fail)):
			t.Errorf("%s: got %v, want a failure with %q", tc.assertion, err, tc.fail)
		}
	}
}

// TestAssertionMessagesRedact: a failure shows the value as PATH = VALUE,
// which the report's redaction masks for secret fields.
func TestAssertionMessagesRedact(t *testing.T) {
	doc := decodeSmokeJSON(t, `{"BaseRequest": {"Skey": "@crypt_abc_def", "Sid": "UMbxr71Njdylap27", "Uin": 488765359, "DeviceID": "e494907203492397"}}`)
	list, err := parseAssertions(t, "- BaseRequest.Sid equals x\n- BaseRequest.Uin type string\n- BaseRequest.DeviceID matches ^x\n- BaseRequest.Skey in [1]\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		err := a.check(doc)
		if err == nil {
			t.Fatalf("%s passed", a)
		}
		msg := redactText(err.Error())
		for _, secret := range []string{"UMbxr71Njdylap27", "488765359", "e494907203492397", "crypt_abc"} {
			if strings.Contains(msg, secret) {
				t.Errorf("%q shows a secret", msg)
			}
		}
	}
}

func TestTypeSpec(t *testing.T) {
	for _, tc := range []struct {
		spec  string
		value string
		ok    bool
	}{
		{"string", `"a"`, true},
		{"string", `1`, false},
		{"number", `1.5`, true},
		{"integer", `2`, true},
		{"integer", `2.5`, false},
		{"bool", `true`, true},
		{"boolean", `false`, true},
		{"null", `null`, true},
		{"string|null", `null`, true},
		{"object", `{}`, true},
		{"array", `[]`, true},
		{"any", `[]`, true},
		{" string ? ", `"x"`, true},
	} {
		ts, err := parseTypeSpec(tc.spec)
		if err != nil {
			t.Errorf("%q: %v", tc.spec, err)
			continue
		}
		if got := ts.matches(decodeSmokeJSON(t, tc.value)); got != tc.ok {
			t.Errorf("%q matches %s: %v, want %v", tc.spec, tc.value, got, tc.ok)
		}
	}
	for _, bad := range []string{"", "int", "string|", "str?"} {
		if _, err := parseTypeSpec(bad); err == nil {
			t.Errorf("parseTypeSpec(%q) accepted", bad)
		}
	}
}

func TestReadySchemas(t *testing.T) {
	seeds := map[string][]byte{
		"create-request": seedcmp.CreateRequest, "create-response": seedcmp.CreateResponse,
		"batchget-request": seedcmp.BatchGetRequest, "batchget-response": seedcmp.BatchGetResponse,
	}
	schemas := readySchemas()
	if len(schemas) != len(seeds) {
		t.Fatalf("%d ready-made schemas, want %d", len(schemas), len(seeds))
	}
	for name, seed := range seeds {
		s := schemas[name]
		fields, err := seedcmp.Shape(seed)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.fields) != len(fields) {
			t.Errorf("%s: %d fields, want every one of the seed's %d", name, len(s.fields), len(fields))
		}
		if p := s.problems(seed); len(p) > 0 {
			t.Errorf("%s: the seed itself does not match: %q", name, p)
		}
	}
	// A request missing a field and one with a field of another type.
	drifted := strings.Replace(string(seedcmp.CreateRequest), `"Topic": "",`, "", 1)
	drifted = strings.Replace(drifted, `"MemberCount": 2`, `"MemberCount": "2"`, 1)
	p := schemas["create-request"].problems([]byte(drifted))
	if len(p) != 2 || !strings.Contains(p[0], "MemberCount") || !strings.Contains(p[1], "Topic is missing") {
		t.Errorf("problems %q, want MemberCount's type and Topic missing", p)
	}
	if p := schemas["create-request"].problems([]byte("<html>")); len(p) != 1 || !strings.Contains(p[0], "not JSON") {
		t.Errorf("problems %q for HTML", p)
	}
}
