package archive

import (
	"strings"
	"time"
	"unicode/utf8"
)

// VerdictState is an editor's judgement of whether a dataset is genuine.
type VerdictState string

const (
	// VerdictUnverified: nobody has judged the dataset yet (the default).
	VerdictUnverified VerdictState = "unverified"
	// VerdictPlausible: nothing found speaks against it; not confirmed.
	VerdictPlausible VerdictState = "plausible"
	// VerdictVerified: confirmed (e.g. DKIM, sources, the parties).
	VerdictVerified VerdictState = "verified"
	// VerdictDisputed: evidence speaks against it, or a party contests it.
	VerdictDisputed VerdictState = "disputed"
)

// VerdictStates lists the states in the order forms show them.
var VerdictStates = []VerdictState{VerdictUnverified, VerdictPlausible, VerdictVerified, VerdictDisputed}

// Valid reports whether v is one of the four states.
func (v VerdictState) Valid() bool {
	switch v {
	case VerdictUnverified, VerdictPlausible, VerdictVerified, VerdictDisputed:
		return true
	}
	return false
}

// AuditVerdict is the audit action of recording a verdict.
const AuditVerdict = "verdict"

// MaxVerdictNote bounds a verdict's note, in bytes.
const MaxVerdictNote = 4000

// Verdict is one recorded judgement of a dataset. Verdicts are kept as
// history; the latest one is the dataset's verdict. A dataset nobody has
// judged has the verdict unverified with a zero Time.
type Verdict struct {
	DatasetID int64
	State     VerdictState
	Note      string
	UserID    int64
	By        string // name of the editor or admin who recorded it
	Time      time.Time
}

// Validate trims the note and checks the state and the note.
func (v *Verdict) Validate() error {
	if !v.State.Valid() {
		return Errorf(EInvalid, "verdict %q: want unverified, plausible, verified or disputed", v.State)
	}
	v.Note = strings.TrimSpace(v.Note)
	if !utf8.ValidString(v.Note) {
		return Errorf(EInvalid, "verdict note is not valid UTF-8")
	}
	if len(v.Note) > MaxVerdictNote {
		return Errorf(EInvalid, "verdict note longer than %d bytes", MaxVerdictNote)
	}
	return nil
}
