"""What a file really is, judged from its bytes alone: the checks every attachment passes before
anything is written (DESIGN §9). Pure: no database, no storage.

- The content type is sniffed by libmagic (python-magic) from the bytes; the sender's filename
  and Content-Type are never believed (a PNG called `notes.txt` is an image/png, an ELF called
  `photo.jpg` is refused).
- Refused: executables by their bytes (PE/DOS `MZ`, ELF, Mach-O and fat binaries, scripts with a
  `#!` line, MSI and whatever libmagic calls an executable or a script) and by name (Windows
  scripts and installers have no magic: `.bat`, `.vbs`, `.js`, `.ps1`, `.lnk`, …); archives that
  hold any of those. Zip, tar and gzip/bzip2/xz are opened (bounded: members, bytes read, nesting
  depth); an archive that cannot be inspected safely — encrypted, nested too deep, too many
  members, a bomb, or a kind we cannot open (7z, rar, cab, …) — is refused too.
- `Refused` carries the file's (sanitised) name and a sentence saying why, in the active language.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import lzma
import posixpath
import re
import tarfile
import unicodedata
import zipfile
from dataclasses import dataclass

import magic
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

SNIFF_BYTES = 1024 * 1024  # libmagic looks at the head; OOXML needs more than the first block
MEMBER_HEAD = 4096  # what is read of an archive member to judge it
MAX_DEPTH = 2  # an archive in an archive is inspected; one more level is refused
MAX_MEMBERS = 1000
MAX_UNPACKED = 200 * 1024 * 1024  # declared size of all members of one archive
MAX_NESTED = 20 * 1024 * 1024  # an inner archive is read whole to be inspected

EXECUTABLE_MAGIC = (
    (b"MZ", gettext_lazy("a Windows program (PE/DOS)")),
    (b"\x7fELF", gettext_lazy("a Linux program (ELF)")),
    (b"\xfe\xed\xfa\xce", gettext_lazy("a macOS program (Mach-O)")),
    (b"\xfe\xed\xfa\xcf", gettext_lazy("a macOS program (Mach-O)")),
    (b"\xce\xfa\xed\xfe", gettext_lazy("a macOS program (Mach-O)")),
    (b"\xcf\xfa\xed\xfe", gettext_lazy("a macOS program (Mach-O)")),
    (b"\xca\xfe\xba\xbe", gettext_lazy("a macOS or Java program")),
    (b"#!", gettext_lazy("a script (#!)")),
)
EXECUTABLE_TYPES = {
    "application/x-dosexec",
    "application/x-executable",
    "application/x-sharedlib",
    "application/x-pie-executable",
    "application/x-mach-binary",
    "application/x-msi",
    "application/x-ms-installer",
    "application/vnd.ms-msi",
    "application/x-msdownload",
    "application/vnd.microsoft.portable-executable",
    "application/x-java-applet",
    "application/java-archive",
    "application/x-shellscript",
    "application/vnd.android.package-archive",
    "application/x-ms-shortcut",
}
# Scripts and installers a system runs by their name; their bytes can be plain text.
EXECUTABLE_SUFFIXES = {
    "exe", "com", "scr", "pif", "bat", "cmd", "msi", "msp", "mst", "msc", "dll", "sys", "cpl",
    "ocx", "vbs", "vbe", "js", "jse", "wsf", "wsh", "ws", "ps1", "psm1", "psd1", "hta", "lnk",
    "jar", "apk", "app", "sh", "bash", "zsh", "csh", "ksh", "command", "run", "reg", "scf", "inf",
    "gadget", "appx", "appxbundle", "msix", "msixbundle", "deb", "rpm", "dmg", "pkg", "elf",
    "py", "pyw", "pl", "rb", "php", "class", "action", "workflow", "iso", "img", "vhd", "vhdx",
}  # fmt: skip
UNINSPECTABLE_TYPES = {
    "application/x-7z-compressed": "7z",
    "application/x-rar": "RAR",
    "application/vnd.rar": "RAR",
    "application/x-rar-compressed": "RAR",
    "application/vnd.ms-cab-compressed": "CAB",
    "application/x-arj": "ARJ",
    "application/x-lzh-compressed": "LZH",
    "application/x-ace-compressed": "ACE",
    "application/zstd": "Zstandard",
    "application/x-zstd": "Zstandard",
    "application/x-iso9660-image": "ISO",
    "application/x-cpio": "cpio",
    "application/x-archive": "ar",
    "application/x-xar": "XAR",
    "application/x-apple-diskimage": "DMG",
    "application/x-lzip": "lzip",
    "application/x-lz4": "LZ4",
}
UNINSPECTABLE_SUFFIXES = {"7z", "rar", "cab", "arj", "lzh", "ace", "zst", "cpio", "xar", "lz4"}
COMPRESSED = {  # magic bytes → a reader of the stream, and its name
    b"\x1f\x8b": (lambda f: gzip.GzipFile(fileobj=f), "gzip"),
    b"BZh": (bz2.BZ2File, "bzip2"),
    b"\xfd7zXZ\x00": (lzma.LZMAFile, "xz"),
}
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*\u202a-\u202e\u2066-\u2069\u200e\u200f]')
MAX_NAME = 200


class Refused(Exception):  # noqa: N818 - the word a caller reads: the file was refused
    def __init__(self, filename: str, reason: str):
        self.filename, self.reason = filename, reason
        super().__init__(f"{filename}: {reason}")


@dataclass(frozen=True)
class Inspected:
    filename: str  # sanitised
    content_type: str  # sniffed from the bytes
    size: int
    sha256: str


def filename_sanitise(name: str) -> str:
    """A name safe to show and to put in Content-Disposition: the last path part, NFC, no
    control or direction characters, no characters file systems refuse, at most 200 characters
    (the extension kept), never empty or hidden."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip().strip(".").strip()
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        keep = ext[:20] if dot and stem else ""
        name = name[: MAX_NAME - len(keep) - 1].rstrip() + ("." + keep if keep else "")
    return name or "attachment"


def _suffix(name: str) -> str:
    base = posixpath.basename(name.replace("\\", "/")).lower().rstrip(". ")
    return base.rpartition(".")[2] if "." in base else ""


def sniff(content: bytes) -> str:
    """The MIME type libmagic reads from the bytes."""
    try:
        return magic.from_buffer(content[:SNIFF_BYTES], mime=True) or "application/octet-stream"
    except magic.MagicException:  # libmagic gives up on some inputs: then it is just bytes
        return "application/octet-stream"


def _executable(head: bytes, mime: str) -> str:
    for prefix, what in EXECUTABLE_MAGIC:
        if head.startswith(prefix):
            return str(what)
    if mime in EXECUTABLE_TYPES or mime.startswith("text/x-script"):
        return mime
    return ""


def inspect(*, filename: str, content: bytes) -> Inspected:
    """Sniff and judge one file; raises `Refused` (with the sanitised name) when it may not be
    kept. The size limits are the caller's: they depend on settings and on the other files."""
    name = filename_sanitise(filename)
    mime = sniff(content)
    _judge(name=name, display=name, content=content, mime=mime, depth=0)
    return Inspected(
        filename=name,
        content_type=mime,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def _judge(*, name: str, display: str, content: bytes, mime: str, depth: int) -> None:
    """Refuse `content` (called `name`, reported as `display`) if it runs or hides what runs."""
    what = _executable(content[:MEMBER_HEAD], mime)
    if what:
        raise Refused(
            display, _("It is a program (%(what)s); programs are never accepted.") % {"what": what}
        )
    if _suffix(name) in EXECUTABLE_SUFFIXES:
        raise Refused(
            display,
            _("Files ending in .%(suffix)s can run as a program; they are never accepted.")
            % {"suffix": _suffix(name)},
        )
    kind = UNINSPECTABLE_TYPES.get(mime) or (
        _suffix(name).upper() if _suffix(name) in UNINSPECTABLE_SUFFIXES else ""
    )
    if kind:
        raise Refused(
            display,
            _(
                "It is a %(kind)s archive, which we cannot look inside safely: send the files "
                "themselves, or a zip file."
            )
            % {"kind": kind},
        )
    is_zip = content[:4] in (b"PK\x03\x04", b"PK\x05\x06")
    compressed = next((v for k, v in COMPRESSED.items() if content.startswith(k)), None)
    is_tar = not is_zip and compressed is None and _is_tar(content)
    if not (is_zip or compressed or is_tar):
        return
    if depth >= MAX_DEPTH:
        raise Refused(
            display,
            _(
                "It holds archives inside archives too deeply to inspect: send the files "
                "themselves."
            ),
        )
    if is_zip:
        _judge_zip(display=display, content=content, depth=depth)
    elif is_tar:
        _judge_tar(display=display, content=content, depth=depth)
    else:
        reader, label = compressed
        inner = _decompressed(display, content, reader, label)
        _judge(
            name=name.rpartition(".")[0] or name,
            display=display,
            content=inner,
            mime=sniff(inner),
            depth=depth + 1,
        )


def _too_big(display: str) -> Refused:
    return Refused(
        display,
        _("It unpacks to more than we can inspect safely: send the files themselves."),
    )


def _damaged(display: str, kind: str) -> Refused:
    return Refused(
        display, _("It is a damaged %(kind)s file: we cannot inspect it.") % {"kind": kind}
    )


def _bounded(display: str, *, count: int, unpacked: int) -> None:
    """An archive's members, as declared, within what we inspect (no zip bomb)."""
    if count > MAX_MEMBERS:
        raise Refused(
            display,
            _("It holds more than %(max)s files: send fewer at once.") % {"max": MAX_MEMBERS},
        )
    if unpacked > MAX_UNPACKED:
        raise _too_big(display)


def _decompressed(display: str, content: bytes, reader, label: str) -> bytes:
    try:
        # Bounded: read through a stream so a small bomb cannot fill the memory.
        with reader(io.BytesIO(content)) as stream:
            data = stream.read(MAX_NESTED + 1)
    except (OSError, EOFError, lzma.LZMAError, ValueError):
        raise _damaged(display, label) from None
    if len(data) > MAX_NESTED:
        raise _too_big(display)
    return data


def _is_tar(content: bytes) -> bool:
    return len(content) >= 512 and content[257:262] == b"ustar"


def _member(display: str, member: str) -> str:
    return f"{display} → {filename_sanitise(member)}"


def _judge_member(*, display: str, member: str, head: bytes, read_all, depth: int) -> None:
    """One member of an archive: its name and head judged; an inner archive read whole."""
    shown = _member(display, member)
    mime = sniff(head)
    nested = (
        head[:4] in (b"PK\x03\x04", b"PK\x05\x06")
        or any(head.startswith(k) for k in COMPRESSED)
        or _is_tar(head)
    )
    content = read_all() if nested else head
    _judge(name=member, display=shown, content=content, mime=mime, depth=depth + 1)


def _judge_zip(*, display: str, content: bytes, depth: int) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _damaged(display, "zip") from None
    _bounded(display, count=len(members), unpacked=sum(m.file_size for m in members))
    for info in members:
        if info.flag_bits & 0x1:
            raise Refused(
                _member(display, info.filename),
                _(
                    "It is encrypted, so we cannot check what is inside: send it without a "
                    "password."
                ),
            )
        if info.is_dir():
            continue

        def read(size: int, info=info) -> bytes:
            with archive.open(info) as f:
                data = f.read(size + 1)
            if size == MAX_NESTED and len(data) > MAX_NESTED:
                raise _too_big(display)
            return data[:size]

        try:
            head = read(MEMBER_HEAD)
            _judge_member(
                display=display,
                member=info.filename,
                head=head,
                read_all=lambda read=read: read(MAX_NESTED),
                depth=depth,
            )
        except (
            zipfile.BadZipFile,
            OSError,
            ValueError,
            EOFError,
            NotImplementedError,
            RuntimeError,
        ):
            raise Refused(
                _member(display, info.filename),
                _("It is damaged or packed in a way we cannot inspect."),
            ) from None


def _judge_tar(*, display: str, content: bytes, depth: int) -> None:
    try:
        archive = tarfile.open(fileobj=io.BytesIO(content), mode="r:")
        members = archive.getmembers()
    except (tarfile.TarError, OSError, ValueError, EOFError):
        raise _damaged(display, "tar") from None
    _bounded(display, count=len(members), unpacked=sum(m.size for m in members if m.isfile()))
    for info in members:
        if not info.isfile():
            continue
        if info.mode & 0o111:
            raise Refused(
                _member(display, info.name),
                _("It is marked as a program; programs are never accepted."),
            )
        stream = archive.extractfile(info)
        if stream is None:
            continue

        def read_all(stream=stream) -> bytes:
            stream.seek(0)
            data = stream.read(MAX_NESTED + 1)
            if len(data) > MAX_NESTED:
                raise _too_big(display)
            return data

        _judge_member(
            display=display,
            member=info.name,
            head=stream.read(MEMBER_HEAD),
            read_all=read_all,
            depth=depth,
        )
