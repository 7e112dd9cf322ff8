package media

import (
	"strconv"
	"strings"
)

// Coord is a point on Earth.
type Coord struct {
	Lat, Lon float64
	Alt      float64
	HasAlt   bool
}

// ParseISO6709 reads a point in the ISO 6709 string form phones write
// ("+48.8577+002.2950/", "+12.3456-098.7654+010.500/"), with latitude
// and longitude in decimal degrees, degrees and minutes (±DDMM.MM
// ±DDDMM.MM) or degrees, minutes and seconds (±DDMMSS ±DDDMMSS).
func ParseISO6709(s string) (Coord, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '/'); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, "CRS"); i >= 0 {
		s = s[:i]
	}
	var parts []string
	for len(s) > 0 {
		if s[0] != '+' && s[0] != '-' {
			return Coord{}, false
		}
		j := 1
		for j < len(s) && s[j] != '+' && s[j] != '-' {
			j++
		}
		parts = append(parts, s[:j])
		s = s[j:]
	}
	if len(parts) < 2 || len(parts) > 3 {
		return Coord{}, false
	}
	lat, ok1 := angle(parts[0], 2)
	lon, ok2 := angle(parts[1], 3)
	if !ok1 || !ok2 || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return Coord{}, false
	}
	c := Coord{Lat: lat, Lon: lon}
	if len(parts) == 3 {
		a, err := strconv.ParseFloat(parts[2], 64)
		if err != nil || a < -100000 || a > 100000 {
			return Coord{}, false
		}
		c.Alt, c.HasAlt = a, true
	}
	return c, true
}

// angle reads a signed angle whose whole degrees have deg digits.
func angle(s string, deg int) (float64, bool) {
	sign := 1.0
	if s[0] == '-' {
		sign = -1
	}
	s = s[1:]
	intPart, frac, _ := strings.Cut(s, ".")
	for _, c := range intPart + frac {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	if frac != "" {
		frac = "." + frac
	}
	var v float64
	switch len(intPart) {
	case deg: // degrees
		d, err := strconv.ParseFloat(intPart+frac, 64)
		if err != nil {
			return 0, false
		}
		v = d
	case deg + 2: // degrees, minutes
		d, _ := strconv.Atoi(intPart[:deg])
		m, err := strconv.ParseFloat(intPart[deg:]+frac, 64)
		if err != nil || m >= 60 {
			return 0, false
		}
		v = float64(d) + m/60
	case deg + 4: // degrees, minutes, seconds
		d, _ := strconv.Atoi(intPart[:deg])
		m, _ := strconv.Atoi(intPart[deg : deg+2])
		sec, err := strconv.ParseFloat(intPart[deg+2:]+frac, 64)
		if err != nil || m >= 60 || sec >= 60 {
			return 0, false
		}
		v = float64(d) + float64(m)/60 + sec/3600
	default:
		return 0, false
	}
	return sign * v, true
}
