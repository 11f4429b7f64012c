package web

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// radiusChoices are the distances the forms offer, in kilometres.
var radiusChoices = []int{2, 5, 10, 25, 50, 100}

const defaultRadiusKm = 25

// nearForm is the "where" part of the listing and directory forms: a member centre, or a point
// typed in or filled in by "use my location", and a radius.
type nearForm struct {
	Centre   string
	Lat, Lon string
	Radius   int
}

func parseNear(v url.Values) nearForm {
	n := nearForm{Centre: v.Get("centre"), Lat: strings.TrimSpace(v.Get("lat")), Lon: strings.TrimSpace(v.Get("lon")), Radius: defaultRadiusKm}
	if s := v.Get("radius"); s != "" {
		r, err := strconv.Atoi(s)
		if err != nil {
			r = -1 // reported as not one of the choices
		}
		n.Radius = r
	}
	return n
}

func (n nearForm) values(v url.Values) {
	if n.Centre != "" {
		v.Set("centre", n.Centre)
	}
	if n.Lat != "" || n.Lon != "" {
		v.Set("lat", n.Lat)
		v.Set("lon", n.Lon)
	}
	if n.Centre != "" || n.Lat != "" || n.Lon != "" {
		v.Set("radius", strconv.Itoa(n.Radius))
	}
}

// point resolves the form to a circle; ok is false when no place was chosen. A value that
// cannot be read is reported under its form field. Ranges are left to the service, whose field
// violations name them.
func (n nearForm) point(facts *directoryFacts, errs formErrors, l *localizer, h *Handler) (lat, lon, radiusMeters float64, ok bool) {
	if !slices.Contains(radiusChoices, n.Radius) {
		errs["radius"] = h.fieldMessage(l, "radius")
	}
	radiusMeters = float64(n.Radius) * 1000
	if n.Lat != "" || n.Lon != "" {
		var err1, err2 error
		lat, err1 = strconv.ParseFloat(strings.ReplaceAll(n.Lat, ",", "."), 64)
		lon, err2 = strconv.ParseFloat(strings.ReplaceAll(n.Lon, ",", "."), 64)
		if err1 != nil {
			errs["lat"] = h.fieldMessage(l, "lat")
		}
		if err2 != nil {
			errs["lon"] = h.fieldMessage(l, "lon")
		}
		return lat, lon, radiusMeters, err1 == nil && err2 == nil
	}
	if n.Centre != "" {
		c, found := facts.centre(n.Centre)
		if !found {
			errs["centre"] = h.fieldMessage(l, "centre")
			return 0, 0, 0, false
		}
		return c.Latitude, c.Longitude, radiusMeters, true
	}
	return 0, 0, 0, false
}
