package cmd

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func ret(n int) *int { return &n }

// openTestJournal opens a journal in a temporary directory, closed at the
// end of the test.
func openTestJournal(t *testing.T, path string) (*batchJournal, []journalRecord) {
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
	want := []journalRecord{
		{Type: recordIntent, Topic: "A", Members: []string{"Bob", "Carol"}, Attempt: 1},
		{Type: recordResult, Topic: "A", Members: []string{"Bob", "Carol"}, Status: statusCreated, ChatRoomName: "@@a", Ret: ret(0)},
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

	got, err := readBatchJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].ChatRoomName != "@@a" || *got[1].Ret != 0 || got[0].Time.IsZero() {
		t.Errorf("read back %+v", got)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("journal mode %v, %v; want 0600", info.Mode(), err)
	}
}

func TestJournalTornLastLine(t *testing.T) {
	dir := t.TempDir()
	good := `{"type":"intent","topic":"A","members":["Bob","Carol"],"attempt":1,"time":"2024-05-01T10:00:00Z"}` + "\n"
	tests := []struct {
		name, data string
		records    int
		keep       string
	}{
		{"cut mid-record", good + `{"type":"result","topic":"A","sta`, 1, good},
		{"cut before the newline", good + strings.TrimSuffix(good, "\n"), 2, good + good},
		{"blank lines", good + "\n\n", 1, good + "\n\n"},
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
			if err := j.append(journalRecord{Type: recordResult, Topic: "A", Status: statusAbsent}); err != nil {
				t.Fatal(err)
			}
			j.Close()
			b, _ := os.ReadFile(path)
			if !strings.HasPrefix(string(b), tt.keep) || strings.Count(string(b[len(tt.keep):]), "\n") != 1 {
				t.Errorf("journal after the repair and one record:\n%s", b)
			}
			if got, err := readBatchJournal(path); err != nil || len(got) != tt.records+1 {
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
	if _, err := readBatchJournal(filepath.Join(t.TempDir(), "none")); err != nil {
		t.Errorf("a missing journal is an empty one: %v", err)
	}
}

func TestJournalNext(t *testing.T) {
	intent := journalRecord{Type: recordIntent, Topic: "A"}
	result := func(status string) journalRecord {
		return journalRecord{Type: recordResult, Topic: "A", Status: status, ChatRoomName: "@@a"}
	}
	tests := []struct {
		name    string
		records []journalRecord
		want    itemState
	}{
		{"nothing yet", nil, stateCreate},
		{"intent, no result: killed mid-create", []journalRecord{intent}, stateLookup},
		{"created", []journalRecord{intent, result(statusCreated)}, stateDone},
		{"found", []journalRecord{intent, result(statusUnknown), result(statusFound)}, stateDone},
		{"no answer", []journalRecord{intent, result(statusUnknown)}, stateLookup},
		{"made without its topic", []journalRecord{intent, result(statusUntitled)}, stateLookup},
		{"refused", []journalRecord{intent, result(statusRefused)}, stateCreate},
		{"rate limited", []journalRecord{intent, result(statusRateLimited)}, stateCreate},
		{"looked up, absent", []journalRecord{intent, result(statusUnknown), result(statusAbsent)}, stateCreate},
		{"intent after a refusal", []journalRecord{intent, result(statusRefused), intent}, stateLookup},
	}
	for _, tt := range tests {
		st := journalStates(tt.records)["A"]
		if got := st.next(); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	items := newBatchItems([]batchGroup{{Topic: "A"}, {Topic: "B"}})
	applyJournal(items, []journalRecord{intent, result(statusRefused), intent, result(statusCreated)})
	if items[0].state != stateDone || items[0].how != howEarlier || items[0].room != "@@a" || items[0].attempts != 2 {
		t.Errorf("item A: %+v", items[0])
	}
	if items[1].state != stateCreate || items[1].attempts != 0 {
		t.Errorf("item B: %+v", items[1])
	}
}
