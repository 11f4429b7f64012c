package impact

import (
	"math"
	"testing"
)

func TestQuantile(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    map[int32]int64
		q    float64
		want int32
		ok   bool
	}{
		{"empty", map[int32]int64{}, 0.5, 0, false},
		{"one value", map[int32]int64{7: 1}, 0.5, 7, true},
		{"odd count median", map[int32]int64{1: 1, 2: 1, 9: 1}, 0.5, 2, true},
		{"even count median is the lower middle", map[int32]int64{1: 1, 2: 1, 3: 1, 4: 1}, 0.5, 2, true},
		{"p90 of ten", map[int32]int64{1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1, 7: 1, 8: 1, 9: 1, 10: 1}, 0.9, 9, true},
		{"p90 of eleven takes the tenth", map[int32]int64{1: 10, 50: 1}, 0.9, 1, true},
		{"repeated values", map[int32]int64{24: 3, 48: 2}, 0.5, 24, true},
		{"two weeks and more read in days", map[int32]int64{10: 1, 400: 1, 401: 1}, 0.5, 384, true},
		{"beyond a year", map[int32]int64{9000: 1}, 0.5, 366 * 24, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h Hist
			for v, n := range tc.h {
				h.Add(v, n)
			}
			got, ok := h.Quantile(tc.q)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("Quantile(%v, %v) = %d, %v; want %d, %v", tc.h, tc.q, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func moments(xs ...float64) Moments {
	var m Moments
	for _, x := range xs {
		m.add(int64(math.Round(x*100)), 1)
	}
	return m
}

func TestInterval(t *testing.T) {
	for _, tc := range []struct {
		name           string
		m              Moments
		mean, low, hig float64
		ok             bool
	}{
		{"too few", moments(1), 0, 0, 0, false},
		// mean 3, sd 1.5811, t(4) = 2.776445, half = 1.9632
		{"five values", moments(1, 2, 3, 4, 5), 3, 1.0368, 4.9632, true},
		// mean -2, sd 0: the interval is the mean
		{"no spread", moments(-2, -2, -2), -2, -2, -2, true},
		// mean 0.5, sd 0.7071, t(1) = 12.7062, half = 6.3531
		{"two values", moments(0, 1), 0.5, -5.8531, 6.8531, true},
		// hundredths: mean 1.25, sd 0.3536, t(1), half 3.1766
		{"metric scores", moments(1.0, 1.5), 1.25, -1.9266, 4.4266, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mean, low, high, ok := Interval(tc.m)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			for _, v := range []struct{ got, want float64 }{{mean, tc.mean}, {low, tc.low}, {high, tc.hig}} {
				if math.Abs(v.got-v.want) > 1e-3 {
					t.Fatalf("Interval = %.4f [%.4f, %.4f], want %.4f [%.4f, %.4f]", mean, low, high, tc.mean, tc.low, tc.hig)
				}
			}
		})
	}
}
