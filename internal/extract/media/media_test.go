package media_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/media"
)

type sink struct {
	bytes.Buffer
	meta archive.Meta
}

func (s *sink) Meta() *archive.Meta { return &s.meta }
func (s *sink) Expect(int)          {}
func (s *sink) Child(context.Context, extract.ChildInfo, io.Reader) error {
	return errors.New("media has no children")
}
func (s *sink) ChildFailed(extract.ChildInfo, error) {}
func (s *sink) Passwords() []string                  { return nil }

// needTool skips without the tool, but fails on CI.
func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not installed (apt-get install ffmpeg)", name)
		}
		t.Skipf("%s not installed (apt-get install ffmpeg)", name)
	}
}

func corpus(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "..", "shared", "corpus", "tika", "av")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared corpus absent (%v): ../shared/corpus is checked out beside the repository", err)
	}
	return dir
}

// extract sniffs and extracts one file.
func extractFile(t *testing.T, path string) (*sink, error) {
	t.Helper()
	typ, err := extract.SniffFile(path, filepath.Base(path))
	if err != nil {
		t.Fatal(err)
	}
	ex := media.New(media.Config{Timeout: 20 * time.Second})
	if !slices.Contains(ex.MIMEs(), typ.MIME) {
		t.Errorf("%s sniffed as %s, which the media extractor does not claim", filepath.Base(path), typ.MIME)
	}
	fi, _ := os.Stat(path)
	s := &sink{}
	err = ex.Extract(context.Background(), extract.Input{Name: filepath.Base(path), Path: path, Size: fi.Size(), Type: typ}, s)
	return s, err
}

func TestCorpus(t *testing.T) {
	needTool(t, "ffprobe")
	dir := corpus(t)
	tests := []struct {
		file          string
		title, author string
		created       string
		extra         map[string]string
		text          []string
	}{
		// Expectations from Tika's Mp3ParserTest / MP4ParserTest / AudioParserTest.
		{file: "testMP3id3v2.mp3", title: "Test Title", author: "Test Artist",
			extra: map[string]string{"sample_rate": "44100", "channels": "1", "album": "Test Album", "genre": "Rock", "audio_codec": "mp3"},
			text:  []string{"Test Title", "Test Artist", "Test Album", "2008", "Test Comment", "Rock"}},
		{file: "testMP3id3v1.mp3", title: "Test Title", author: "Test Artist",
			extra: map[string]string{"sample_rate": "44100", "channels": "1"},
			text:  []string{"Test Album", "2008", "Test Comment", "Rock"}},
		{file: "testMP3i18n.mp3", title: "Une chason en Français", author: "Test Artist ⑨①",
			extra: map[string]string{"album": "Test Album ①⑨", "sample_rate": "44100"},
			text:  []string{"This is a ፗ⑨① Comment"}},
		{file: "testMP3lyrics.mp3", title: "Test Title", author: "Test Artist",
			extra: map[string]string{"sample_rate": "44100", "channels": "2"}},
		{file: "testMP4.m4a", title: "Test Title", author: "Test Artist", created: "2012-01-28T18:39:18Z",
			extra: map[string]string{"album": "Test Album", "composer": "Test Composer", "genre": "Test Genre", "comment": "Test Comments", "date": "2008"},
			text:  []string{"Test Title", "Test Artist", "Test Album", "2008", "Test Comments", "Test Genre"}},
		{file: "testMP4_QuickTimeMetadata.mov",
			extra: map[string]string{"gps_lat": "12.345600", "gps_lon": "-98.765400", "gps_alt": "10.5", "location": "+12.3456-098.7654+010.500/"},
			text:  []string{"TEST-UUID-0001-LIVEPHOTO", "Location: 12.345600, -98.765400"}},
		{file: "testMP4_udtaLocation.mp4", title: "Test Title",
			extra: map[string]string{"gps_lat": "12.345600", "gps_lon": "-98.765400", "disc": "6/12"}},
		{file: "testMP4Video.mp4", extra: map[string]string{"frame_rate": "10", "video_codec": "h264"}},
		{file: "testWAV.wav", extra: map[string]string{"sample_rate": "44100", "channels": "2"}},
		{file: "testVORBIS.ogg", title: "Test Title", author: "Test Artist", extra: map[string]string{"sample_rate": "44100", "audio_codec": "vorbis"}},
		{file: "testFLAC.flac", title: "Test Title", author: "Test Artist", extra: map[string]string{"audio_codec": "flac"}},
		{file: "testOPUS.opus", title: "Test Title", author: "Test Artist", extra: map[string]string{"audio_codec": "opus"}},
		{file: "testAAC.aac", extra: map[string]string{"audio_codec": "aac"}},
		{file: "testMKV.mkv", extra: map[string]string{"format": "matroska,webm"}},
		{file: "testWEBM.webm", extra: map[string]string{"format": "matroska,webm"}},
		{file: "testAIFF.aif", extra: map[string]string{"channels": "2"}},
		{file: "testFLV.flv", extra: map[string]string{"format": "flv"}},
		{file: "testWMV.wmv", title: "support.microsoft.com", author: "Microsoft", extra: map[string]string{"format": "asf"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, err := extractFile(t, filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatalf("extract: %v", err)
			}
			m := s.meta
			if m.Title != tt.title {
				t.Errorf("title %q, want %q", m.Title, tt.title)
			}
			if m.Author != tt.author {
				t.Errorf("author %q, want %q", m.Author, tt.author)
			}
			if tt.created != "" && m.Created.Format(time.RFC3339) != tt.created {
				t.Errorf("created %v, want %s", m.Created, tt.created)
			}
			for k, v := range tt.extra {
				if m.Extra[k] != v {
					t.Errorf("extra %s = %q, want %q (all: %v)", k, m.Extra[k], v, m.Extra)
				}
			}
			if m.Extra["duration"] == "" && tt.file != "testMP4_udtaLocation.mp4" {
				t.Errorf("no duration: %v", m.Extra)
			}
			for _, want := range tt.text {
				if !strings.Contains(s.String(), want) {
					t.Errorf("text lacks %q:\n%s", want, s.String())
				}
			}
		})
	}
}

func TestDurations(t *testing.T) {
	needTool(t, "ffprobe")
	s, err := extractFile(t, filepath.Join(corpus(t), "testMP3id3v1.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	// Tika: xmpDM:duration 2.455; ffprobe estimates from the bit rate.
	if d := s.meta.Extra["duration"]; !strings.HasPrefix(d, "2.4") {
		t.Errorf("duration %q, want 2.4…", d)
	}
}

// A truncated or damaged file is a recorded error, soon.
func TestDamaged(t *testing.T) {
	needTool(t, "ffprobe")
	dir := corpus(t)
	junk := filepath.Join(t.TempDir(), "junk.mp4")
	os.WriteFile(junk, append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), bytes.Repeat([]byte{0xA5}, 4096)...), 0o644)
	for _, path := range []string{filepath.Join(dir, "testMP3truncated.mp3"), junk} {
		start := time.Now()
		_, err := extractFile(t, path)
		if err == nil {
			t.Errorf("%s: no error", filepath.Base(path))
			continue
		}
		if r := extract.Reason(err); r != "corrupt" {
			t.Errorf("%s: reason %s (%v)", filepath.Base(path), r, err)
		}
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("%s took %v", filepath.Base(path), d)
		}
	}
}

func ffmpeg(t *testing.T, args ...string) {
	t.Helper()
	needTool(t, "ffmpeg")
	out, err := exec.Command("ffmpeg", append([]string{"-v", "error", "-y"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
	}
}

// Files made by ffmpeg with the tags a phone or a tagger writes.
func TestGenerated(t *testing.T) {
	needTool(t, "ffprobe")
	dir := t.TempDir()
	video := filepath.Join(dir, "walk.mp4")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc=duration=1:size=160x120:rate=10", "-f", "lavfi", "-i", "sine=duration=1",
		"-c:v", "mpeg4", "-c:a", "aac", "-shortest",
		"-metadata", "title=Quai Branly walk", "-metadata", "artist=A. Witness",
		"-metadata", "location=+48.8577+002.2950/", "-metadata", "creation_time=2021-06-01T10:20:30Z",
		"-metadata", "comment=night shift",
		"-movflags", "+use_metadata_tags", "-metadata", "com.apple.quicktime.make=Apple",
		"-metadata", "com.apple.quicktime.model=iPhone 12", video)
	s, err := extractFile(t, video)
	if err != nil {
		t.Fatal(err)
	}
	m := s.meta
	if m.Title != "Quai Branly walk" || m.Author != "A. Witness" || !m.Created.Equal(time.Date(2021, 6, 1, 10, 20, 30, 0, time.UTC)) {
		t.Errorf("meta %+v", m)
	}
	for k, v := range map[string]string{"gps_lat": "48.857700", "gps_lon": "2.295000", "width": "160", "height": "120",
		"frame_rate": "10", "video_codec": "mpeg4", "audio_codec": "aac", "camera_make": "Apple", "camera_model": "iPhone 12",
		"codecs": "mpeg4,aac"} {
		if m.Extra[k] != v {
			t.Errorf("extra %s = %q, want %q", k, m.Extra[k], v)
		}
	}
	if d := m.Extra["duration"]; !strings.HasPrefix(d, "1") && !strings.HasPrefix(d, "0.9") {
		t.Errorf("duration %q, want about 1", d)
	}
	for _, want := range []string{"Title: Quai Branly walk", "Artist: A. Witness", "Comment: night shift", "Device: Apple iPhone 12", "Location: 48.857700, 2.295000"} {
		if !strings.Contains(s.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, s.String())
		}
	}

	for _, f := range []struct{ name, mime string }{
		{"song.mp3", extract.MIMEMP3}, {"song.ogg", extract.MIMEOgg}, {"song.flac", extract.MIMEFLAC},
		{"song.wav", extract.MIMEWAV}, {"song.mkv", extract.MIMEMatroska}, {"song.webm", extract.MIMEWebM},
	} {
		path := filepath.Join(dir, f.name)
		codec := []string{}
		if f.name == "song.webm" {
			codec = []string{"-c:a", "libopus"}
		}
		args := append([]string{"-f", "lavfi", "-i", "sine=duration=1", "-metadata", "title=Night Song",
			"-metadata", "artist=The Band", "-metadata", "album=Leaked Tapes"}, codec...)
		ffmpeg(t, append(args, path)...)
		typ, _ := extract.SniffFile(path, f.name)
		if typ.MIME != f.mime {
			t.Errorf("%s sniffed as %s, want %s", f.name, typ.MIME, f.mime)
		}
		s, err := extractFile(t, path)
		if err != nil {
			t.Errorf("%s: %v", f.name, err)
			continue
		}
		if s.meta.Title != "Night Song" || s.meta.Author != "The Band" || !strings.Contains(s.String(), "Album: Leaked Tapes") {
			t.Errorf("%s: meta %+v text %q", f.name, s.meta, s.String())
		}
	}

	// Cut in half: the index (moov) at the end is gone.
	b, _ := os.ReadFile(video)
	cut := filepath.Join(dir, "cut.mp4")
	os.WriteFile(cut, b[:len(b)/2], 0o644)
	start := time.Now()
	if _, err := extractFile(t, cut); err == nil || extract.Reason(err) != "corrupt" {
		t.Errorf("truncated video: %v", err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("truncated video took %v", d)
	}
}

func TestParseISO6709(t *testing.T) {
	tests := []struct {
		in       string
		lat, lon float64
		alt      float64
		ok       bool
	}{
		{"+48.8577+002.2950/", 48.8577, 2.295, 0, true},
		{"+12.3456-098.7654+010.500/", 12.3456, -98.7654, 10.5, true},
		{"-33.8688+151.2093+025.000CRSWGS_84/", -33.8688, 151.2093, 25, true},
		{"+4851.462+00217.700/", 48 + 51.462/60, 2 + 17.7/60, 0, true},
		{"+485127.72+0021742.0/", 48 + 51.0/60 + 27.72/3600, 2 + 17.0/60 + 42.0/3600, 0, true},
		{"+91.0000+002.0000/", 0, 0, 0, false},
		{"48.85 2.29", 0, 0, 0, false},
		{"+48.8577/", 0, 0, 0, false},
		{"", 0, 0, 0, false},
	}
	for _, tt := range tests {
		c, ok := media.ParseISO6709(tt.in)
		if ok != tt.ok {
			t.Errorf("%q: ok %v", tt.in, ok)
			continue
		}
		near := func(a, b float64) bool { return a-b < 1e-6 && b-a < 1e-6 }
		if ok && (!near(c.Lat, tt.lat) || !near(c.Lon, tt.lon) || !near(c.Alt, tt.alt)) {
			t.Errorf("%q: %+v", tt.in, c)
		}
	}
}

func TestCheck(t *testing.T) {
	needTool(t, "ffprobe")
	sts := media.Check(context.Background())
	if len(sts) != 1 || sts[0].Err != nil || sts[0].Version == "" {
		t.Errorf("Check: %+v", sts)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"format":{"format_name":"mov","duration":"2.5","tags":{"title":"x","location":"+48.8577+002.2950/","TITLE":"y"}},"streams":[{"codec_type":"video","width":320,"height":"240","avg_frame_rate":"30000/1001","side_data_list":[{"rotation":-90}],"disposition":{"attached_pic":0}}],"chapters":[{"tags":{"title":"c"}}]}`))
	f.Add([]byte(`{"format":{"tags":{"creation_time":"1904-01-01T00:00:00Z","com.apple.quicktime.location.ISO6709":"+4851.462+00217.700/"}},"streams":[{"codec_type":"audio","sample_rate":44100,"channels":2,"tags":{"language":"und"}}]}`))
	f.Add([]byte(`{"format":{"tags":{"a":{"b":1},"c":null,"d":true}},"streams":null}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := media.Parse(b)
		if err != nil {
			if !errors.Is(err, extract.ErrCorrupt) {
				t.Fatalf("error not corrupt: %v", err)
			}
			return
		}
		var m archive.Meta
		p.Apply(&m)
		_ = p.Text()
		if c, ok := media.ParseISO6709(string(b)); ok && (c.Lat < -90 || c.Lat > 90 || c.Lon < -180 || c.Lon > 180) {
			t.Fatalf("out of range %+v", c)
		}
	})
}
