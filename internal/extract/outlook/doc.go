// Package outlook extracts Microsoft Outlook files: single messages (.msg,
// MS-OXMSG) in pure Go, and mailboxes (.pst, .ost) with readpst (libpst,
// Debian's pst-utils).
//
// # Messages (.msg)
//
// A .msg is a compound file (MS-CFB), read by a small reader in this
// package that checks every sector number and size against the file and
// bounds every chain walk, so that loops and out-of-range pointers end in
// extract.ErrCorrupt. The message yields archive.Email (subject; sender as
// "Name <smtp>" from PidTagSenderSmtpAddress, else an SMTP-typed
// PidTagSenderEmailAddress, else the transport headers' From, else the
// name alone; To/Cc/Bcc from the recipient storages; the date from
// PidTagClientSubmitTime, else PidTagMessageDeliveryTime, else the
// transport headers, else the creation time; Message-ID, In-Reply-To and
// References), Meta.Title (the subject), Meta.Author (the sender),
// Meta.Created/Modified and Meta.Extra["message_class"] ("IPM.Note",
// "IPM.Appointment", ...). Its text is the header block the e-mail
// extractor writes ("From: ...\nTo: ...\nCc: ...\nSubject: ...\nDate:
// ...\n\n") followed by the body: PidTagBody (UTF-16, or 8-bit in
// PidTagInternetCodepage / PidTagMessageCodepage), else the HTML body
// without markup, else the compressed RTF body (MS-OXRTFCP) reduced to the
// HTML or text it encapsulates (MS-OXRTFEX), else to its own text.
// Named (PidLid) properties such as appointment times are not read.
//
// Each attachment storage is one expected child (Sink.Expect). Attachments
// by value are streamed as children named by their long file name (else
// short file name, display name, "attachment-N") with their declared
// MIME type. An embedded message (attach method 5) is passed on as an RFC
// 822 message (MIME message/rfc822, name "<name or subject>.eml"),
// synthesized from its properties: headers, the body as UTF-8 text/plain,
// its attachments as base64 parts and its own embedded messages as
// message/rfc822 parts, so that the e-mail extractor takes it from there.
// Attachments without data in the file (OLE objects, links) are recorded
// with Sink.ChildFailed (extract.ErrUnsupported), never dropped silently.
//
// # Mailboxes (.pst, .ost)
//
// readpst runs sandboxed (package tool) into a private temporary folder:
// one file per item (.eml for messages, .ics for appointments, .vcf for
// contacts), deleted items included. Each file becomes a child named by
// its path inside the mailbox ("Personal Folders/Inbox/12.eml"). readpst's
// per-folder report ("N items done, M items skipped") gives the number of
// items it counted, which goes to Sink.Expect; every skipped item
// (readpst does not convert distribution lists or hidden configuration
// items, and skips what it cannot read) and every item counted but not
// written is recorded with Sink.ChildFailed, so that a mailbox that loses
// items shows it. A PST whose header declares more bytes than the file
// holds fails with extract.ErrCorrupt after emitting what readpst read; a
// run that outgrows Config.MaxOutputRatio times the input fails with
// extract.ErrBomb; a hung readpst ends with extract.ErrTimeout.
package outlook
