#!/usr/bin/env python3
"""Parses one captured e-mail for Strata's tests; prints JSON (decoded subject, headers, parts, defects)."""
import email, json, sys
from email import policy
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Balance(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.ok = [], True

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.ok = False


raw = open(sys.argv[1], "rb").read()
msg = email.message_from_bytes(raw, policy=policy.default)
parts = []
for part in msg.walk():
    if part.is_multipart():
        continue
    text = part.get_content().replace("\r\n", "\n")
    entry = {"contentType": part.get_content_type(), "charset": part.get_content_charset(), "text": text}
    if part.get_content_type() == "text/html":
        b = Balance()
        b.feed(text)
        b.close()
        entry["htmlBalanced"] = b.ok and not b.stack
    parts.append(entry)
try:
    date_ok = parsedate_to_datetime(msg["Date"]) is not None
except Exception:
    date_ok = False
raw_msg = email.message_from_bytes(raw, policy=policy.compat32)
print(json.dumps({
    "subject": str(msg["Subject"]), "rawSubject": raw_msg["Subject"], "from": str(msg["From"]), "to": str(msg["To"]),
    "date": msg["Date"], "dateParses": date_ok, "messageID": msg["Message-ID"], "mimeVersion": msg["MIME-Version"],
    "contentType": msg.get_content_type(),
    "defects": [type(d).__name__ for p in msg.walk() for d in p.defects] + [type(d).__name__ for d in msg.defects],
    "parts": parts, "raw": raw.decode("utf-8", "replace"),
}))
