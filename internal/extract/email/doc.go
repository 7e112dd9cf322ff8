// Package email extracts e-mail: single messages (message/rfc822, RFC 5322
// with MIME, RFC 2045-2049) and mailboxes (application/mbox, the mboxo and
// mboxrd variants).
//
// A message yields its decoded headers (RFC 2047 encoded words, RFC 2231
// parameters, any charset golang.org/x/text knows; unknown charsets read
// valid UTF-8 as such and other bytes as windows-1252) as archive.Email,
// Meta.Title (the subject) and Meta.Author (the sender). Its text is a
// header block ("From: ...\nTo: ...\nCc: ...\nSubject: ...\nDate: ...\n\n",
// lines without a value left out) followed by the text of its inline parts:
// text/plain as is, text/html through html.Text, and of a
// multipart/alternative only the text/plain part (else the first part that
// has text).
//
// A body part is a child when it is declared an attachment, has a file name,
// or is not text; enclosed messages (message/rfc822) are children too, read
// no further here: the ingest extracts them as messages in turn. A child is
// named by its declared file name (last path element, RFC 2231/2047
// decoded), else "attachment-N.<ext>" or, for a message, "message-N.eml",
// where N counts the message's children from 1; its MIME is the declared
// type. Names are not made unique. An attachment whose base64 holds nothing
// decodable is reported with ChildFailed (extract.ErrCorrupt).
//
// A mailbox yields one child per message, named by its Message-ID in angle
// brackets ("<id@host>"), else "message-N", with the envelope line removed
// and ">From " quoting undone; it writes no text.
//
// Both read untrusted bytes: malformed encodings are decoded as far as they
// go, multipart nesting is bounded (extract.ErrTooDeep beyond 64 levels),
// and attachments and mailbox messages are streamed, never held in memory.
package email
