// Package publish is the HTTP face of releases (see package release): the
// public bulk downloads, the listings crawlers and `wget -r` walk, the
// feeds torrent clients and mirrors subscribe to, and the mirror list.
//
// Every address answers GET and HEAD only (405 otherwise, whatever the
// path). The reader is archive.PrincipalFrom(r.Context()), set by the
// authentication middleware in front (a Bearer API token makes a
// journalist): anonymous readers see public releases; a journalist
// holding a grant also sees the limited releases of that dataset; editors
// see all. A release the reader may not see looks exactly like one that
// does not exist: the same 404 page at every address below, and absent
// from every listing, feed, index and count.
//
// # URL layout
//
//	/releases/                          HTML list of releases (plain links, no script)
//	/releases/index.json                {"releases":[{name, dataset, title, level, created,
//	                                    files, size, infohash, manifest_sha256, countries,
//	                                    magnet, complete}]}; what mirrors poll
//	/releases/feed.rss                  RSS 2.0, one item per release; the enclosure is the
//	                                    .torrent (application/x-bittorrent), guid the info-hash,
//	                                    torrent:magnetURI the magnet (ezRSS namespace)
//	/releases/feed.csv                  title,size,magnet,infohash,date,countries,name,dataset,torrent_url
//	/releases/archive.pub               the archive's minisign public key
//	/releases/NAME                      301 to /releases/NAME/
//	/releases/NAME/                     HTML listing of the release folder
//	/releases/NAME/manifest.json        the manifest, byte for byte as signed
//	/releases/NAME/manifest.json.minisig
//	/releases/NAME/SHA256SUMS           "<sha256>  NAME/<path>" lines, for sha256sum -c
//	/releases/NAME/NAME.torrent         BitTorrent metainfo (BEP 3; web seeds, BEP 19)
//	/releases/NAME/NAME.tar             the whole release folder, streamed (POSIX tar)
//	/releases/NAME/NAME.zip             the same as zip (stored, zip64 when needed)
//	/files/                             HTML directory listing of the releases
//	/files/NAME/                        HTML directory listing of a release's files;
//	/files/NAME/dir/                    folders first, then files with size and SHA-256
//	/files/NAME/<path>                  one original file
//	/mirrors.json                       {"mirrors":[{url, added}]}
//	/mirror/status.json                 this server's mirror status
//
// Times in JSON and CSV are RFC 3339 in UTC; RSS dates are RFC 1123 with a
// numeric zone (RFC 822 as RSS 2.0 asks).
//
// # Release folder, tar and zip
//
// NAME.tar and NAME.zip unpack to the release folder: manifest.json,
// manifest.json.minisig and SHA256SUMS at the root, then NAME/ and the
// files under it in manifest order, each folder before its first file.
// Members are dated at the release's creation; files have mode 0644 and
// folders 0755. So, after unpacking:
//
//	minisign -Vm manifest.json -p archive.pub
//	sha256sum -c SHA256SUMS
//
// Both are streamed from the store with nothing copied first and no size
// limit. The tar has an exact Content-Length (headers are USTAR, with a
// PAX record when a name is longer than USTAR holds or is not ASCII).
// The zip is sent without one (its member sizes come after the data, in
// data descriptors). Every blob is read through the store's verifying
// reader: if one turns out corrupt mid-stream the connection is dropped
// before the archive's end, so a client sees a failed download, never a
// complete-looking archive with wrong bytes. A release some of whose files
// are not on this server yet (a mirror still copying) is a 404 saying so.
// Neither answers range requests: to resume, fetch the files one by one
// under /files/ or use the torrent.
//
// # Files, web seeds and resuming
//
// /files/NAME/<path> is the BEP 19 web seed address: a torrent whose
// url-list holds BASE/files/ makes clients ask for BASE/files/NAME/<path>
// with Range headers. Each file is checked against its SHA-256 before its
// first byte is sent, then served with sendfile, ranges and conditional
// requests: ETag is the quoted SHA-256, Last-Modified the release's
// creation, so `curl -C -`, `wget -c` and `aria2c -c` resume, and If-Range
// with another ETag gets the whole file. Files are attachments of type
// application/octet-stream under "default-src 'none'; sandbox", and may be
// cached by shared caches for an hour only when the release is public.
// A file not on this server yet is a 404 that says so; a file whose bytes
// no longer match their hash is a 500 and is never sent.
//
// The listings are plain HTML tables of relative links, each path element
// percent-encoded (colons too, so no file name reads as a URL scheme), so
// that names with spaces, '#', '?', '%' or any Unicode work and
//
//	wget -r -np -nH --cut-dirs=2 -e robots=off BASE/files/NAME/
//
// recreates the release's folder (wget adds an index.html per folder).
//
// # Absolute links
//
// Feeds need absolute links. They are built from the request's Host and
// scheme: https when the connection is TLS, or when a reverse proxy on the
// same host (a loopback peer) sends "X-Forwarded-Proto: https"; the
// header is ignored from any other peer. Those answers are marked
// Cache-Control: no-store, like every listing (they depend on the reader),
// so a forged Host or header only shapes the answer to its own request.
package publish
