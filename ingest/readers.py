"""Readers: turn .txt, .md, .html, .pdf and .docx files into a `Document`.

Each reader returns raw text with paragraphs separated by blank lines; `normalise_text`
then re-joins hard-wrapped lines, so `Document.text` is the text every offset refers to.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from pathlib import Path

from graph.model import Document
from graph.vocab import slugify
from ingest.dates import find_date

DEFAULT_MAX_BYTES = 50 * 1024 * 1024


class UnreadableFile(Exception):
    """A file that cannot be turned into a document; the batch reports it and goes on."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


def _decode(data: bytes, path: Path) -> str:
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile(path, "binary file, not text")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            path,
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8 and ingest it again",
        ) from None


def read_text(data: bytes, path: Path) -> tuple[str, str | None]:
    """Plain text: the text itself; the title is its first line."""
    return _decode(data, path), None


_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")


def read_markdown(data: bytes, path: Path) -> tuple[str, str | None]:
    """Markdown: headings become their own paragraphs; link and emphasis syntax is dropped."""
    lines = []
    title = None
    for line in _decode(data, path).splitlines():
        heading = _MD_HEADING.match(line)
        if heading:
            text = heading.group(1)
            title = title or text
            lines.extend(["", text, ""])
            continue
        line = _MD_LINK.sub(r"\1", line)
        line = _MD_EMPHASIS.sub(r"\2", line)
        lines.append(line)
    return "\n".join(lines), title


_BOILERPLATE = (
    "script",
    "style",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "noscript",
    "iframe",
    "svg",
    "button",
    "template",
)
_BLOCKS = (
    "p",
    "div",
    "section",
    "article",
    "main",
    "li",
    "ul",
    "ol",
    "table",
    "tr",
    "blockquote",
    "pre",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "br",
    "dd",
    "dt",
    "figcaption",
    "address",
)


def read_html(data: bytes, path: Path) -> tuple[str, str | None]:
    """HTML: navigation, scripts and other boilerplate dropped; block elements become paragraphs."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "lxml")
    if soup.body is None and soup.find() is None:
        raise UnreadableFile(path, "no HTML content")
    for tag in soup(list(_BOILERPLATE)):
        tag.decompose()
    for tag in soup.find_all(attrs={"role": ["navigation", "banner", "contentinfo"]}):
        tag.decompose()
    h1 = soup.find("h1")
    title_tag = soup.find("title")
    title = (h1 or title_tag).get_text(" ", strip=True) if (h1 or title_tag) else None
    if title_tag:
        title_tag.decompose()
    for tag in soup.find_all(_BLOCKS):
        if tag.name == "br":
            tag.replace_with("\n")
        else:
            tag.insert_before("\n\n")
            tag.insert_after("\n\n")
    root = soup.body or soup
    text = root.get_text()
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in paragraphs if p), title


def read_pdf(data: bytes, path: Path) -> tuple[str, str | None]:
    """PDF: the text layer of every page."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UnreadableFile(path, f"corrupt or unreadable PDF ({exc})") from None
    text = "\n\n".join(pages)
    if not text.strip():
        raise UnreadableFile(path, "PDF has no text layer (a scan?); run OCR on it first")
    return text, None


def read_docx(data: bytes, path: Path) -> tuple[str, str | None]:
    """DOCX: one paragraph per Word paragraph; the first heading is the title."""
    import zipfile

    from docx import Document as open_docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        docx = open_docx(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnreadableFile(path, f"corrupt or unreadable DOCX ({exc})") from None
    title = None
    paragraphs = []
    for paragraph in docx.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if title is None and (style.startswith("Heading") or style == "Title"):
            title = text
        paragraphs.append(text)
    for table in docx.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells if c.text.strip()]
            if cells:
                paragraphs.append(" | ".join(cells))
    return "\n\n".join(paragraphs), title


Reader = Callable[[bytes, Path], tuple[str, str | None]]

READERS: dict[str, tuple[Reader, str]] = {
    ".txt": (read_text, "text/plain"),
    ".text": (read_text, "text/plain"),
    ".md": (read_markdown, "text/markdown"),
    ".markdown": (read_markdown, "text/markdown"),
    ".html": (read_html, "text/html"),
    ".htm": (read_html, "text/html"),
    ".pdf": (read_pdf, "application/pdf"),
    ".docx": (read_docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}


_BULLET = re.compile(r"^\s*(?:[-*•–·]|\d{1,3}[.)]|[a-z][.)]|\([a-z0-9]{1,3}\))\s+")


def _wrap_width(lines: list[str]) -> int | None:
    """The column at which a text was hard-wrapped, or None if it was not."""
    # Judge by the prose lines only: lists, headings and signatures are short in any text.
    lengths = sorted(len(line) for line in lines if len(line.strip()) > 40)
    if len(lengths) < 4:
        return None
    width = lengths[max(0, int(len(lengths) * 0.9) - 1)]
    near = sum(1 for n in lengths if width * 0.75 <= n <= width)
    # Hard-wrapped prose has most long lines close to one width, and that width is modest.
    if width <= 100 and near >= 0.6 * len(lengths):
        return width
    return None


def unwrap_lines(text: str) -> str:
    """Re-join hard-wrapped lines inside paragraphs; keep list items and short lines apart."""
    lines = text.split("\n")
    width = _wrap_width(lines)
    if width is None:
        return text
    out: list[str] = []
    for line in lines:
        stripped = line.strip()
        if (
            out
            and out[-1].strip()
            and stripped
            and len(out[-1]) >= 0.6 * width
            and not _BULLET.match(line)
        ):
            out[-1] = out[-1].rstrip() + " " + stripped
        else:
            out.append(line.rstrip())
    return "\n".join(out)


def normalise_text(text: str) -> str:
    """Unify line ends and spaces, re-join hard wraps, one blank line between paragraphs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = text.replace("\u200b", "").replace("\ufeff", "").replace("\t", " ")
    text = "\n".join(re.sub(r" {2,}", " ", line).rstrip() for line in text.split("\n"))
    text = unwrap_lines(text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def _first_line(text: str) -> str:
    """The first line that is more than a date."""
    for line in text.split("\n"):
        line = line.strip().strip("*_# ")
        if (line and find_date(line) is None) or len(line) > 40:
            return line[:200]
    return ""


def document_key(source: Path, text: str) -> str:
    """A stable key: the file's stem as a slug plus a hash of its text."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:10]
    return f"{slugify(source.stem, 48)}-{digest}"


def read_document(
    path: str | Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    data: bytes | None = None,
    source: str | None = None,
) -> Document:
    """Read one file into a `Document`; raise `UnreadableFile` naming the reason."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in READERS:
        raise UnreadableFile(
            path, f"unsupported file type {suffix or '(none)'}; use one of {', '.join(READERS)}"
        )
    if data is None:
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise UnreadableFile(path, f"cannot open ({exc.strerror})") from None
        if size > max_bytes:
            raise UnreadableFile(
                path, f"file is {size:,} bytes, over the limit of {max_bytes:,} bytes"
            )
        data = path.read_bytes()
    elif len(data) > max_bytes:
        raise UnreadableFile(
            path, f"file is {len(data):,} bytes, over the limit of {max_bytes:,} bytes"
        )
    if not data.strip():
        raise UnreadableFile(path, "empty file")
    reader, media_type = READERS[suffix]
    raw, title = reader(data, path)
    text = normalise_text(raw)
    if not text:
        raise UnreadableFile(path, "no text found")
    if sum(ch.isprintable() or ch.isspace() for ch in text[:4096]) < 0.95 * len(text[:4096]):
        raise UnreadableFile(path, "binary file, not text")
    return Document(
        key=document_key(path, text),
        source=source or path.name,
        title=title or _first_line(text),
        text=text,
        date=find_date(text),
        media_type=media_type,
    )
