package main

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

func cmdToken(ctx context.Context, m *Main, args []string) error {
	if len(args) == 0 {
		return usagef("token: want create, list or revoke")
	}
	ctx = archive.WithPrincipal(ctx, archive.Admin())
	switch args[0] {
	case "create":
		return tokenCreate(ctx, m, args[1:])
	case "list":
		return tokenList(ctx, m, args[1:])
	case "revoke":
		return tokenRevoke(ctx, m, args[1:])
	}
	return usagef("token: unknown subcommand %q (want create, list or revoke)", args[0])
}

func tokenCreate(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "token create", "token create USER --name N [--expires YYYY-MM-DD | --for 90d]\n\nPrints the secret on standard output, once: it is stored only as a hash.")
	name := fs.String("name", "", "what the token is for (required)")
	expires, forDur := expiryFlags(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("token create: want exactly one USER")
	}
	if *name == "" {
		return usagef("token create: give --name")
	}
	exp, err := parseExpiry(*expires, *forDur, time.Now())
	if err != nil {
		return err
	}
	a, err := m.open()
	if err != nil {
		return err
	}
	u, err := a.db.UserByName(ctx, pos[0])
	if err != nil {
		return err
	}
	secret, t, err := a.db.CreateToken(ctx, u.ID, *name, exp)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "created read-only token %d %q for %s %s; the secret is shown only now:\n", t.ID, t.Name, u.Name, describeExpiry(t.Expires))
	fmt.Fprintln(m.Stdout, secret)
	return nil
}

type tokenOut struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Created  string `json:"created"`
	Expires  string `json:"expires,omitempty"`
	LastUsed string `json:"last_used,omitempty"`
	Revoked  bool   `json:"revoked"`
}

func tokenList(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "token list", "token list USER [--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, a, err := m.operands(fs, args, 1, "exactly one USER")
	if err != nil {
		return err
	}
	u, err := a.db.UserByName(ctx, pos[0])
	if err != nil {
		return err
	}
	ts, err := a.db.Tokens(ctx, u.ID)
	if err != nil {
		return err
	}
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	out := make([]tokenOut, 0, len(ts))
	for _, t := range ts {
		out = append(out, tokenOut{ID: t.ID, Name: t.Name, Created: stamp(t.Created), Expires: stamp(t.Expires),
			LastUsed: stamp(t.LastUsed), Revoked: t.Revoked})
	}
	if *asJSON {
		return writeJSON(m.Stdout, out)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSTATUS\tCREATED\tEXPIRES\tLAST USED")
	now := time.Now()
	for i, t := range out {
		status := "active"
		switch {
		case t.Revoked:
			status = "revoked"
		case !ts[i].Expires.IsZero() && !ts[i].Expires.After(now):
			status = "expired"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, status, t.Created, or(t.Expires, "never"), or(t.LastUsed, "never"))
	}
	return tw.Flush()
}

func or(s, dflt string) string {
	if s == "" {
		return dflt
	}
	return s
}

func tokenRevoke(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "token revoke", "token revoke ID")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("token revoke: want exactly one token ID (see trove token list USER)")
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return usagef("token revoke: %q is not a token ID", pos[0])
	}
	a, err := m.open()
	if err != nil {
		return err
	}
	if err := a.db.RevokeToken(ctx, id); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "revoked token %d\n", id)
	return nil
}
