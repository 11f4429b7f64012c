// Package pack compresses stored document data (feed entries, claims) when that makes it
// smaller: DEFLATE at its fastest level, with the compressors reused (a new one allocates about
// a megabyte).
package pack

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"sync"
)

// Min is the smallest data worth compressing.
const Min = 256

// Pack returns data compressed, and ok false (data to be kept as it is) when data is shorter than
// Min or compression would not make it smaller.
func Pack(data []byte) (packed []byte, ok bool) {
	if len(data) < Min {
		return nil, false
	}
	var buf bytes.Buffer
	zw := writers.Get().(*flate.Writer)
	defer writers.Put(zw)
	zw.Reset(&buf)
	if _, err := zw.Write(data); err != nil || zw.Close() != nil || buf.Len() >= len(data) {
		return nil, false
	}
	return buf.Bytes(), true
}

// Unpack returns the data that Pack compressed into packed.
func Unpack(packed []byte) ([]byte, error) {
	zr := readers.Get().(io.ReadCloser)
	defer readers.Put(zr)
	if err := zr.(flate.Resetter).Reset(bytes.NewReader(packed), nil); err != nil {
		return nil, fmt.Errorf("unpack: %w", err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("unpack: %w", err)
	}
	return data, nil
}

var (
	writers = sync.Pool{New: func() any {
		zw, _ := flate.NewWriter(nil, flate.BestSpeed) // fails only for an invalid level
		return zw
	}}
	readers = sync.Pool{New: func() any { return flate.NewReader(nil) }}
)
