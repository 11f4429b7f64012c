package testenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Latency is the p50, p95 and p99 of a run of calls.
type Latency struct {
	P50, P95, P99 time.Duration
}

func (l Latency) String() string {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return fmt.Sprintf("p50 %.2f ms  p95 %.2f ms  p99 %.2f ms", ms(l.P50), ms(l.P95), ms(l.P99))
}

// Sequential runs op n times from one caller and returns its latency percentiles.
func Sequential(n int, op func(i int) error) (Latency, error) {
	lat := make([]time.Duration, 0, n)
	for i := range n {
		t := time.Now()
		if err := op(i); err != nil {
			return Latency{}, err
		}
		lat = append(lat, time.Since(t))
	}
	return percentiles(lat), nil
}

// Concurrent runs op from clients callers for d and returns calls per second and latencies.
func Concurrent(clients int, d time.Duration, op func(i int) error) (float64, Latency, error) {
	var (
		mu    sync.Mutex
		lat   []time.Duration
		next  atomic.Int64
		first error
		wg    sync.WaitGroup
	)
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for ctx.Err() == nil {
				i := int(next.Add(1))
				t := time.Now()
				if err := op(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					cancel()
					break
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if first != nil {
		return 0, Latency{}, first
	}
	return float64(len(lat)) / elapsed.Seconds(), percentiles(lat), nil
}

func percentiles(lat []time.Duration) Latency {
	if len(lat) == 0 {
		return Latency{}
	}
	slices.Sort(lat)
	at := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
	return Latency{P50: at(0.50), P95: at(0.95), P99: at(0.99)}
}

// DatabaseBytes is the size on disk of database name on the embedded server (its SQLite file
// and write-ahead log), found among this process's open files; 0 when it is not open here.
func DatabaseBytes(name string) int64 {
	file, wal := DatabaseFiles(name)
	return file + wal
}

// DatabaseFiles is the size of embedded database name's file and of its write-ahead log.
func DatabaseFiles(name string) (file, wal int64) {
	fds, _ := os.ReadDir("/proc/self/fd")
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err != nil || !strings.HasSuffix(target, "/"+name+".sqlite") {
			continue
		}
		if st, err := os.Stat(target); err == nil {
			file = st.Size()
		}
		if st, err := os.Stat(target + "-wal"); err == nil {
			wal = st.Size()
		}
		return file, wal
	}
	return 0, 0
}
