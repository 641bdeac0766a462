package batch

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wxctl/wxctl/browser"
)

func ret(n int) *int { return &n }

// openTestJournal opens a journal in a temporary directory, closed at the
// end of the test.
func openTestJournal(t *testing.T, path string) (*batchJournal, []Record) {
	t.Helper()
	j, records, err := openBatchJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j, records
}

func TestJournalRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plan.csv.journal")
	j, records := openTestJournal(t, path)
	if len(records) != 0 {
		t.Fatalf("a new journal has %d records", len(records))
	}
	want := []Record{
		{Type: RecordIntent, Topic: "A", Members: []string{"Bob", "Carol"}, Attempt: 1},
		{Type: RecordResult, Topic: "A", Members: []string{"Bob", "Carol"}, Status: StatusCreated, ChatRoomName: "@@a", Ret: ret(0)},
	}
	for _, r := range want {
		if err := j.append(r); err != nil {
			t.Fatal(err)
		}
	}
	// Another wxctl on the same journal would create the same groups.
	if _, _, err := openBatchJournal(path); !errors.Is(err, errJournalInUse) {
		t.Errorf("a second open: %v, want errJournalInUse", err)
	}
	j.Close()

	got, err := ReadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].ChatRoomName != "@@a" || *got[1].Ret != 0 || got[0].Time.IsZero() {
		t.Errorf("read back %+v", got)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("journal mode %v, %v; want 0600", info.Mode(), err)
	}
	if b, _ := os.ReadFile(path); !strings.HasPrefix(string(b), string(journalHeader)) || strings.Count(string(b), "\n") != 3 {
		t.Errorf("the journal does not start with its header, then the records:\n%s", b)
	}
}

// TestJournalRefusesOtherFiles names files that are not journals as the
// journal: each is refused as bad input and left byte for byte as it was
// (a one-line file used to be taken for a torn write and emptied).
func TestJournalRefusesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{
		"one-line plan":         "Hikers,Rain1ove,Boss",
		"plan":                  "topic,member,member\nHikers,Rain1ove,Boss\n",
		"notes":                 "call Boss about the hike\n\nand the bus\n",
		"another JSON lines":    `{"type":"event","topic":"x"}` + "\n" + `{"type":"event"}` + "\n",
		"another wxctl file":    `{"wxctl":"smoke-report","version":1}` + "\n",
		"a later journal":       `{"wxctl":"batch-journal","version":2}` + "\n",
		"a brace":               "{",
		"a blank first line":    "\n" + `{"type":"intent","topic":"A","members":["B","C"],"time":"2024-05-01T10:00:00Z"}` + "\n",
		"a record without time": `{"type":"intent","topic":"A","members":["B","C"]}` + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
			if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
			_, _, err := openBatchJournal(path)
			var nerr *notJournalError
			if !errors.As(err, &nerr) || !errors.Is(err, browser.ErrBadInput) || !strings.Contains(err.Error(), "left as it is") {
				t.Errorf("open: %v, want it refused as not a journal (bad input)", err)
			}
			if _, err := ReadJournal(path); !errors.As(err, &nerr) {
				t.Errorf("read: %v, want it refused as not a journal", err)
			}
			if b, _ := os.ReadFile(path); string(b) != data {
				t.Errorf("the file changed: %q, was %q", b, data)
			}
		})
	}
}

// TestJournalNew checks what starts a journal: no file, an empty one, or
// a header cut short by a crash as the journal was made.
func TestJournalNew(t *testing.T) {
	dir := t.TempDir()
	header := string(journalHeader)
	for name, data := range map[string]*string{
		"no file":                nil,
		"empty":                  new(""),
		"torn header":            new(header[:15]),
		"header without newline": new(strings.TrimSuffix(header, "\n")),
		"header":                 new(header),
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
			if data != nil {
				if err := os.WriteFile(path, []byte(*data), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			j, records := openTestJournal(t, path)
			if len(records) != 0 {
				t.Errorf("%d records", len(records))
			}
			if err := j.append(Record{Type: RecordIntent, Topic: "A", Attempt: 1}); err != nil {
				t.Fatal(err)
			}
			j.Close()
			b, _ := os.ReadFile(path)
			if !strings.HasPrefix(string(b), header) || strings.Count(string(b), "\n") != 2 {
				t.Errorf("journal:\n%s", b)
			}
			if got, err := ReadJournal(path); err != nil || len(got) != 1 {
				t.Errorf("read back %d records, %v", len(got), err)
			}
		})
	}
}

// TestJournalTornLastLine repairs a last line cut short, in journals with
// the header and in those written before it existed (read as they are).
func TestJournalTornLastLine(t *testing.T) {
	dir := t.TempDir()
	good := `{"type":"intent","topic":"A","members":["Bob","Carol"],"attempt":1,"time":"2024-05-01T10:00:00Z"}` + "\n"
	header := string(journalHeader)
	tests := []struct {
		name, data string
		records    int
		keep       string
	}{
		{"cut mid-record", header + good + `{"type":"result","topic":"A","sta`, 1, header + good},
		{"cut before the newline", header + good + strings.TrimSuffix(good, "\n"), 2, header + good + good},
		{"blank lines", header + good + "\n\n", 1, header + good + "\n\n"},
		{"cut in the first record", header + good[:20], 0, header},
		{"no header, cut mid-record", good + `{"type":"result","topic":"A","sta`, 1, good},
		{"no header, cut before the newline", good + strings.TrimSuffix(good, "\n"), 2, good + good},
		{"no header, blank lines", good + "\n\n", 1, good + "\n\n"},
		{"no header, one record without newline", strings.TrimSuffix(good, "\n"), 1, good},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-"))
			if err := os.WriteFile(path, []byte(tt.data), 0o600); err != nil {
				t.Fatal(err)
			}
			j, records := openTestJournal(t, path)
			if len(records) != tt.records {
				t.Errorf("%d records, want %d", len(records), tt.records)
			}
			if err := j.append(Record{Type: RecordResult, Topic: "A", Status: StatusAbsent}); err != nil {
				t.Fatal(err)
			}
			j.Close()
			b, _ := os.ReadFile(path)
			if !strings.HasPrefix(string(b), tt.keep) || strings.Count(string(b[len(tt.keep):]), "\n") != 1 {
				t.Errorf("journal after the repair and one record:\n%s", b)
			}
			if got, err := ReadJournal(path); err != nil || len(got) != tt.records+1 {
				t.Errorf("read back %d records, %v", len(got), err)
			}
		})
	}
}

func TestJournalDamagedLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	good := `{"type":"intent","topic":"A","members":["B","C"],"time":"2024-05-01T10:00:00Z"}`
	if err := os.WriteFile(path, []byte(good+"\nnot json\n"+good+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := openBatchJournal(path); err == nil || !strings.Contains(err.Error(), path+":2:") {
		t.Errorf("damaged journal: %v, want the line named", err)
	}
	if err := os.WriteFile(path, []byte(string(journalHeader)+good+"\nnot json\n"+good+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := openBatchJournal(path); err == nil || !strings.Contains(err.Error(), path+":3:") {
		t.Errorf("damaged journal: %v, want the line named", err)
	}
	if _, err := ReadJournal(filepath.Join(t.TempDir(), "none")); err != nil {
		t.Errorf("a missing journal is an empty one: %v", err)
	}
}

func TestJournalNext(t *testing.T) {
	intent := Record{Type: RecordIntent, Topic: "A"}
	result := func(status string) Record {
		return Record{Type: RecordResult, Topic: "A", Status: status, ChatRoomName: "@@a"}
	}
	tests := []struct {
		name    string
		records []Record
		want    itemState
	}{
		{"nothing yet", nil, stateCreate},
		{"intent, no result: killed mid-create", []Record{intent}, stateLookup},
		{"created", []Record{intent, result(StatusCreated)}, stateDone},
		{"found", []Record{intent, result(StatusUnknown), result(StatusFound)}, stateDone},
		{"no answer", []Record{intent, result(StatusUnknown)}, stateLookup},
		{"made without its topic", []Record{intent, result(StatusUntitled)}, stateLookup},
		{"refused", []Record{intent, result(StatusRefused)}, stateCreate},
		{"rate limited", []Record{intent, result(StatusRateLimited)}, stateCreate},
		{"looked up, absent", []Record{intent, result(StatusUnknown), result(StatusAbsent)}, stateCreate},
		{"intent after a refusal", []Record{intent, result(StatusRefused), intent}, stateLookup},
	}
	for _, tt := range tests {
		st := journalStates(tt.records)["A"]
		if got := st.next(); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	items := newBatchItems([]Group{{Topic: "A"}, {Topic: "B"}})
	applyJournal(items, []Record{intent, result(StatusRefused), intent, result(StatusCreated)})
	if items[0].state != stateDone || items[0].how != howEarlier || items[0].room != "@@a" || items[0].attempts != 2 {
		t.Errorf("item A: %+v", items[0])
	}
	if items[1].state != stateCreate || items[1].attempts != 0 {
		t.Errorf("item B: %+v", items[1])
	}
}
