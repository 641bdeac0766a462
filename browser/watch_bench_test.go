package browser

import (
	"context"
	"encoding/json"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// watchBenchEvents is how many events one run of BenchmarkWatchEvents reads.
const watchBenchEvents = 10_000

// watchBenchBodies are webwxsync answers of 10 messages each, as a busy
// group chat brings them: text with emoji markup, a sender prefix, and
// every fifth answer a change to the group.
func watchBenchBodies(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		var msgs []string
		for j := range 10 {
			id := strconv.Itoa(i*10 + j)
			msgs = append(msgs, msgJSON(id, testGroup, testSelf, 1,
				testBob+`:<br/>message `+id+` &amp; more <span class="emoji emoji1f600"></span>`+strings.Repeat(" text", 20)))
		}
		mod := ""
		if i%5 == 0 {
			mod = "[" + roomJSON("Hikers "+strconv.Itoa(i), testSelf, testBob, testCarol) + "]"
		}
		out[i] = []byte(syncBody("["+strings.Join(msgs, ",")+"]", mod, ""))
	}
	return out
}

// BenchmarkWatchEvents reads 10,000 events from webwxsync answers fed to
// the network recorder as a long watch meets them, and reports the
// allocations per event against a floor measured in the same run:
// decoding the same answers with encoding/json alone. The watch's figures
// include the recorder taking the answers. heap-growth is the live heap
// after all 10,000 events over the live heap after the first 5,000, when
// the recorder is full (1 is flat: the recorder's bounds hold and the
// stream keeps nothing per event); held-calls is what the recorder holds
// at the end.
func BenchmarkWatchEvents(b *testing.B) {
	bodies := watchBenchBodies(watchBenchEvents / 10)
	ctx := context.Background()
	var watchBytes, floorBytes, watchAllocs, floorAllocs uint64
	var growth float64
	var held int
	var ms runtime.MemStats
	b.ResetTimer()
	for range b.N {
		// The floor: decode every answer, nothing else.
		runtime.ReadMemStats(&ms)
		bytes0, allocs0 := ms.TotalAlloc, ms.Mallocs
		for _, body := range bodies {
			var a syncAnswer
			if err := json.Unmarshal(body, &a); err != nil {
				b.Fatal(err)
			}
		}
		runtime.ReadMemStats(&ms)
		floorBytes += ms.TotalAlloc - bytes0
		floorAllocs += ms.Mallocs - allocs0

		e, f := newTestEvents()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		bytes0, allocs0 = ms.TotalAlloc, ms.Mallocs
		var heapHalf uint64
		read := 0
		for i, body := range bodies {
			f.answer(f.start("webwxsync"), string(body))
			for n := 10 + btoi(i%5 == 0); n > 0; n-- {
				if _, err := e.Next(ctx); err != nil {
					b.Fatal(err)
				}
				read++
			}
			if i == len(bodies)/2-1 {
				runtime.ReadMemStats(&ms)
				watchBytes += ms.TotalAlloc - bytes0
				watchAllocs += ms.Mallocs - allocs0
				runtime.GC()
				runtime.ReadMemStats(&ms)
				heapHalf = ms.HeapAlloc
				bytes0, allocs0 = ms.TotalAlloc, ms.Mallocs
			}
		}
		runtime.ReadMemStats(&ms)
		watchBytes += ms.TotalAlloc - bytes0
		watchAllocs += ms.Mallocs - allocs0
		runtime.GC()
		runtime.ReadMemStats(&ms)
		growth += float64(ms.HeapAlloc) / float64(heapHalf)
		held = len(e.rec.calls)
		if read < watchBenchEvents {
			b.Fatalf("read %d events", read)
		}
		runtime.KeepAlive(e)
	}
	n := float64(b.N) * watchBenchEvents
	b.ReportMetric(float64(watchBytes)/n, "B/event")
	b.ReportMetric(float64(watchAllocs)/n, "allocs/event")
	b.ReportMetric(float64(watchBytes)/float64(floorBytes), "bytes/json-floor")
	b.ReportMetric(float64(watchAllocs)/float64(floorAllocs), "allocs/json-floor")
	b.ReportMetric(growth/float64(b.N), "heap-growth")
	b.ReportMetric(float64(held), "held-calls")
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
