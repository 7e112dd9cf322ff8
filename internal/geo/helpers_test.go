package geo_test

import (
	"fmt"
	"strings"
)

func fmtSscan(pair string, x, y *float64) (int, error) {
	return fmt.Sscanf(strings.Replace(pair, ",", " ", 1), "%g %g", x, y)
}
