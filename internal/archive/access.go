package archive

import (
	"slices"
	"time"
)

// ReleaseLevel says who may read a dataset.
type ReleaseLevel string

const (
	// LevelPrivate: editors and admins only (under review).
	LevelPrivate ReleaseLevel = "private"
	// LevelLimited: vetted journalists holding a grant, editors and admins.
	LevelLimited ReleaseLevel = "limited"
	// LevelPublic: anyone.
	LevelPublic ReleaseLevel = "public"
)

// Valid reports whether l is one of the three levels.
func (l ReleaseLevel) Valid() bool {
	return l == LevelPrivate || l == LevelLimited || l == LevelPublic
}

// Role is what a signed-in user may do.
type Role string

const (
	RoleAnonymous  Role = ""
	RoleJournalist Role = "journalist"
	RoleEditor     Role = "editor"
	RoleAdmin      Role = "admin"
)

// Grant lets a journalist read one limited dataset until Expires (zero: no expiry).
type Grant struct {
	DatasetID int64
	Expires   time.Time
}

// Principal is the identity every read is made as.
type Principal struct {
	UserID int64
	Name   string
	Role   Role
	Grants []Grant
	// Now is the time grants are judged at; zero means time.Now().
	Now time.Time
}

// Admin is the principal the CLI reads as.
func Admin() Principal { return Principal{Name: "cli", Role: RoleAdmin} }

// Anonymous is an unauthenticated reader: public data only.
func Anonymous() Principal { return Principal{} }

// SeesAll reports whether p reads every dataset whatever its level.
func (p Principal) SeesAll() bool { return p.Role == RoleAdmin || p.Role == RoleEditor }

// Clock returns the time p's access is judged at.
func (p Principal) Clock() time.Time {
	if p.Now.IsZero() {
		return time.Now()
	}
	return p.Now
}

// Published reports whether d reads as public at time t: its level is
// public, or its embargo has passed.
func (d *Dataset) Published(t time.Time) bool {
	return d.Level == LevelPublic || (!d.Embargo.IsZero() && !d.Embargo.After(t))
}

// GrantedDatasets lists the limited datasets p holds an unexpired grant for.
func (p Principal) GrantedDatasets() []int64 {
	now := p.Now
	if now.IsZero() {
		now = time.Now()
	}
	var ids []int64
	for _, g := range p.Grants {
		if g.Expires.IsZero() || g.Expires.After(now) {
			ids = append(ids, g.DatasetID)
		}
	}
	return ids
}

// CanRead is the access policy: may p read dataset d? Catalog and index
// implementations express the same rule inside their queries.
func CanRead(p Principal, d *Dataset) bool {
	switch {
	case p.SeesAll():
		return true
	case d.Published(p.Clock()):
		return true
	case d.Level == LevelLimited && p.Role == RoleJournalist:
		return slices.Contains(p.GrantedDatasets(), d.ID)
	default:
		return false
	}
}
