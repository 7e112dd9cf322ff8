// Package torrent makes and seeds the BitTorrent v1 torrents of releases.
//
// # Layout
//
// A release's torrent is multi-file, named after the release, so a client
// fills the same folder a release download unpacks to:
//
//	<release name>/<path>...   one torrent file per manifest file, in manifest order
//
// Build hashes the pieces from the release's bytes (read through any
// opener, normally the store) and checks each file's size and SHA-256
// against the manifest. The piece length is a power of two from 256 KiB to
// 16 MiB giving at most 2000 pieces. The info dictionary depends only on
// the manifest and the bytes: anyone holding both rebuilds the same
// info-hash. The manifest itself, its signature and SHA256SUMS are not
// in the torrent; they are served next to it.
//
// # Web seeds
//
// Every archive and mirror serves a release's files at
// <base>/files/<release name>/<path>. WebSeeds turns base URLs into
// BEP 19 web seeds, base + "/files/": since the URL ends in a slash,
// clients append the torrent's name and the file's path. MetaInfo adds
// the web seeds as url-list and the trackers as announce-list (one tier
// each, in order) to make the .torrent file; Magnet carries them as ws
// and tr parameters.
//
// # Seeder
//
// Seeder is an optional built-in peer (an anacrolix/torrent client) that
// serves releases from the content-addressed store without a second copy:
// each torrent's storage is a read-only storage.ClientImpl that maps a
// piece's bytes to the blob files of the release's files and reads them in
// place with ReadAt. Blob files are opened with Store.OpenVerified, so a
// blob is hashed before it is served: Add opens (and verifies) every blob
// and fails, seeding nothing, if one is missing or corrupt. Open files are
// bounded (an LRU list); a blob opened again later is verified again unless
// the store verified it within store.VerifiedTTL. A read that finds a blob
// damaged or gone marks the pieces it touches incomplete, and the client
// stops offering them. Every piece is otherwise reported complete without
// rehashing, writes are refused and the client never downloads.
//
// # Tracker
//
// Tracker is an HTTP tracker (BEP 3, compact peers of BEP 23 and 7) for
// trove to serve at /announce: anacrolix/torrent's tracker/http/server
// handler over an in-memory peer table of this package, which forgets a
// peer after two announce intervals and writes nothing to disk. It can
// be restricted to the archive's own torrents (TrackerConfig.Allow).
// The Seeder announces to it like any client, so peers find each other
// without DHT or any outside service.
package torrent
