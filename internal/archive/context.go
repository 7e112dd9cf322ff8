package archive

import "context"

type principalKey struct{}

// WithPrincipal returns a context carrying the reader's identity; the auth
// middleware sets it on every request.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the identity in ctx, or Anonymous when there is none.
func PrincipalFrom(ctx context.Context) Principal {
	if p, ok := ctx.Value(principalKey{}).(Principal); ok {
		return p
	}
	return Anonymous()
}

// SignedIn reports whether p is a signed-in user (not an anonymous reader).
func (p Principal) SignedIn() bool { return p.UserID != 0 || p.Role == RoleAdmin }
