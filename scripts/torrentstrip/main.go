// Command torrentstrip writes a copy of a .torrent without web seeds, so a
// client can only download from peers (scripts/bench-release.sh).
package main

import (
	"fmt"
	"os"

	"github.com/anacrolix/torrent/metainfo"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: torrentstrip IN.torrent OUT.torrent")
		os.Exit(2)
	}
	mi, err := metainfo.LoadFromFile(os.Args[1])
	if err == nil {
		mi.UrlList = nil
		var f *os.File
		if f, err = os.Create(os.Args[2]); err == nil {
			err = mi.Write(f)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "torrentstrip:", err)
		os.Exit(1)
	}
}
