package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"
)

func cmdAudit(ctx context.Context, m *Main, args []string) error {
	if len(args) == 0 {
		return usagef("audit: want list or verify")
	}
	switch args[0] {
	case "list":
		return auditList(ctx, m, args[1:])
	case "verify":
		return auditVerify(ctx, m, args[1:])
	}
	return usagef("audit: unknown subcommand %q (want list or verify)", args[0])
}

type auditOut struct {
	ID        int64  `json:"id"`
	Time      string `json:"time"`
	UserID    int64  `json:"user_id,omitempty"`
	User      string `json:"user"`
	Action    string `json:"action"`
	DatasetID int64  `json:"dataset_id,omitempty"`
	ItemID    int64  `json:"item_id,omitempty"`
	Detail    string `json:"detail,omitempty"`
	Prev      string `json:"prev"`
	Hash      string `json:"hash"`
}

func auditList(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "audit list", "audit list [--limit N] [--offset N] [--json]\n\nNewest entries first.")
	limit := fs.Int("limit", 50, "entries to show")
	offset := fs.Int("offset", 0, "newest entries to skip")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || *limit < 1 || *offset < 0 {
		return usagef("audit list: takes only --limit N (at least 1), --offset N and --json")
	}
	a, err := m.open()
	if err != nil {
		return err
	}
	log, err := a.db.AuditLog(ctx, *limit, *offset)
	if err != nil {
		return err
	}
	out := make([]auditOut, 0, len(log))
	for _, e := range log {
		out = append(out, auditOut{ID: e.ID, Time: e.Time.Format(time.RFC3339Nano), UserID: e.UserID, User: e.User,
			Action: e.Action, DatasetID: e.DatasetID, ItemID: e.ItemID, Detail: e.Detail, Prev: e.Prev, Hash: e.Hash})
	}
	if *asJSON {
		return writeJSON(m.Stdout, out)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTIME\tUSER\tACTION\tDATASET\tITEM\tDETAIL")
	for _, e := range log {
		ds, item := "", ""
		if e.DatasetID != 0 {
			ds = fmt.Sprint(e.DatasetID)
		}
		if e.ItemID != 0 {
			item = fmt.Sprint(e.ItemID)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.Time.Format("2006-01-02 15:04:05Z"), e.User, e.Action, ds, item, e.Detail)
	}
	return tw.Flush()
}

// auditVerify exits 0 when the chain is intact and 1 (printing the first
// bad entry) when it is not.
func auditVerify(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "audit verify", "audit verify\n\nRecomputes the hash chain of the audit log. Exit status 1 names the first entry that was edited, or that follows a removed one.")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("audit verify: takes no arguments")
	}
	a, err := m.open()
	if err != nil {
		return err
	}
	bad, err := a.db.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if bad != 0 {
		return fmt.Errorf("audit log broken at entry %d: it was changed, or the entry before it was removed, outside trove", bad)
	}
	head, err := a.db.AuditLog(ctx, 1, 0)
	if err != nil {
		return err
	}
	if len(head) == 0 {
		fmt.Fprintln(m.Stdout, "audit log intact (empty)")
		return nil
	}
	fmt.Fprintf(m.Stdout, "audit log intact: %d entries, last hash %s\n", head[0].ID, head[0].Hash)
	fmt.Fprintln(m.Stdout, "(keep the last hash elsewhere: the chain alone cannot show entries cut from its end)")
	return nil
}
