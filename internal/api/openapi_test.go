package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/api"
	"github.com/trove-archive/trove/internal/archive"
)

// openAPI is the document served at /openapi.json, decoded.
type openAPI map[string]any

func loadOpenAPI(t *testing.T, e *env) openAPI {
	t.Helper()
	r := e.get("", "/openapi.json")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("openapi.json: %s", r)
	}
	var doc openAPI
	d := json.NewDecoder(bytes.NewReader(r.body))
	d.UseNumber()
	if err := d.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.0.") {
		t.Fatalf("openapi version %q", v)
	}
	return doc
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// TestOpenAPIRoutes: the document describes exactly the routes of the
// table in routes.go, with the same methods, and declares every path
// parameter.
func TestOpenAPIRoutes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	doc := loadOpenAPI(t, newEnv(t, f, nil))
	var documented, registered []string
	for p, item := range doc["paths"].(map[string]any) {
		for m, op := range item.(map[string]any) {
			if !slices.Contains(httpMethods, m) {
				continue
			}
			documented = append(documented, strings.ToUpper(m)+" "+p)
			declared := map[string]bool{}
			for _, prm := range asList(op.(map[string]any)["parameters"]) {
				prm := doc.resolve(prm.(map[string]any))
				if prm["in"] == "path" {
					declared[prm["name"].(string)] = true
				}
			}
			for _, m := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(p, -1) {
				if !declared[m[1]] {
					t.Errorf("%s: path parameter %s not declared", p, m[1])
				}
				delete(declared, m[1])
			}
			if len(declared) > 0 {
				t.Errorf("%s: declares path parameters %v not in the path", p, declared)
			}
		}
	}
	for _, rt := range api.Routes() {
		registered = append(registered, rt[0]+" "+rt[1])
	}
	slices.Sort(documented)
	slices.Sort(registered)
	if !slices.Equal(documented, registered) {
		t.Errorf("openapi.json documents\n\t%v\nroutes.go registers\n\t%v", documented, registered)
	}
}

// TestOpenAPIResponses sends sample requests to every route, successful
// and failing, and checks each response against the document: its status
// and content type are documented for the operation, and a JSON body has
// the schema's required properties, no undocumented ones, and the right
// types.
func TestOpenAPIResponses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := newEnv(t, f, nil)
	doc := loadOpenAPI(t, e)
	pub := f.datasets[archive.LevelPublic]
	it, err := f.db.Item(t.Context(), archive.Admin(), f.att[archive.LevelPublic])
	if err != nil {
		t.Fatal(err)
	}
	etag := `"` + it.Blob.String() + `"`
	type sample struct {
		reader string
		path   string
		hdr    []string
	}
	samples := []sample{
		{"", "/datasets", nil},
		{"admin", "/datasets", nil},
		{"", "/datasets/" + pub.Slug, nil},
		{"admin", "/datasets/private", nil},
		{"", "/datasets/private", nil},
		{"", "/datasets/public/browse", nil},
		{"", "/datasets/public/browse?path=ledger&limit=5", nil},
		{"", "/datasets/public/browse?limit=0", nil},
		{"", "/datasets/public/browse?path=nowhere", nil},
		{"", "/datasets/public/report", nil},
		{"admin", "/datasets/private/report", nil},
		{"", "/datasets/private/report", nil},
		{"", "/search?q=harbor", nil},
		{"admin", "/search?q=harbor&sort=newest&dataset=private", nil},
		{"", "/search?q=ledger&limit=5", nil},
		{"", "/search?q=bundle", nil},
		{"", "/search", nil},
		{"", "/search?q=" + url.QueryEscape(`"unclosed`), nil},
		{"", "/search?q=" + strings.Repeat("x", 9000), nil},
		{"", fmt.Sprintf("/items/%d", f.mail[archive.LevelPublic]), nil},
		{"", fmt.Sprintf("/items/%d", f.att[archive.LevelPublic]), nil},
		{"", fmt.Sprintf("/items/%d", f.failed), nil},
		{"", fmt.Sprintf("/items/%d", f.zip), nil},
		{"", fmt.Sprintf("/items/%d", f.att[archive.LevelPrivate]), nil},
		{"", "/items/x", nil},
		{"", fmt.Sprintf("/items/%d/children", f.mail[archive.LevelPublic]), nil},
		{"", fmt.Sprintf("/items/%d/children?limit=5", f.zip), nil},
		{"", fmt.Sprintf("/items/%d/children", f.big), nil},
		{"", fmt.Sprintf("/items/%d/children", f.mail[archive.LevelLimited]), nil},
		{"", fmt.Sprintf("/items/%d/text", f.big), nil},
		{"", fmt.Sprintf("/items/%d/text?page=3", f.big), nil},
		{"", fmt.Sprintf("/items/%d/text?page=9", f.big), nil},
		{"", fmt.Sprintf("/items/%d/text", f.att[archive.LevelLimited]), nil},
		{"", fmt.Sprintf("/items/%d/original", f.att[archive.LevelPublic]), nil},
		{"", fmt.Sprintf("/items/%d/original", f.att[archive.LevelPublic]), []string{"Range", "bytes=1-2"}},
		{"", fmt.Sprintf("/items/%d/original", f.att[archive.LevelPublic]), []string{"Range", "bytes=0-0,2-3"}},
		{"", fmt.Sprintf("/items/%d/original", f.att[archive.LevelPublic]), []string{"If-None-Match", etag}},
		{"", fmt.Sprintf("/items/%d/original", f.att[archive.LevelPublic]), []string{"Range", "bytes=5000-"}},
		{"", fmt.Sprintf("/items/%d/original", f.att[archive.LevelPublic]), []string{"If-Match", `"nope"`}},
		{"", fmt.Sprintf("/items/%d/original", f.att[archive.LevelPrivate]), nil},
		{"", "/openapi.json", nil},
	}
	ok := map[string]bool{} // routes answered with a 2xx
	check := func(e *env, s sample) {
		r := e.get(s.reader, s.path, s.hdr...)
		u, _ := url.Parse(s.path)
		tmpl, op := doc.operation("get", u.Path)
		if op == nil {
			t.Errorf("GET %s: not in openapi.json", u.Path)
			return
		}
		where := fmt.Sprintf("GET %.60s (%d)", s.path, r.status)
		resp := doc.response(op, r.status)
		if resp == nil {
			t.Errorf("%s: status not documented", where)
			return
		}
		if r.status < 300 {
			ok[tmpl] = true
		}
		content, _ := resp["content"].(map[string]any)
		if len(content) == 0 {
			if len(r.body) != 0 {
				t.Errorf("%s: undocumented body %q", where, r.body)
			}
			return
		}
		ct := r.header.Get("Content-Type")
		media, schema := matchMedia(content, ct)
		if media == "" {
			t.Errorf("%s: content type %q not documented (%v)", where, ct, keys(content))
			return
		}
		if media != "application/json" {
			return
		}
		var v any
		d := json.NewDecoder(bytes.NewReader(r.body))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			t.Errorf("%s: %v", where, err)
			return
		}
		for _, msg := range doc.validate(schema, v, "body") {
			t.Errorf("%s: %s", where, msg)
		}
	}
	for _, s := range samples {
		check(e, s)
	}
	for _, rt := range api.Routes() {
		if !ok[rt[1]] {
			t.Errorf("%s %s: no successful sample response checked", rt[0], rt[1])
		}
	}
	// Internal errors, on every route that reads.
	broken := newEnv(t, f, func(d *api.Deps) { d.Catalog, d.Index = brokenCatalog{}, brokenIndex{} })
	for _, rt := range api.Routes() {
		if rt[1] == "/openapi.json" {
			continue
		}
		p := strings.NewReplacer("{slug}", "public", "{id}", "1").Replace(rt[1])
		check(broken, sample{"", p, nil})
	}
}

// resolve follows a local $ref ("#/components/...").
func (doc openAPI) resolve(m map[string]any) map[string]any {
	for range 10 {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		var cur any = map[string]any(doc)
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cur = cur.(map[string]any)[part]
		}
		m = cur.(map[string]any)
	}
	panic("$ref loop")
}

// operation finds the operation for a method and a request path, matching
// {param} segments of the templates.
func (doc openAPI) operation(method, path string) (string, map[string]any) {
	segs := strings.Split(path, "/")
	for tmpl, item := range doc["paths"].(map[string]any) {
		ts := strings.Split(tmpl, "/")
		if len(ts) != len(segs) {
			continue
		}
		match := true
		for i := range ts {
			if ts[i] != segs[i] && !(strings.HasPrefix(ts[i], "{") && segs[i] != "") {
				match = false
			}
		}
		if match {
			op, _ := item.(map[string]any)[method].(map[string]any)
			return tmpl, op
		}
	}
	return "", nil
}

func (doc openAPI) response(op map[string]any, status int) map[string]any {
	rs := op["responses"].(map[string]any)
	r, ok := rs[strconv.Itoa(status)].(map[string]any)
	if !ok {
		r, ok = rs["default"].(map[string]any)
	}
	if !ok {
		return nil
	}
	return doc.resolve(r)
}

// matchMedia finds the documented media type of a Content-Type: the same
// type, and the same parameters where the document names some.
func matchMedia(content map[string]any, ct string) (string, map[string]any) {
	typ, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", nil
	}
	for k, v := range content {
		dt, dp, err := mime.ParseMediaType(k)
		if err != nil || dt != typ {
			continue
		}
		same := true
		for name, val := range dp {
			if !strings.EqualFold(params[name], val) {
				same = false
			}
		}
		if same {
			schema, _ := v.(map[string]any)["schema"].(map[string]any)
			return typ, schema
		}
	}
	return "", nil
}

// validate checks v against a schema: $ref, allOf, type, required,
// properties (none undocumented where the schema lists properties),
// additionalProperties, items, enum, pattern, minimum and maximum, and the
// date-time format.
func (doc openAPI) validate(schema map[string]any, v any, at string) []string {
	return doc.check(schema, v, at, true)
}

// check is validate; strict also refuses properties the schema (with its
// allOf parts) does not document, when it documents some.
func (doc openAPI) check(schema map[string]any, v any, at string, strict bool) []string {
	if schema == nil {
		return nil
	}
	s := doc.resolve(schema)
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, args...)) }
	for _, sub := range asList(s["allOf"]) {
		errs = append(errs, doc.check(sub.(map[string]any), v, at, false)...)
	}
	if m, ok := v.(map[string]any); ok && strict && s["additionalProperties"] == nil {
		if props := doc.properties(s); len(props) > 0 {
			for k := range m {
				if _, ok := props[k]; !ok {
					fail("property %q not documented", k)
				}
			}
		}
	}
	if v == nil {
		if s["nullable"] != true && s["type"] != nil {
			fail("null, want %v", s["type"])
		}
		return errs
	}
	switch s["type"] {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			fail("%T, want object", v)
			return errs
		}
		for _, r := range asList(s["required"]) {
			if _, ok := m[r.(string)]; !ok {
				fail("required property %q missing", r)
			}
		}
		props, _ := s["properties"].(map[string]any)
		extra, _ := s["additionalProperties"].(map[string]any)
		for k, val := range m {
			if ps, ok := props[k]; ok {
				errs = append(errs, doc.validate(ps.(map[string]any), val, at+"."+k)...)
			} else if extra != nil {
				errs = append(errs, doc.validate(extra, val, at+"."+k)...)
			}
		}
	case "array":
		l, ok := v.([]any)
		if !ok {
			fail("%T, want array", v)
			return errs
		}
		items, _ := s["items"].(map[string]any)
		for i, x := range l {
			errs = append(errs, doc.validate(items, x, fmt.Sprintf("%s[%d]", at, i))...)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			fail("%T, want string", v)
			return errs
		}
		if enum := asList(s["enum"]); enum != nil && !slices.Contains(enum, any(str)) {
			fail("%q not in %v", str, enum)
		}
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(str) {
			fail("%q does not match %s", str, p)
		}
		if s["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339, str); err != nil {
				fail("%q is not a date-time", str)
			}
		}
	case "integer", "number":
		n, ok := v.(json.Number)
		if !ok {
			fail("%T, want %s", v, s["type"])
			return errs
		}
		if _, err := n.Int64(); s["type"] == "integer" && err != nil {
			fail("%s is not an integer", n)
		}
		x, _ := n.Float64()
		if m, ok := s["minimum"].(json.Number); ok {
			if lo, _ := m.Float64(); x < lo {
				fail("%s below minimum %s", n, m)
			}
		}
		if m, ok := s["maximum"].(json.Number); ok {
			if hi, _ := m.Float64(); x > hi {
				fail("%s above maximum %s", n, m)
			}
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			fail("%T, want boolean", v)
		}
	case nil:
		if s["allOf"] == nil {
			fail("schema without a type")
		}
	default:
		fail("unknown schema type %v", s["type"])
	}
	return errs
}

// properties returns the properties a schema documents, with those of its
// allOf parts.
func (doc openAPI) properties(s map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	if ps, ok := s["properties"].(map[string]any); ok {
		for k, v := range ps {
			out[k] = v.(map[string]any)
		}
	}
	for _, sub := range asList(s["allOf"]) {
		for k, v := range doc.properties(doc.resolve(sub.(map[string]any))) {
			out[k] = v
		}
	}
	return out
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
