package table_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/table"
	"github.com/trove-archive/trove/internal/extract/text"
)

type child struct {
	name, mime string
	data       []byte
}

type sink struct {
	bytes.Buffer
	meta     archive.Meta
	expected int
	children []child
	failed   map[string]error
}

func (s *sink) Meta() *archive.Meta { return &s.meta }
func (s *sink) Expect(n int)        { s.expected = n }
func (s *sink) Child(ctx context.Context, info extract.ChildInfo, r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.children = append(s.children, child{info.Name, info.MIME, b})
	return nil
}
func (s *sink) ChildFailed(info extract.ChildInfo, err error) {
	if s.failed == nil {
		s.failed = map[string]error{}
	}
	s.failed[info.Name] = err
}
func (s *sink) Passwords() []string { return nil }

func (s *sink) child(t *testing.T, name string) string {
	t.Helper()
	for _, c := range s.children {
		if c.name == name {
			if c.mime != extract.MIMECSV {
				t.Errorf("%s: MIME %q", name, c.mime)
			}
			return string(c.data)
		}
	}
	t.Fatalf("no child %q among %d (failed: %v)", name, len(s.children), s.failed)
	return ""
}

// searchable renders CSV the way the CSV extractor indexes it.
func searchable(t *testing.T, csv string) string {
	t.Helper()
	var b strings.Builder
	if err := text.WriteCSV(&b, strings.NewReader(csv), ','); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func needTool(t *testing.T, name, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not installed (apt-get install %s)", name, pkg)
		}
		t.Skipf("%s not installed (apt-get install %s)", name, pkg)
	}
}

func corpus(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "..", "shared", "corpus", "tika", "otherdocs")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared corpus absent (%v): ../shared/corpus is checked out beside the repository", err)
	}
	return dir
}

func extractor(t *testing.T, cfg table.Config, mime string) extract.Extractor {
	t.Helper()
	for _, e := range table.New(cfg) {
		for _, m := range e.MIMEs() {
			if m == mime {
				return e
			}
		}
	}
	t.Fatalf("no extractor for %s", mime)
	return nil
}

func run(t *testing.T, cfg table.Config, path string) (*sink, error) {
	t.Helper()
	typ, err := extract.SniffFile(path, filepath.Base(path))
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	s := &sink{}
	err = extractor(t, cfg, typ.MIME).Extract(context.Background(),
		extract.Input{Name: filepath.Base(path), Path: path, Size: fi.Size(), Type: typ}, s)
	return s, err
}

func TestAccessCorpus(t *testing.T) {
	needTool(t, "mdb-tables", "mdbtools")
	path := filepath.Join(corpus(t), "testACCESS.mdb")
	if typ, _ := extract.SniffFile(path, "x"); typ.MIME != extract.MIMEAccess || typ.Kind != archive.KindSpreadsheet {
		t.Fatalf("sniffed %+v", typ)
	}
	s, err := run(t, table.Config{}, path)
	if err != nil {
		t.Fatal(err)
	}
	if s.expected != 4 || len(s.children) != 4 || len(s.failed) != 0 {
		t.Fatalf("expected %d, children %d, failed %v", s.expected, len(s.children), s.failed)
	}
	if got := s.child(t, "Titles.csv"); !strings.HasPrefix(got, "TitleID,Artist,Title,Copyright,Label,ReleaseDate") {
		t.Errorf("Titles.csv: %q", got)
	}
	if got := s.child(t, "Tracks.csv"); !strings.HasPrefix(got, "TitleID,TrackID,TrackName") {
		t.Errorf("Tracks.csv: %q", got)
	}
}

func TestDBFCorpus(t *testing.T) {
	path := filepath.Join(corpus(t), "testDBF.dbf")
	if typ, _ := extract.SniffFile(path, "x"); typ.MIME != extract.MIMEDBF {
		t.Fatalf("sniffed %+v", typ)
	}
	s, err := run(t, table.Config{}, path)
	if err != nil {
		t.Fatal(err)
	}
	// Tika's DBFParserTest: FoxBASE+ (0x03), modified 2016-05-24, UTF-8 text.
	if got := s.meta.Modified.Format("2006-01-02"); got != "2016-05-24" {
		t.Errorf("modified %s", got)
	}
	if s.meta.Extra["records"] != "20" || s.meta.Extra["fields"] != "3" {
		t.Errorf("extra %v", s.meta.Extra)
	}
	csv := s.child(t, "testDBF.csv")
	if !strings.HasPrefix(csv, "TEXT_FIELD,NUMERIC_FI,DATE_FIELD,_deleted\n") {
		t.Errorf("header: %q", csv[:min(len(csv), 80)])
	}
	txt := searchable(t, csv)
	for _, want := range []string{"TEXT_FIELD: Whan that aprill\tNUMERIC_FI: 2.5\tDATE_FIELD: 2016-05-24",
		"普林斯顿大学", "\u0627\u0645\u0639\u0629", "NUMERIC_FI: 4.0", "TEXT_FIELD: licour", "DATE_FIELD: 2016-05-26",
		"TEXT_FIELD: holt and heeth"} {
		if !strings.Contains(txt, want) {
			t.Errorf("lacks %q:\n%s", want, txt)
		}
	}
	if n := strings.Count(txt, "\n"); n != 20 {
		t.Errorf("%d rows, want 20", n)
	}
}

// makeDBF writes a dBase III table by hand: a code page byte, three
// fields, one deleted record.
func makeDBF(records [][3]string, deleted int, codePage byte) []byte {
	type fd struct {
		name string
		typ  byte
		n    int
	}
	fields := []fd{{"NAME", 'C', 12}, {"SALARY", 'N', 8}, {"HIRED", 'D', 8}}
	recLen := 1
	for _, f := range fields {
		recLen += f.n
	}
	hdrLen := 32 + 32*len(fields) + 1
	b := make([]byte, 32, hdrLen)
	b[0] = 0x03
	b[1], b[2], b[3] = 124, 3, 15 // 2024-03-15
	binary.LittleEndian.PutUint32(b[4:], uint32(len(records)))
	binary.LittleEndian.PutUint16(b[8:], uint16(hdrLen))
	binary.LittleEndian.PutUint16(b[10:], uint16(recLen))
	b[29] = codePage
	for _, f := range fields {
		d := make([]byte, 32)
		copy(d, f.name)
		d[11] = f.typ
		d[16] = byte(f.n)
		b = append(b, d...)
	}
	b = append(b, 0x0D)
	for i, r := range records {
		flag := byte(' ')
		if i == deleted {
			flag = '*'
		}
		b = append(b, flag)
		for j, f := range fields {
			v := []byte(r[j])
			if f.typ == 'N' {
				v = append(bytes.Repeat([]byte(" "), f.n-len(v)), v...)
			} else {
				v = append(v, bytes.Repeat([]byte(" "), f.n-len(v))...)
			}
			b = append(b, v[:f.n]...)
		}
	}
	return append(b, 0x1A)
}

func TestDBFHandMade(t *testing.T) {
	// "Müller" and "Gonçalves" in code page 850 (driver byte 0x02).
	recs := [][3]string{
		{"M\x81ller", "51200.50", "19990401"},
		{"Gon\x87alves", "48000", "20010915"},
		{"Shredded", "1", "20240101"},
	}
	path := filepath.Join(t.TempDir(), "staff.dbf")
	os.WriteFile(path, makeDBF(recs, 2, 0x02), 0o644)
	s, err := run(t, table.Config{}, path)
	if err != nil {
		t.Fatal(err)
	}
	if s.meta.Extra["charset"] != "cp850" || s.meta.Modified.Format("2006-01-02") != "2024-03-15" {
		t.Errorf("meta %+v", s.meta)
	}
	txt := searchable(t, s.child(t, "staff.csv"))
	for _, want := range []string{
		"NAME: Müller\tSALARY: 51200.50\tHIRED: 1999-04-01\n",
		"NAME: Gonçalves\tSALARY: 48000\tHIRED: 2001-09-15\n",
		"NAME: Shredded\tSALARY: 1\tHIRED: 2024-01-01\t_deleted: yes\n",
	} {
		if !strings.Contains(txt, want) {
			t.Errorf("lacks %q:\n%s", want, txt)
		}
	}

	// Truncated in the second record: the first is kept, the error says corrupt.
	b := makeDBF(recs, -1, 0x02)
	cut := filepath.Join(t.TempDir(), "cut.dbf")
	os.WriteFile(cut, b[:32*4+1+29+10], 0o644)
	s, err = run(t, table.Config{}, cut)
	if !errors.Is(err, extract.ErrCorrupt) {
		t.Errorf("truncated: %v", err)
	}
	if got := searchable(t, s.child(t, "cut.csv")); !strings.Contains(got, "Müller") || strings.Contains(got, "Gon") {
		t.Errorf("truncated: %q", got)
	}

	// Over the row cap: cut, emitted, ErrTooLarge.
	s, err = run(t, table.Config{MaxRows: 2}, path)
	if !errors.Is(err, extract.ErrTooLarge) || len(s.children) != 1 {
		t.Fatalf("row cap: %v, %d children", err, len(s.children))
	}
	if got := searchable(t, string(s.children[0].data)); strings.Count(got, "\n") != 2 || strings.Contains(got, "Shredded") {
		t.Errorf("row cap: %q", got)
	}
}

func sqlite3(t *testing.T, db, sql string) {
	t.Helper()
	needTool(t, "sqlite3", "sqlite3")
	if out, err := exec.Command("sqlite3", db, sql).CombinedOutput(); err != nil {
		t.Fatalf("sqlite3: %v\n%s", err, out)
	}
}

func TestSQLite(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "leak #1?.sqlite")
	sqlite3(t, db, `
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, "full name" TEXT, avatar BLOB);
INSERT INTO users VALUES (1, 'alice@example.org', 'Alice Liddell', x'89504E47');
INSERT INTO users VALUES (2, 'bob@example.org', 'Bob "the builder", Jr.', NULL);
CREATE TABLE "pay/ments" (user_id INTEGER, amount REAL, note TEXT);
INSERT INTO "pay/ments" VALUES (1, 12.5, 'line one
line two');
CREATE TABLE empty (a, b);
CREATE VIEW v AS SELECT * FROM users;
CREATE VIRTUAL TABLE notes USING fts5(body);
INSERT INTO notes VALUES ('full-text tables are read, not their shadow tables');
`)
	before, _ := os.ReadFile(db)
	s, err := run(t, table.Config{}, db)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range s.children {
		names = append(names, c.name)
	}
	if s.expected != 4 || strings.Join(names, "|") != "users.csv|pay_ments.csv|empty.csv|notes.csv" || len(s.failed) != 0 {
		t.Fatalf("expected %d, children %v, failed %v", s.expected, names, s.failed)
	}
	users := searchable(t, s.child(t, "users.csv"))
	for _, want := range []string{
		"id: 1\temail: alice@example.org\tfull name: Alice Liddell\tavatar: [blob 4 bytes]\n",
		"id: 2\temail: bob@example.org\tfull name: Bob \"the builder\", Jr.\n",
	} {
		if !strings.Contains(users, want) {
			t.Errorf("users lacks %q:\n%s", want, users)
		}
	}
	if got := searchable(t, s.child(t, "pay_ments.csv")); got != "user_id: 1\tamount: 12.5\tnote: line one line two\n" {
		t.Errorf("payments: %q", got)
	}
	if got := s.child(t, "notes.csv"); !strings.Contains(got, "not their shadow tables") {
		t.Errorf("notes: %q", got)
	}
	if got := s.child(t, "empty.csv"); got != "a,b\n" {
		t.Errorf("empty: %q", got)
	}
	if after, _ := os.ReadFile(db); !bytes.Equal(before, after) {
		t.Error("the database changed")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("files beside the database: %v", ents)
	}
}

// A huge table is cut at the row cap (and the byte cap) in bounded time.
func TestSQLiteBomb(t *testing.T) {
	db := filepath.Join(t.TempDir(), "bomb.db")
	sqlite3(t, db, `CREATE TABLE big (n INTEGER, pad TEXT);
WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 200000)
INSERT INTO big SELECT n, printf('%.100c', 'x') FROM c;
CREATE TABLE small (a); INSERT INTO small VALUES ('still here');`)
	start := time.Now()
	s, err := run(t, table.Config{MaxRows: 1000}, db)
	if !errors.Is(err, extract.ErrTooLarge) {
		t.Fatalf("row cap: %v", err)
	}
	if got := s.child(t, "big.csv"); strings.Count(got, "\n") != 1001 || !strings.HasSuffix(got, "\n") {
		t.Errorf("big.csv has %d lines", strings.Count(got, "\n"))
	}
	if got := s.child(t, "small.csv"); !strings.Contains(got, "still here") {
		t.Errorf("small.csv %q", got)
	}
	if s.meta.Extra["tables_cut"] != "big" {
		t.Errorf("extra %v", s.meta.Extra)
	}
	s, err = run(t, table.Config{MaxTableBytes: 64 << 10}, db)
	if !errors.Is(err, extract.ErrTooLarge) {
		t.Fatalf("byte cap: %v", err)
	}
	if got := s.child(t, "big.csv"); len(got) > 64<<10 || len(got) < 60<<10 || !strings.HasSuffix(got, "\n") {
		t.Errorf("big.csv: %d bytes, ends %q", len(got), got[max(0, len(got)-10):])
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestSQLiteDamaged(t *testing.T) {
	db := filepath.Join(t.TempDir(), "x.db")
	sqlite3(t, db, `CREATE TABLE t (a); INSERT INTO t VALUES (1);`)
	b, _ := os.ReadFile(db)
	for i := 100; i < len(b); i++ {
		b[i] = 0xEE
	}
	os.WriteFile(db, b, 0o644)
	if _, err := run(t, table.Config{}, db); err == nil || extract.Reason(err) != "corrupt" {
		t.Errorf("damaged: %v", err)
	}
}

func TestSniffStrict(t *testing.T) {
	valid := makeDBF([][3]string{{"a", "1", "20200101"}}, -1, 0)
	for name, b := range map[string][]byte{
		"record length off": func() []byte { c := bytes.Clone(valid); c[10]++; return c }(),
		"month 13":          func() []byte { c := bytes.Clone(valid); c[2] = 13; return c }(),
		"bad field type":    func() []byte { c := bytes.Clone(valid); c[32+11] = 'Z'; return c }(),
		"no terminator":     func() []byte { c := bytes.Clone(valid); c[32+96] = 0; return c }(),
		"text":              []byte(strings.Repeat("\x03 a plain line of text that starts oddly\n", 10)),
	} {
		if typ := extract.Sniff(b, "x.dbf"); typ.MIME == extract.MIMEDBF {
			t.Errorf("%s: sniffed as DBF", name)
		}
	}
	if typ := extract.Sniff(valid, ""); typ.MIME != extract.MIMEDBF {
		t.Errorf("valid: %s", typ.MIME)
	}
}

func TestCheck(t *testing.T) {
	needTool(t, "sqlite3", "sqlite3")
	needTool(t, "mdb-tables", "mdbtools")
	for _, st := range table.Check(context.Background()) {
		if st.Err != nil || st.Path == "" {
			t.Errorf("%+v", st)
		}
	}
}
