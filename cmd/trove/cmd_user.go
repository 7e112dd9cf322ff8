package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

// The account commands act as archive.Admin(): their audit entries are by "cli".

func cmdUser(ctx context.Context, m *Main, args []string) error {
	const subs = "add, list, grant, revoke, disable, enable, passwd or role"
	if len(args) == 0 {
		return usagef("user: want %s", subs)
	}
	ctx = archive.WithPrincipal(ctx, archive.Admin())
	switch args[0] {
	case "add":
		return userAdd(ctx, m, args[1:])
	case "list":
		return userList(ctx, m, args[1:])
	case "grant":
		return userGrant(ctx, m, args[1:])
	case "revoke":
		return userRevoke(ctx, m, args[1:])
	case "disable", "enable":
		return userDisable(ctx, m, args[0], args[1:])
	case "passwd":
		return userPasswd(ctx, m, args[1:])
	case "role":
		return userRole(ctx, m, args[1:])
	}
	return usagef("user: unknown subcommand %q (want %s)", args[0], subs)
}

func userAdd(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "user add", "user add NAME [--role journalist|editor|admin] [--password-file F]\n\nWithout --password-file the password is read from the first line of standard input.")
	role := fs.String("role", "journalist", "role: journalist, editor or admin")
	pwFile := fs.String("password-file", "", "read the password from the first line of this file")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("user add: want exactly one NAME")
	}
	pw, err := readPassword(m, *pwFile)
	if err != nil {
		return err
	}
	a, err := m.open()
	if err != nil {
		return err
	}
	u, err := a.db.CreateUser(ctx, pos[0], pw, archive.Role(*role))
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "created user %s (%s)\n", u.Name, u.Role)
	return nil
}

// readPassword reads the first line of file, or of standard input when
// file is "" (prompting on standard error when that is a terminal). Only
// the line ending is removed: spaces are part of the password.
func readPassword(m *Main, file string) (string, error) {
	var r io.Reader = m.Stdin
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		defer f.Close()
		r = f
	} else if f, ok := m.Stdin.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprint(m.Stderr, "password (shown as you type): ")
		}
	}
	if r == nil {
		return "", usagef("no password: give --password-file or type it on standard input")
	}
	line, err := bufio.NewReader(io.LimitReader(r, 64<<10)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read password: %w", err)
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", usagef("no password: give --password-file or type it on standard input")
	}
	return line, nil
}

type grantOut struct {
	Dataset string `json:"dataset"`
	Expires string `json:"expires,omitempty"`
	Expired bool   `json:"expired,omitempty"`
}

type userOut struct {
	ID          int64      `json:"id"`
	Name        string     `json:"name"`
	Role        string     `json:"role"`
	Created     string     `json:"created"`
	Disabled    bool       `json:"disabled"`
	LockedUntil string     `json:"locked_until,omitempty"`
	Grants      []grantOut `json:"grants"`
}

func userList(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "user list", "user list [--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	a, err := m.open()
	if err != nil {
		return err
	}
	users, err := a.db.Users(ctx)
	if err != nil {
		return err
	}
	datasets, err := a.db.Datasets(ctx, archive.Admin())
	if err != nil {
		return err
	}
	slugs := map[int64]string{}
	for _, ds := range datasets {
		slugs[ds.ID] = ds.Slug
	}
	now := time.Now()
	out := make([]userOut, 0, len(users))
	for _, u := range users {
		gs, err := a.db.Grants(ctx, u.ID)
		if err != nil {
			return err
		}
		uo := userOut{ID: u.ID, Name: u.Name, Role: string(u.Role), Created: u.Created.Format(time.RFC3339),
			Disabled: u.Disabled, Grants: []grantOut{}}
		if u.LockedUntil.After(now) {
			uo.LockedUntil = u.LockedUntil.Format(time.RFC3339)
		}
		for _, g := range gs {
			gout := grantOut{Dataset: slugs[g.DatasetID]}
			if !g.Expires.IsZero() {
				gout.Expires, gout.Expired = g.Expires.Format(time.RFC3339), !g.Expires.After(now)
			}
			uo.Grants = append(uo.Grants, gout)
		}
		out = append(out, uo)
	}
	if *asJSON {
		return writeJSON(m.Stdout, out)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tSTATUS\tCREATED\tGRANTS")
	for _, u := range out {
		status := "active"
		switch {
		case u.Disabled:
			status = "disabled"
		case u.LockedUntil != "":
			status = "locked until " + u.LockedUntil
		}
		var gs []string
		for _, g := range u.Grants {
			s := g.Dataset
			switch {
			case g.Expired:
				s += " (expired " + g.Expires[:10] + ")"
			case g.Expires != "":
				s += " (until " + g.Expires[:10] + ")"
			}
			gs = append(gs, s)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Name, u.Role, status, u.Created[:10], strings.Join(gs, ", "))
	}
	return tw.Flush()
}

// expiryFlags adds --expires and --for to fs.
func expiryFlags(fs *flag.FlagSet) (*string, *string) {
	return fs.String("expires", "", "last day of validity, YYYY-MM-DD (valid through that day, UTC), or an RFC 3339 time"),
		fs.String("for", "", "validity from now: a number of days (30d) or a duration (12h)")
}

// parseExpiry turns --expires or --for into a time; zero for neither.
func parseExpiry(expires, forDur string, now time.Time) (time.Time, error) {
	switch {
	case expires != "" && forDur != "":
		return time.Time{}, usagef("give --expires or --for, not both")
	case expires != "":
		if d, err := time.Parse(time.DateOnly, expires); err == nil {
			return d.AddDate(0, 0, 1), nil
		}
		t, err := time.Parse(time.RFC3339, expires)
		if err != nil {
			return time.Time{}, usagef("--expires %q: want YYYY-MM-DD or an RFC 3339 time", expires)
		}
		return t, nil
	case forDur != "":
		if n, ok := strings.CutSuffix(forDur, "d"); ok {
			days, err := strconv.Atoi(n)
			if err != nil || days <= 0 || days > 100*366 {
				return time.Time{}, usagef("--for %q: want a number of days such as 30d, or a duration such as 12h", forDur)
			}
			return now.AddDate(0, 0, days), nil
		}
		d, err := time.ParseDuration(forDur)
		if err != nil || d <= 0 {
			return time.Time{}, usagef("--for %q: want a number of days such as 30d, or a duration such as 12h", forDur)
		}
		return now.Add(d), nil
	}
	return time.Time{}, nil
}

func describeExpiry(t time.Time) string {
	if t.IsZero() {
		return "without expiry"
	}
	return "until " + t.UTC().Format("2006-01-02 15:04Z")
}

func userGrant(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "user grant", "user grant NAME DATASET [--expires YYYY-MM-DD | --for 30d]")
	expires, forDur := expiryFlags(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef("user grant: want NAME and DATASET")
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
	ds, err := a.db.Dataset(ctx, archive.Admin(), pos[1])
	if err != nil {
		return err
	}
	if err := a.db.Grant(ctx, u.ID, ds.ID, exp); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "granted %s access to %s %s\n", u.Name, ds.Slug, describeExpiry(exp))
	if ds.Level != archive.LevelLimited {
		fmt.Fprintf(m.Stderr, "note: %s is %s; grants matter only while a dataset is limited\n", ds.Slug, ds.Level)
	}
	return nil
}

func userRevoke(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "user revoke", "user revoke NAME DATASET")
	pos, a, err := m.operands(fs, args, 2, "NAME and DATASET")
	if err != nil {
		return err
	}
	u, err := a.db.UserByName(ctx, pos[0])
	if err != nil {
		return err
	}
	ds, err := a.db.Dataset(ctx, archive.Admin(), pos[1])
	if err != nil {
		return err
	}
	if err := a.db.Revoke(ctx, u.ID, ds.ID); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "revoked the access of %s to %s\n", u.Name, ds.Slug)
	return nil
}

func userDisable(ctx context.Context, m *Main, verb string, args []string) error {
	fs := newFlags(m, "user "+verb, "user "+verb+" NAME")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("user %s: want exactly one NAME", verb)
	}
	a, err := m.open()
	if err != nil {
		return err
	}
	u, err := a.db.UserByName(ctx, pos[0])
	if err != nil {
		return err
	}
	if err := a.db.SetDisabled(ctx, u.ID, verb == "disable"); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%sd %s\n", verb, u.Name)
	return nil
}

func userPasswd(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "user passwd", "user passwd NAME [--password-file F]\n\nSets a new password, lifts a lockout and ends the user's sessions.")
	pwFile := fs.String("password-file", "", "read the password from the first line of this file")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("user passwd: want exactly one NAME")
	}
	pw, err := readPassword(m, *pwFile)
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
	if err := a.db.SetPassword(ctx, u.ID, pw); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "changed the password of %s and ended their sessions\n", u.Name)
	return nil
}

func userRole(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "user role", "user role NAME journalist|editor|admin")
	pos, a, err := m.operands(fs, args, 2, "NAME and ROLE")
	if err != nil {
		return err
	}
	u, err := a.db.UserByName(ctx, pos[0])
	if err != nil {
		return err
	}
	if err := a.db.SetRole(ctx, u.ID, archive.Role(pos[1])); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%s is now %s\n", u.Name, pos[1])
	return nil
}
