package media

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/extract"
)

// Probe is what ffprobe reports of a file (-show_format -show_streams
// -show_chapters, JSON).
type Probe struct {
	Format   Format    `json:"format"`
	Streams  []Stream  `json:"streams"`
	Chapters []Chapter `json:"chapters"`
}

// Format is the container.
type Format struct {
	FormatName string `json:"format_name"`
	LongName   string `json:"format_long_name"`
	Duration   flex   `json:"duration"`
	BitRate    flex   `json:"bit_rate"`
	Tags       Tags   `json:"tags"`
}

// Stream is one audio, video, subtitle or data stream.
type Stream struct {
	CodecName    string          `json:"codec_name"`
	CodecType    string          `json:"codec_type"`
	Width        flex            `json:"width"`
	Height       flex            `json:"height"`
	SampleRate   flex            `json:"sample_rate"`
	Channels     flex            `json:"channels"`
	BitRate      flex            `json:"bit_rate"`
	Duration     flex            `json:"duration"`
	AvgFrameRate string          `json:"avg_frame_rate"`
	Disposition  map[string]flex `json:"disposition"`
	Tags         Tags            `json:"tags"`
	SideData     []struct {
		Rotation flex `json:"rotation"`
	} `json:"side_data_list"`
}

// Chapter is a named section.
type Chapter struct {
	Tags Tags `json:"tags"`
}

// flex is a JSON string or number, as text.
type flex string

func (f *flex) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flex(s)
	case bytes.Equal(b, []byte("null")):
		*f = ""
	default:
		*f = flex(b) // a number, a boolean; objects are left as JSON
	}
	return nil
}

// Tags are metadata tags with lower-case keys (containers differ in
// case: "TITLE" in Matroska and Vorbis comments, "title" in MP4).
type Tags map[string]string

func (t *Tags) UnmarshalJSON(b []byte) error {
	var raw map[string]flex
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*t = make(Tags, len(raw))
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic when two keys differ only in case
	for _, k := range keys {
		lk := strings.ToLower(k)
		if _, dup := (*t)[lk]; !dup {
			(*t)[lk] = clean(string(raw[k]))
		}
	}
	return nil
}

// clean makes a tag value valid, trimmed, bounded UTF-8.
func clean(s string) string {
	s = strings.TrimSpace(strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD"))
	if len(s) > maxTag {
		s = s[:maxTag]
		for len(s) > 0 && !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	return s
}

const maxTag = 4 << 10

// Parse reads ffprobe's JSON output.
func Parse(b []byte) (*Probe, error) {
	var p Probe
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("ffprobe output: %w: %v", extract.ErrCorrupt, err)
	}
	// Ogg keeps its comments (title, artist, ...) on the stream, not the
	// container; so do some raw streams.
	if a := p.audio(); a != nil && (p.Format.FormatName == "ogg" || len(p.Format.Tags) == 0) {
		if p.Format.Tags == nil {
			p.Format.Tags = Tags{}
		}
		for k, v := range a.Tags {
			if _, ok := p.Format.Tags[k]; !ok && !skipTag(k) {
				p.Format.Tags[k] = v
			}
		}
	}
	return &p, nil
}

// tag returns the first non-empty value of keys in the container's tags.
func (p *Probe) tag(keys ...string) string {
	for _, k := range keys {
		if v := p.Format.Tags[k]; v != "" {
			return v
		}
	}
	return ""
}

// anyTag is tag, then the streams' tags.
func (p *Probe) anyTag(keys ...string) string {
	if v := p.tag(keys...); v != "" {
		return v
	}
	for _, s := range p.Streams {
		for _, k := range keys {
			if v := s.Tags[k]; v != "" {
				return v
			}
		}
	}
	return ""
}

var (
	authorKeys   = []string{"artist", "album_artist", "author", "com.apple.quicktime.author", "composer", "performer"}
	makeKeys     = []string{"com.apple.quicktime.make", "make", "com.android.manufacturer", "manufacturer"}
	modelKeys    = []string{"com.apple.quicktime.model", "model", "com.android.model"}
	softwareKeys = []string{"com.apple.quicktime.software", "software", "com.android.version"}
	locationKeys = []string{"com.apple.quicktime.location.iso6709", "location", "location-eng", "xyz"}
	createdKeys  = []string{"com.apple.quicktime.creationdate", "creation_time", "date_recorded", "date"}
)

// video returns the first video stream that is not cover art.
func (p *Probe) video() *Stream {
	for i, s := range p.Streams {
		if s.CodecType == "video" && s.Disposition["attached_pic"] != "1" {
			return &p.Streams[i]
		}
	}
	return nil
}

func (p *Probe) audio() *Stream {
	for i, s := range p.Streams {
		if s.CodecType == "audio" {
			return &p.Streams[i]
		}
	}
	return nil
}

// Apply fills in m.
func (p *Probe) Apply(m *archive.Meta) {
	set := func(k, v string) {
		if v == "" {
			return
		}
		if m.Extra == nil {
			m.Extra = map[string]string{}
		}
		m.Extra[k] = v
	}
	if m.Title == "" {
		m.Title = p.tag("title")
	}
	if m.Author == "" {
		m.Author = p.tag(authorKeys...)
	}
	software := p.anyTag(softwareKeys...)
	encoder := p.tag("encoder", "encoded_by", "writing_application")
	if m.Creator == "" {
		m.Creator = software
		if m.Creator == "" {
			m.Creator = encoder
		}
	}
	if m.Keywords == "" {
		m.Keywords = p.tag("keywords", "com.apple.quicktime.keywords")
	}
	if m.Created.IsZero() {
		for _, k := range createdKeys {
			if t, ok := parseTime(p.anyTag(k)); ok {
				m.Created = t
				break
			}
		}
	}
	if d := p.duration(); d > 0 {
		set("duration", strconv.FormatFloat(d, 'f', -1, 64))
	}
	set("format", p.Format.FormatName)
	var codecs []string
	for _, s := range p.Streams {
		if s.CodecName != "" && !slices.Contains(codecs, s.CodecName) {
			codecs = append(codecs, s.CodecName)
		}
	}
	set("codecs", strings.Join(codecs, ","))
	set("bit_rate", posInt(p.Format.BitRate))
	if v := p.video(); v != nil {
		set("video_codec", v.CodecName)
		set("width", posInt(v.Width))
		set("height", posInt(v.Height))
		set("frame_rate", frameRate(v.AvgFrameRate))
		rot := v.Tags["rotate"]
		for _, sd := range v.SideData {
			if sd.Rotation != "" {
				rot = string(sd.Rotation)
			}
		}
		if r, err := strconv.ParseFloat(rot, 64); err == nil && r != 0 {
			set("rotation", strconv.FormatFloat(r, 'f', -1, 64))
		}
	}
	if a := p.audio(); a != nil {
		set("audio_codec", a.CodecName)
		set("sample_rate", posInt(a.SampleRate))
		set("channels", posInt(a.Channels))
		if l := a.Tags["language"]; l != "und" {
			set("audio_language", l)
		}
	}
	set("camera_make", p.anyTag(makeKeys...))
	set("camera_model", p.anyTag(modelKeys...))
	set("software", software)
	set("encoder", encoder)
	if loc := p.anyTag(locationKeys...); loc != "" {
		set("location", loc)
		if c, ok := ParseISO6709(loc); ok {
			set("gps_lat", strconv.FormatFloat(c.Lat, 'f', 6, 64))
			set("gps_lon", strconv.FormatFloat(c.Lon, 'f', 6, 64))
			if c.HasAlt {
				set("gps_alt", strconv.FormatFloat(c.Alt, 'f', -1, 64))
			}
		}
	}
	for _, k := range []string{"album", "artist", "album_artist", "composer", "genre", "date", "track", "disc", "comment", "copyright", "publisher", "description"} {
		set(k, p.tag(k))
	}
}

// duration is the container's, else the longest stream's, in seconds.
func (p *Probe) duration() float64 {
	d, _ := strconv.ParseFloat(string(p.Format.Duration), 64)
	if d > 0 && !math.IsInf(d, 0) {
		return d
	}
	d = 0
	for _, s := range p.Streams {
		if v, err := strconv.ParseFloat(string(s.Duration), 64); err == nil && v > d && !math.IsInf(v, 0) {
			d = v
		}
	}
	return d
}

func posInt(f flex) string {
	n, err := strconv.ParseInt(strings.TrimSpace(string(f)), 10, 64)
	if err != nil || n <= 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// frameRate renders "30000/1001" as "29.97".
func frameRate(s string) string {
	num, den, ok := strings.Cut(s, "/")
	if !ok {
		return ""
	}
	n, err1 := strconv.ParseFloat(num, 64)
	d, err2 := strconv.ParseFloat(den, 64)
	if err1 != nil || err2 != nil || n <= 0 || d <= 0 || n/d > 10000 {
		return ""
	}
	return strconv.FormatFloat(math.Round(n/d*1000)/1000, 'f', -1, 64)
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02",
}

// parseTime reads a tag's date. Zero dates (a QuickTime file written
// without one says 1904, some writers 1970) do not count.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 10 {
		return time.Time{}, false
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			if t.Year() < 1910 || t.Unix() == 0 || t.Year() > 9999 {
				return time.Time{}, false
			}
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// textLabels are the tags written first, with readable labels.
var textLabels = []struct{ key, label string }{
	{"title", "Title"}, {"artist", "Artist"}, {"album_artist", "Album artist"}, {"album", "Album"},
	{"composer", "Composer"}, {"performer", "Performer"}, {"author", "Author"},
	{"com.apple.quicktime.author", "Author"}, {"genre", "Genre"}, {"date", "Date"},
	{"track", "Track"}, {"disc", "Disc"}, {"comment", "Comment"}, {"description", "Description"},
	{"synopsis", "Synopsis"}, {"com.apple.quicktime.description", "Description"},
	{"keywords", "Keywords"}, {"com.apple.quicktime.keywords", "Keywords"},
	{"copyright", "Copyright"}, {"publisher", "Publisher"}, {"lyrics", "Lyrics"},
}

// skipTags are tags of no interest to a reader (codec bookkeeping).
func skipTag(k string) bool {
	switch k {
	case "major_brand", "minor_version", "compatible_brands", "encoding params", "handler_name",
		"vendor_id", "creation_time", "language", "duration", "encoder", "rotate", "timecode":
		return true
	}
	return strings.HasPrefix(k, "itun") || strings.HasPrefix(k, "_statistics") ||
		strings.HasPrefix(k, "number_of_") || k == "bps" || strings.HasPrefix(k, "bps-") ||
		strings.HasPrefix(k, "duration-") || strings.HasPrefix(k, "number_of_frames")
}

// Text renders the tags as searchable lines: the common ones labelled,
// the device and location, then every other tag as "key: value",
// chapter and stream titles last.
func (p *Probe) Text() string {
	var b strings.Builder
	done := map[string]bool{}
	line := func(label, v string) {
		if v = strings.TrimSpace(v); v != "" {
			b.WriteString(label)
			b.WriteString(": ")
			b.WriteString(strings.Join(strings.Fields(v), " "))
			b.WriteByte('\n')
		}
	}
	for _, l := range textLabels {
		if v := p.Format.Tags[l.key]; v != "" {
			line(l.label, v)
		}
		done[l.key] = true
	}
	device := strings.TrimSpace(p.anyTag(makeKeys...) + " " + p.anyTag(modelKeys...))
	line("Device", device)
	line("Software", p.anyTag(softwareKeys...))
	for _, k := range append(append(append([]string{}, makeKeys...), modelKeys...), softwareKeys...) {
		done[k] = true
	}
	if loc := p.anyTag(locationKeys...); loc != "" {
		if c, ok := ParseISO6709(loc); ok {
			line("Location", fmt.Sprintf("%.6f, %.6f", c.Lat, c.Lon))
		} else {
			line("Location", loc)
		}
	}
	for _, k := range locationKeys {
		done[k] = true
	}
	keys := make([]string, 0, len(p.Format.Tags))
	for k := range p.Format.Tags {
		if !done[k] && !skipTag(k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		line(k, p.Format.Tags[k])
	}
	for _, c := range p.Chapters {
		line("Chapter", c.Tags["title"])
	}
	for _, s := range p.Streams {
		line("Track", s.Tags["title"])
	}
	return b.String()
}
