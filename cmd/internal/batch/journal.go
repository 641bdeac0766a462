package batch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"

	"github.com/wxctl/wxctl/browser"
)

// Journal records: an intent before every create, a result after every
// call whose outcome matters. See README.md for the format.
const (
	RecordIntent = "intent"
	RecordResult = "result"
)

// Result statuses. created, found and exists are final: the group exists
// with its topic (exists: it was there before any create of this journal,
// so none was sent). untitled: it exists, its topic is not set yet. unknown: the answer
// was never seen, so it may or may not exist. The others say the group was
// not made: refused (WeChat said no), rate-limited (Ret 1 or 1205),
// not-logged-in (the session had ended), absent (a look-up after an unknown
// outcome found no such group).
const (
	StatusCreated     = "created"
	StatusFound       = "found"
	StatusExists      = "exists"
	StatusUntitled    = "untitled"
	StatusUnknown     = "unknown"
	StatusRefused     = "refused"
	StatusRateLimited = "rate-limited"
	StatusLoggedOut   = "not-logged-in"
	StatusAbsent      = "absent"
)

// Record is one line of the journal.
type Record struct {
	Type    string   `json:"type"`
	Topic   string   `json:"topic"`
	Members []string `json:"members"` // as the plan names them
	// UserNames are the members' UserNames in the login session of the
	// record (they change at every login), for the record only.
	UserNames    []string  `json:"userNames,omitempty"`
	Attempt      int       `json:"attempt,omitempty"` // intent: 1 for the group's first create, 2 for the next…
	Status       string    `json:"status,omitempty"`  // result
	ChatRoomName string    `json:"chatRoomName,omitempty"`
	Ret          *int      `json:"ret,omitempty"` // WeChat's BaseResponse.Ret, when it answered
	Error        string    `json:"error,omitempty"`
	Time         time.Time `json:"time"`
}

// batchJournal is the journal file, open for appending and locked against
// a second wxctl on the same plan. Every record is on disk (fsync) before
// append returns: a create is sent only after its intent is, so that no
// group is ever made without a line saying so.
type batchJournal struct {
	path string
	mu   sync.Mutex
	f    *os.File
	lock *flock.Flock // on lockPath(path)
}

// lockPath is the file locked for the journal at path. The lock is not
// taken on the journal itself: on Windows a lock keeps out every other
// handle, the journal's own included. The file stays: removing it while
// another wxctl waits to lock it would let a third lock a new one.
func lockPath(path string) string { return path + ".lock" }

// errJournalInUse means another wxctl works through the same journal: two
// at once could both create the same group.
var errJournalInUse = errors.New("the journal is in use by another wxctl")

// openBatchJournal opens (or creates) the journal at path, locks it and
// returns its records. A last line cut short by a crash or a power cut is
// dropped from the file; a damaged line before the last is an error, for a
// person to look at.
func openBatchJournal(path string) (*batchJournal, []Record, error) {
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("opening the journal: %w", err)
	}
	j := &batchJournal{path: path, f: f}
	records, err := j.load(errors.Is(statErr, fs.ErrNotExist))
	if err != nil {
		j.Close() // and the lock, if it was taken
		return nil, nil, err
	}
	return j, records, nil
}

func (j *batchJournal) load(created bool) ([]Record, error) {
	// The system releases the lock when its file is closed or the process
	// dies, even by SIGKILL, so a killed run never leaves the journal
	// locked.
	j.lock = flock.New(lockPath(j.path), flock.SetPermissions(0o600))
	switch ok, err := j.lock.TryLock(); {
	case err != nil:
		return nil, fmt.Errorf("%s: locking it: %w", j.path, err)
	case !ok:
		return nil, fmt.Errorf("%s: %w: wait for it to finish, or stop it", j.path, errJournalInUse)
	}
	data, err := io.ReadAll(j.f)
	if err != nil {
		return nil, fmt.Errorf("reading the journal: %w", err)
	}
	records, keep, err := parseJournal(j.path, data)
	if err != nil {
		return nil, err
	}
	if keep < len(data) {
		// The torn tail goes, or the next record would be glued to it.
		if err := j.f.Truncate(int64(keep)); err != nil {
			return nil, fmt.Errorf("cutting the torn last line of the journal: %w", err)
		}
	}
	if _, err := j.f.Seek(int64(keep), io.SeekStart); err != nil {
		return nil, fmt.Errorf("reading the journal: %w", err)
	}
	switch {
	case keep == 0:
		// A new journal: its header before anything else.
		if _, err := j.f.Write(journalHeader); err != nil {
			return nil, fmt.Errorf("writing the journal: %w", err)
		}
	case data[keep-1] != '\n':
		// A whole line whose newline was lost.
		if _, err := j.f.Write([]byte{'\n'}); err != nil {
			return nil, fmt.Errorf("writing the journal: %w", err)
		}
	}
	if err := j.f.Sync(); err != nil {
		return nil, fmt.Errorf("writing the journal: %w", err)
	}
	if created {
		// The new file's name must survive a power cut as well as its data.
		if err := syncDir(filepath.Dir(j.path)); err != nil {
			return nil, fmt.Errorf("writing the journal: %w", err)
		}
	}
	return records, nil
}

// ReadJournal reads the records of the journal at path without
// opening it for writing (for --dry-run); no file means no records.
func ReadJournal(path string) ([]Record, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the journal: %w", err)
	}
	records, _, err := parseJournal(path, data)
	return records, err
}

// The journal's first line says what the file is, so that wxctl never
// takes another file (a plan, notes) named with --journal for a journal
// and cuts it as a torn write. It is written, on disk, before any record.
const (
	journalKind    = "batch-journal"
	journalVersion = 1
)

var journalHeader = []byte(`{"wxctl":"batch-journal","version":1}` + "\n")

// journalHead is the journal's first line.
type journalHead struct {
	Wxctl   string `json:"wxctl"`
	Version int    `json:"version"`
}

// notJournalError is a file named as the journal that is not one: it is
// left as it is.
type notJournalError struct {
	Path string
	Why  string
}

func (e *notJournalError) Error() string {
	return fmt.Sprintf("%s is not a wxctl journal (%s); it is left as it is: name another file with --journal, "+
		"or move this one aside", e.Path, e.Why)
}

// Is makes a file that is not a journal bad input (exit 2).
func (e *notJournalError) Is(target error) bool { return target == browser.ErrBadInput }

// parseJournal decodes a journal: its header line, then one JSON record a
// line. It returns the records and how many bytes of data hold the header
// and them: a last line that does not decode (a write cut short) is not
// kept. An empty file is a new journal (keep 0). A file whose first line is
// a record, without the header, is a journal written before the header
// existed: read as it is, never rewritten. Any other file is a
// *notJournalError.
func parseJournal(path string, data []byte) ([]Record, int, error) {
	if len(data) == 0 || isTornHeader(data) {
		return nil, 0, nil
	}
	first, _, _ := bytes.Cut(data, []byte{'\n'})
	var head journalHead
	switch {
	case json.Unmarshal(first, &head) == nil && head.Wxctl == journalKind:
		if head.Version != journalVersion {
			return nil, 0, &notJournalError{Path: path, Why: fmt.Sprintf("a journal of version %d, which this wxctl does not know: "+
				"use the wxctl that wrote it", head.Version)}
		}
		if len(first) == len(data) {
			return nil, 0, nil // the header without its newline: nothing was written after it
		}
		records, keep, err := parseRecords(path, data[len(first)+1:], 2)
		return records, len(first) + 1 + keep, err
	case !isRecord(first):
		return nil, 0, &notJournalError{Path: path, Why: "its first line is not " + strings.TrimSpace(string(journalHeader))}
	}
	return parseRecords(path, data, 1)
}

// isTornHeader reports whether data is the start of the header, cut short
// by a crash as the journal was made; short of the header's first key, it
// might be anything.
func isTornHeader(data []byte) bool {
	return len(data) < len(journalHeader) && bytes.HasPrefix(journalHeader, data) && bytes.HasPrefix(data, []byte(`{"wxctl"`))
}

// isRecord reports whether line is a whole journal record.
func isRecord(line []byte) bool {
	var r Record
	return json.Unmarshal(line, &r) == nil && (r.Type == RecordIntent || r.Type == RecordResult) && r.Topic != "" && !r.Time.IsZero()
}

// parseRecords decodes the JSON records of a journal's data, whose first
// line is line first of the file.
func parseRecords(path string, data []byte, first int) ([]Record, int, error) {
	var records []Record
	pos := 0
	for n := first; pos < len(data); n++ {
		line, rest, complete := bytes.Cut(data[pos:], []byte{'\n'})
		var r Record
		err := json.Unmarshal(line, &r)
		if err == nil && (r.Type == RecordIntent || r.Type == RecordResult) && r.Topic != "" {
			records = append(records, r)
		} else if len(bytes.TrimSpace(line)) > 0 {
			if !complete || len(bytes.TrimSpace(rest)) == 0 {
				return records, pos, nil // the torn last line
			}
			return nil, 0, fmt.Errorf("%s:%d: the journal is damaged (%s): move it aside to start over, "+
				"or remove the line if you know what it held", path, n, journalLineError(err))
		}
		pos += len(line)
		if complete {
			pos++
		}
	}
	return records, pos, nil
}

func journalLineError(err error) string {
	if err != nil {
		return err.Error()
	}
	return "not a journal record"
}

// append writes one record and waits until it is on disk.
func (j *batchJournal) append(r Record) error {
	if r.Time.IsZero() {
		r.Time = time.Now().UTC()
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("writing the journal: %w", err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, err := j.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("writing the journal %s: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("writing the journal %s to disk: %w", j.path, err)
	}
	return nil
}

// Close closes and unlocks the journal.
func (j *batchJournal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	err := j.f.Close()
	if j.lock != nil {
		err = errors.Join(err, j.lock.Close())
	}
	return err
}

// syncDir flushes a directory's entries to disk.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// journalState is what the journal says about one topic.
type journalState struct {
	attempts int     // intents written: creates sent, or about to be
	last     *Record // the last record, intent or result
	done     *Record // the final result (created or found), if any
}

// journalStates sums up the records by topic.
func journalStates(records []Record) map[string]*journalState {
	out := make(map[string]*journalState)
	for i := range records {
		r := &records[i]
		st := out[r.Topic]
		if st == nil {
			st = &journalState{}
			out[r.Topic] = st
		}
		st.last = r
		switch {
		case r.Type == RecordIntent:
			st.attempts++
		case r.Status == StatusCreated || r.Status == StatusFound || r.Status == StatusExists:
			st.done = r
		}
	}
	return out
}

// next is what a run must do for the topic: nothing (its group exists),
// look it up first (a create was sent whose outcome nobody saw, or the
// group was made without its topic), or create it.
func (st *journalState) next() itemState {
	switch {
	case st == nil:
		return stateCreate
	case st.done != nil:
		return stateDone
	case st.last.Type == RecordIntent:
		return stateLookup
	}
	switch st.last.Status {
	case StatusUnknown, StatusUntitled:
		return stateLookup
	}
	return stateCreate
}

// intentTimes returns when the creates were sent, oldest first, for the
// pacing of a resumed run.
func intentTimes(records []Record) []time.Time {
	var out []time.Time
	for _, r := range records {
		if r.Type == RecordIntent {
			out = append(out, r.Time)
		}
	}
	return out
}
