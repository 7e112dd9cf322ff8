package archive

import "errors"

// ErrCorrupt is returned when stored bytes no longer match their hash.
var ErrCorrupt = errors.New("blob content does not match its hash")
