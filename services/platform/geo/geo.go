// Package geo has the geometry the services share: great-circle distances between WGS84 points.
package geo

import "math"

// earthRadiusMeters is the mean radius of the earth (IUGG).
const earthRadiusMeters = 6371008.8

// Distance is the great-circle (haversine) distance in metres between two WGS84 points given in
// degrees.
func Distance(lat1, lng1, lat2, lng2 float64) float64 {
	rad := math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLng := (lng2 - lng1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * earthRadiusMeters * math.Asin(math.Min(1, math.Sqrt(a)))
}
