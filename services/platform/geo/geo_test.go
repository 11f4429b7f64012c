package geo_test

import (
	"math"
	"testing"

	"github.com/socialrx/socialrx/services/platform/geo"
)

func TestDistance(t *testing.T) {
	tests := []struct {
		name                   string
		lat1, lng1, lat2, lng2 float64
		want, tolerance        float64
	}{
		{"same point", 43.65, -79.38, 43.65, -79.38, 0, 0.001},
		{"one degree of latitude", 0, 0, 1, 0, 111_195, 10},
		{"Toronto to Ottawa", 43.6532, -79.3832, 45.4215, -75.6972, 352_000, 2_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := geo.Distance(tt.lat1, tt.lng1, tt.lat2, tt.lng2); math.Abs(got-tt.want) > tt.tolerance {
				t.Errorf("got %.0f m, want %.0f m", got, tt.want)
			}
		})
	}
}
