package api

// Routes returns the method and path of every route in the table of
// routes.go, for the tests that compare it with openapi.json.
func Routes() [][2]string {
	out := make([][2]string, len(routes))
	for i, rt := range routes {
		out[i] = [2]string{rt.method, rt.path}
	}
	return out
}
