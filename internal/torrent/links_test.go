package torrent_test

import (
	"slices"
	"testing"

	"github.com/anacrolix/torrent/metainfo"

	"github.com/trove-archive/trove/internal/torrent"
)

func TestWebSeeds(t *testing.T) {
	tests := []struct {
		in   []string
		want []string
	}{
		{nil, []string{}},
		{[]string{"http://127.0.0.1:8080"}, []string{"http://127.0.0.1:8080/files/"}},
		{[]string{"https://a.example", "https://b.example/trove"}, []string{"https://a.example/files/", "https://b.example/trove/files/"}},
		{[]string{"https://a.example/", ""}, []string{"https://a.example/files/"}},
	}
	for _, tt := range tests {
		if got := torrent.WebSeeds(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("WebSeeds(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMagnet(t *testing.T) {
	const ih = "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name     string
		ih, dn   string
		trackers []string
		seeds    []string
		want     string
	}{
		{"bare", ih, "", nil, nil, "magnet:?xt=urn:btih:" + ih},
		{"upper case hash", "0123456789ABCDEF0123456789ABCDEF01234567", "r1", nil, nil, "magnet:?xt=urn:btih:" + ih + "&dn=r1"},
		{"full", ih, "blueleaks-r1",
			[]string{"https://a.example/announce", "http://b.example:6969/announce"},
			[]string{"https://a.example/files/"},
			"magnet:?xt=urn:btih:" + ih + "&dn=blueleaks-r1" +
				"&tr=https%3A%2F%2Fa.example%2Fannounce&tr=http%3A%2F%2Fb.example%3A6969%2Fannounce" +
				"&ws=https%3A%2F%2Fa.example%2Ffiles%2F"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := torrent.Magnet(tt.ih, tt.dn, tt.trackers, tt.seeds)
			if got != tt.want {
				t.Errorf("Magnet = %s\nwant     %s", got, tt.want)
			}
			// What a client reads back.
			m, err := metainfo.ParseMagnetUri(got)
			if err != nil {
				t.Fatal(err)
			}
			if m.InfoHash.HexString() != ih || m.DisplayName != tt.dn || !slices.Equal(m.Trackers, tt.trackers) ||
				!slices.Equal(m.Params["ws"], tt.seeds) {
				t.Errorf("parsed back as %+v", m)
			}
		})
	}
}
