package seedcmp

import (
	"strings"
	"testing"
)

func TestCompareShapesSeedWithItself(t *testing.T) {
	for _, doc := range [][]byte{CreateRequest, CreateResponse, BatchGetRequest, BatchGetResponse} {
		rows, err := Compare(doc, doc)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 {
			t.Fatal("no rows")
		}
		for _, r := range rows {
			if r.Verdict != VerdictSame {
				t.Errorf("%s: %s", r.Path, r.Verdict)
			}
		}
	}
}

func TestCompareShapesFindsDifferences(t *testing.T) {
	ours := []byte(`{"MemberCount":"2","MemberList":[{"UserName":"@x"}],"BaseRequest":{"Uin":1,"Sid":"s","Skey":"k","DeviceID":"e1"},"Extra":true}`)
	rows, err := Compare(CreateRequest, ours)
	if err != nil {
		t.Fatal(err)
	}
	verdicts := map[string]string{}
	for _, r := range rows {
		verdicts[r.Path] = r.Verdict
	}
	want := map[string]string{
		"MemberCount":           VerdictKind,
		"Topic":                 VerdictMissing,
		"Extra":                 VerdictExtra,
		"MemberList[].UserName": VerdictSameKind,
		"BaseRequest.Uin":       VerdictSameKind,
	}
	for path, v := range want {
		if verdicts[path] != v {
			t.Errorf("%s: got %q, want %q", path, verdicts[path], v)
		}
	}
	bad := strings.Join(Mismatches(rows), ",")
	if !strings.Contains(bad, "MemberCount") || !strings.Contains(bad, "Topic") || strings.Contains(bad, "Extra") {
		t.Errorf("mismatches = %s", bad)
	}
}
