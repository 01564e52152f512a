"""A raw RFC 5322 message read into what inbound ingest decides on; pure: no database, no settings.

- Parsed with the stdlib `email` package (`policy=email.policy.default`): RFC 2047 headers
  decoded, quoted-printable and base64 bodies decoded, the declared charset honoured through its
  superset where mail clients mislabel (GB2312 → GB18030, Big5 → Big5-HKSCS, TIS-620 → CP874).
- The text is the plain part, else the HTML part turned into plain text (scripts, styles and
  tags dropped; nothing of the HTML is kept).
- `visible_reply` strips quoted history and the signature for display: `email-reply-parser`
  for English "On … wrote:" quotes, plus the quote headers of the clients our customers use in
  Chinese, Thai and Bulgarian, Outlook's header blocks, ">" quoting and the "-- " signature. The
  words above them are kept as written.
- `files` are the mail's attachments as sent (name and decoded bytes): every part that is not the
  text chosen above nor an alternative text of it; a forwarded mail (message/rfc822) is one file.
  Nothing judges them here: the complaints' attachment service does.
- `ParseError` says why a message cannot be read (no sender, an undecodable body); ingest
  quarantines it with that reason. Nothing here raises anything else for bad input.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from html.parser import HTMLParser

from django.utils.translation import gettext as _
from email_reply_parser import EmailReplyParser

# Mislabelled charsets: decode with the superset the sender's client really used.
CHARSET_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "euc-cn": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "tis-620": "cp874",
    "tis620": "cp874",
    "iso-8859-11": "cp874",
    "windows-874": "cp874",
    "ks_c_5601-1987": "cp949",
    "us-ascii": "utf-8",  # a body labelled ASCII that is not is almost always UTF-8
}
MAX_REPLACED = 0.01  # at most 1 % of undecodable characters is a typo, not another charset
AUTO_PRECEDENCE = {"bulk", "auto_reply", "list", "junk"}
ROBOT_LOCALPARTS = {
    "mailer-daemon",
    "postmaster",
    "noreply",
    "no-reply",
    "no_reply",
    "donotreply",
    "do-not-reply",
    "bounce",
    "bounces",
}


class ParseError(Exception):
    """The message cannot be read; the text says why (kept with the quarantined mail)."""


@dataclass(frozen=True)
class Bounce:
    recipients: list[str]  # the addresses the report says failed
    original_ids: list[str]  # Message-IDs of the mail that failed
    diagnostic: str


@dataclass(frozen=True)
class MailFile:
    filename: str  # as the sender named it (may be empty); made safe when stored
    content: bytes


@dataclass(frozen=True)
class ParsedMail:
    msgid: str
    sender: str  # lower-cased address
    sender_name: str
    subject: str
    text: str  # the whole text, as decoded
    reply_ids: list[str]  # In-Reply-To first, then References newest first
    automatic: str = ""  # why it is an automatic mail, else ""
    bounce: Bounce | None = None
    defects: list[str] = field(default_factory=list)
    files: list[MailFile] = field(default_factory=list)


def fallback_msgid(raw: bytes) -> str:
    return f"<{hashlib.sha256(raw).hexdigest()}@no-message-id.invalid>"


def header_msgid(raw: bytes) -> str:
    """The message's Message-ID from its headers alone (cheap, for mail too big to parse), or
    the fallback key of its bytes."""
    try:
        headers = BytesHeaderParser(policy=email.policy.default).parsebytes(raw)
        ids = _ids(str(headers.get("Message-ID", "") or ""))
    except Exception:  # noqa: BLE001 - any header garbage: key by the bytes
        ids = []
    return ids[0] if ids else fallback_msgid(raw)


_ID = re.compile(r"<[^<>\s]+>")


def _ids(value: str) -> list[str]:
    return [i[:255] for i in _ID.findall(value or "")]


def _header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:  # noqa: BLE001 - a header the policy cannot parse reads as absent
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def mail_parse(raw: bytes) -> ParsedMail:
    """Read `raw`; raises ParseError for a message that cannot be read."""
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as exc:  # noqa: BLE001 - the parser is lenient; anything here is garbage
        raise ParseError(_("The message could not be parsed: %(error)s") % {"error": exc}) from exc
    sender, sender_name = _sender(msg)
    ids = _ids(_header(msg, "Message-ID"))
    msgid = ids[0] if ids else fallback_msgid(raw)
    reply_ids = _ids(_header(msg, "In-Reply-To")) + list(reversed(_ids(_header(msg, "References"))))
    bounce = _bounce(msg)
    automatic = "" if bounce else _automatic(msg, sender)
    if not sender and not bounce:
        raise ParseError(_("The message has no sender address (From)."))
    text = "" if bounce or automatic else _text(msg)
    files = [] if bounce or automatic else _files(msg)
    return ParsedMail(
        msgid=msgid,
        sender=sender,
        sender_name=sender_name,
        subject=_header(msg, "Subject")[:255],
        text=text,
        reply_ids=list(dict.fromkeys(reply_ids)),
        automatic=automatic,
        bounce=bounce,
        defects=[type(d).__name__ for d in msg.defects],
        files=files,
    )


def _files(msg: EmailMessage) -> list[MailFile]:
    """The attachments, in order; the text body and its alternatives are not files."""
    try:
        body = msg.get_body(preferencelist=("plain", "html"))
    except Exception:  # noqa: BLE001 - a broken structure has no body to leave out
        body = None
    found: list[MailFile] = []
    _collect(msg, body, found)
    return found


def _filename(part: Message) -> str:
    try:
        return str(part.get_filename() or "")
    except Exception:  # noqa: BLE001 - an unreadable name is no name
        return ""


def _collect(part: Message, body: Message | None, found: list[MailFile]) -> None:
    if part is body:
        return
    ctype = part.get_content_type()
    if ctype == "message/rfc822":  # a forwarded mail: one file, not its parts
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        content = inner.as_bytes() if inner is not None else b""
        found.append(MailFile(_filename(part) or "forwarded.eml", content))
        return
    if part.is_multipart():
        for sub in part.get_payload() or []:
            _collect(sub, body, found)
        return
    name = _filename(part)
    if (
        part.get_content_maintype() == "text"
        and not name
        and (part.get_content_disposition() != "attachment")
    ):
        return  # the HTML twin of the plain text (or the other way round), not a file
    try:
        content = part.get_payload(decode=True) or b""
    except Exception:  # noqa: BLE001 - an undecodable part is kept as it was sent
        content = str(part.get_payload()).encode("utf-8", "replace")
    found.append(MailFile(name, content))


def _sender(msg: Message) -> tuple[str, str]:
    try:
        header = msg.get("From")
        addresses = header.addresses if header is not None else ()
    except Exception:  # noqa: BLE001
        return "", ""
    for address in addresses:
        if address.addr_spec and "@" in address.addr_spec:
            return address.addr_spec.strip().lower(), address.display_name.strip()
    return "", ""


def _automatic(msg: Message, sender: str) -> str:
    """Why `msg` is a mail no person wrote (RFC 3834 and the common habits), or ""."""
    auto = _header(msg, "Auto-Submitted").lower()
    if auto and auto.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto}"
    precedence = _header(msg, "Precedence").lower()
    if precedence in AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Autogenerated"):
        if msg.get(name) is not None:
            return f"{name} header"
    # A mailing list or newsletter is no person writing to us; a customer writes directly.
    for name in ("List-Id", "List-Unsubscribe"):
        if msg.get(name) is not None:
            return f"{name} header (a list or newsletter)"
    if _header(msg, "Return-Path") == "<>":
        return "Null sender (Return-Path: <>)"
    local = sender.partition("@")[0]
    if local in ROBOT_LOCALPARTS:
        return f"Automatic sender {sender}"
    return ""


def _bounce(msg: Message) -> Bounce | None:
    """A delivery-status notification (RFC 3464): who failed, and which of our mails."""
    if msg.get_content_type() != "multipart/report":
        return None
    if msg.get_param("report-type", "").lower() != "delivery-status":
        return None
    recipients: list[str] = []
    original: list[str] = []
    diagnostic = ""
    for part in msg.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            for block in part.get_payload() if part.is_multipart() else []:
                if "Original-Message-ID" in block:
                    original += _ids(str(block["Original-Message-ID"]))
                action = str(block.get("Action", "")).strip().lower()
                recipient = str(
                    block.get("Final-Recipient") or block.get("Original-Recipient") or ""
                )
                if recipient and action in ("failed", ""):
                    address = recipient.rpartition(";")[2].strip().strip("<>").lower()
                    if "@" in address:
                        recipients.append(address)
                    diagnostic = diagnostic or " ".join(
                        str(block.get("Diagnostic-Code", "") or block.get("Status", "")).split()
                    )
        elif kind in ("message/rfc822", "text/rfc822-headers"):
            inner = _inner_headers(part)
            if inner is not None:
                original += _ids(_header(inner, "Message-ID"))
    original += _ids(_header(msg, "In-Reply-To")) + _ids(_header(msg, "References"))
    return Bounce(
        recipients=list(dict.fromkeys(recipients)),
        original_ids=list(dict.fromkeys(original)),
        diagnostic=diagnostic[:300],
    )


def _inner_headers(part: Message) -> Message | None:
    if part.get_content_type() == "message/rfc822":
        payload = part.get_payload()
        return payload[0] if isinstance(payload, list) and payload else None
    raw = part.get_payload(decode=True) or b""
    return BytesHeaderParser(policy=email.policy.default).parsebytes(raw)


# --- the text ------------------------------------------------------------------------------


def _decoded(part: EmailMessage) -> str:
    payload = part.get_payload(decode=True) or b""
    declared = (part.get_content_charset() or "utf-8").lower()
    charset = CHARSET_SUPERSETS.get(declared, declared)
    try:
        return payload.decode(charset)
    except LookupError:
        if payload.isascii():
            return payload.decode("ascii")
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            raise ParseError(
                _("The text is in an unknown character set (%(charset)s).") % {"charset": declared}
            ) from None
    except UnicodeDecodeError:
        text = payload.decode(charset, errors="replace")
        if text.count("\ufffd") > max(1, len(text) * MAX_REPLACED):
            raise ParseError(
                _("The text cannot be decoded as %(charset)s.") % {"charset": declared}
            ) from None
        return text


def _text(msg: EmailMessage) -> str:
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    text = _decoded(body)
    if body.get_content_subtype() == "html":
        text = html_to_text(text)
    return text.replace("\r\n", "\n").replace("\r", "\n")


class _TextOfHtml(HTMLParser):
    """The visible words of an HTML mail; what is inside <blockquote> is marked "> " so the
    quote stripping removes it like a quoted plain-text reply."""

    SKIP = {"script", "style", "head", "title", "template", "noscript", "svg"}
    BLOCK = {
        "p", "div", "br", "li", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
        "blockquote", "pre", "hr", "ul", "ol", "section", "article", "header", "footer",
    }  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.line: list[str] = []
        self.skipping = 0
        self.quote = 0
        self.pre = 0

    def _break(self) -> None:
        text = "".join(self.line).strip() if not self.pre else "".join(self.line)
        self.lines.append(("> " * self.quote) + text if text else "")
        self.line = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self._break()
            if tag == "blockquote":
                self.quote += 1
            elif tag == "pre":
                self.pre += 1
        elif tag == "li":
            self.line.append("- ")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in self.BLOCK:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in self.BLOCK:
            self._break()
            if tag == "blockquote":
                self.quote = max(self.quote - 1, 0)
            elif tag == "pre":
                self.pre = max(self.pre - 1, 0)

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.pre:
            parts = data.split("\n")
            for piece in parts[:-1]:
                self.line.append(piece)
                self._break()
            self.line.append(parts[-1])
        else:
            self.line.append(re.sub(r"\s+", " ", data))

    def text(self) -> str:
        self._break()
        return re.sub(r"\n{3,}", "\n\n", "\n".join(self.lines)).strip("\n")


def html_to_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    return parser.text()


# --- the visible reply ---------------------------------------------------------------------

# The line a mail client writes above the quoted mail, in our customers' languages.
QUOTE_HEADERS = [
    re.compile(r"^On\s.+wrote:\s*$", re.S),  # English (Gmail, Apple Mail, Thunderbird)
    re.compile(r"^在.+(写道|寫道)\s*[:：]?\s*$", re.S),  # Chinese, simplified and traditional
    re.compile(r"^.*于.+(写道|寫道)\s*[:：]\s*$", re.S),  # Chinese Apple Mail / Foxmail
    re.compile(r"^.*於.+(写道|寫道)\s*[:：]\s*$", re.S),
    re.compile(r"^เมื่อ.+เขียน(ว่า)?\s*[:：]?\s*$", re.S),  # Thai
    re.compile(r"^На\s.+написа\s*:\s*$", re.S),  # Bulgarian
    re.compile(r"^.+\s(написа|пише|пишет)\s*:\s*$", re.S),  # Bulgarian/Russian variants
    re.compile(r"^-{2,}\s*(Original Message|Forwarded message|原始邮件|原始郵件|"
               r"Оригинално съобщение|Исходное сообщение|ข้อความต้นฉบับ)\s*-{2,}\s*$", re.I),
]  # fmt: skip
# Outlook's header block: a "From:" line followed closely by a "Sent:"/"Date:" line.
OUTLOOK_FROM = re.compile(r"^\*?(From|发件人|寄件者|寄件人|От|จาก)\s*\*?\s*[:：]", re.I)
OUTLOOK_NEXT = re.compile(
    r"^\*?(Sent|Date|To|Subject|发送时间|日期|收件人|主题|傳送時間|寄件日期|主旨|"
    r"Изпратено|Дата|До|Тема|ส่ง|วันที่|ถึง|เรื่อง)\s*\*?\s*[:：]",
    re.I,
)
SIGNATURE = re.compile(r"^--\s?$")


def _quote_start(lines: list[str]) -> int | None:
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        joined = (stripped + " " + lines[i + 1].strip()) if i + 1 < len(lines) else stripped
        if any(p.match(stripped) or p.match(joined) for p in QUOTE_HEADERS):
            return i
        if OUTLOOK_FROM.match(stripped) and any(
            OUTLOOK_NEXT.match(n.strip()) for n in lines[i + 1 : i + 5]
        ):
            return i
    return None


def visible_reply(text: str) -> str:
    """The customer's new words: quoted history, quote headers and the signature cut off.
    When nothing is left (a mail that is all quote), the whole text is kept."""
    lines = text.split("\n")
    start = _quote_start(lines)
    if start is not None:
        lines = lines[:start]
    for i, line in enumerate(lines):
        if SIGNATURE.match(line):
            lines = lines[:i]
            break
    lines = [line for line in lines if not line.lstrip().startswith(">")]
    kept = "\n".join(lines)
    try:
        kept = EmailReplyParser.parse_reply(kept) if kept.strip() else ""
    except Exception:  # noqa: BLE001 - a parser failure must not lose the words
        pass
    kept = kept.strip("\n").rstrip()
    return kept if kept.strip() else text.strip("\n").rstrip()
