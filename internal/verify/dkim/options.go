package dkim

// Options says where keys come from and how many messages are checked at once.
type Options struct {
	KeyFiles []string // key archive files
	DNS      bool     // live DNS allowed
	Resolver string   // "host:port"; "" = first nameserver of /etc/resolv.conf
	Workers  int      // 0 = GOMAXPROCS
}

// Stats counts the messages of a run by verdict. A message with several
// signatures counts once, under its best verdict (pass, fail, key_revoked,
// key_missing, error in that order).
type Stats struct {
	Messages, Pass, Fail, None, KeyMissing, KeyRevoked, Errors, Unverifiable int64
}
