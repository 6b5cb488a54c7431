"""Readers: turn .txt, .md, .html, .pdf and .docx files into a `Document`.

Each reader returns raw text with paragraphs separated by blank lines; `normalise_text`
then re-joins hard-wrapped lines, so `Document.text` is the text every offset refers to.
Every reader takes time and memory in proportion to its input (a hostile file cannot make
one quadratic), control characters and terminal escapes are removed, and no paragraph is
longer than MAX_PARAGRAPH_CHARS, so no later stage receives more than it can take.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from graph.model import Document
from graph.vocab import slugify
from ingest.dates import find_date

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# The longest paragraph handed on: a longer one (a file that is one long line, say) is cut
# at a line break, a sentence end or a space. Ten times a long paragraph of prose, and a
# hundredth of spaCy's own limit.
MAX_PARAGRAPH_CHARS = 10_000
# A file whose text is more than this share of control characters is binary, not text.
MAX_CONTROL_SHARE = 0.05
# The most a Word document's XML may hold once unpacked, as a multiple of the size limit:
# the zip format lets a small file unpack to gigabytes.
DOCX_UNPACKED_FACTOR = 10


class UnreadableFile(Exception):
    """A file that cannot be turned into a document; the batch reports it and goes on."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


_CONTROL_BYTES = bytes([*range(0x09), *range(0x0E, 0x20), 0x7F])


def _decode(data: bytes, path: Path) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    head = data[:8192]
    if len(head) - len(head.translate(None, _CONTROL_BYTES)) > MAX_CONTROL_SHARE * len(head):
        raise UnreadableFile(path, "binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            path,
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8 and ingest it again",
        ) from None


def read_text(data: bytes, path: Path) -> tuple[str, str | None]:
    """Plain text: the text itself; the title comes from its first lines."""
    return _decode(data, path), None


# Linear by construction: the heading's text is taken whole and trimmed in Python, and
# no pattern below can scan past the next delimiter of its own kind, so a line of
# unclosed "*a " or "[a (" costs one pass rather than one pass per delimiter.
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*)$")
_MD_LINK = re.compile(r"!?\[([^\[\]\n]*)\]\([^()\[\]\n]*\)")
_MD_STRONG = [
    re.compile(r"\*\*(?=\S)([^*\n]+?)(?<=\S)\*\*"),
    re.compile(r"__(?=\S)([^_\n]+?)(?<=\S)__"),
]
# strong, then emphasis, then strong again: "**a *b* c**" loses its inner pair first
_MD_EMPHASIS = [
    *_MD_STRONG,
    re.compile(r"\*(?=\S)([^*\n]+?)(?<=\S)\*"),
    re.compile(r"(?<!\w)_(?=\S)([^_\n]+?)(?<=\S)_(?!\w)"),
    *_MD_STRONG,
]


def read_markdown(data: bytes, path: Path) -> tuple[str, str | None]:
    """Markdown: headings become their own paragraphs; link and emphasis syntax is dropped."""
    lines: list[str] = []
    first_heading: int | None = None
    for line in _decode(data, path).splitlines():
        heading = _MD_HEADING.match(line)
        if heading:
            text = heading.group(2).rstrip().rstrip("#").rstrip()
            if first_heading is None:
                first_heading = len(lines) + 1
            lines.extend(["", text, ""])
            continue
        line = _MD_LINK.sub(r"\1", line)
        for pattern in _MD_EMPHASIS:
            line = pattern.sub(r"\1", line)
        lines.append(line)
    title = choose_title(lines[first_heading:]) if first_heading is not None else None
    return "\n".join(lines), title


_BOILERPLATE = frozenset(
    {
        "head",
        "title",
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
    }
)
_BOILERPLATE_ROLES = frozenset({"navigation", "banner", "contentinfo", "dialog", "alertdialog"})
_BLOCKS = frozenset(
    {
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
        "dd",
        "dt",
        "figcaption",
        "address",
    }
)
# Elements named for a cookie or consent notice are dropped with what they hold, except the
# page's own containers (a body may carry a class saying that cookies were accepted).
_NOTICE_NAME = re.compile(r"cookie|consent|gdpr", re.I)
_CONTAINERS = frozenset({"html", "body", "main", "article"})
# A short paragraph about cookies that asks the reader to accept, reject or choose them.
_COOKIE_NOTICE = re.compile(
    r"\bcookies?\b.*\b(?:accept|reject|consent|preferences|settings|we use"
    r"|this (?:web)?site|our (?:web)?site)\b"
    r"|\b(?:accept|reject|we use|this (?:web)?site uses|manage)\b.*\bcookies?\b",
    re.I,
)
_NOTICE_MAX_WORDS = 60
# Headings looked at for the title: the first few h1 and h2, and of those only the ones
# with little text between them (a label, then its headline).
_TITLE_HEADINGS = 4
_HEADING_GAP_CHARS = 200


def _dropped(tag) -> bool:
    """Navigation, scripts, banners and cookie notices: nothing a reader came for."""
    name = tag.name
    if name in _BOILERPLATE or tag.get("role") in _BOILERPLATE_ROLES:
        return True
    if name in _CONTAINERS:
        return False
    names = [tag.get("id") or "", tag.get("aria-label") or "", *(tag.get("class") or ())]
    return any(_NOTICE_NAME.search(value) for value in names)


def _html_text(root) -> tuple[str, list[tuple[str, str, int, int]]]:
    """The text under `root`, block elements set apart by blank lines, and its first h1 and
    h2 headings as (name, text, start, end), where start and end count the characters of
    text before the heading and before its end.

    One pass with an explicit stack, so deep nesting neither recurses nor costs more than
    the elements it holds; the tree is never changed (inserting text beside an element
    costs time in proportion to its siblings and descendants).
    """
    from bs4.element import CData, NavigableString, Tag

    parts: list[str] = []
    length = 0
    headings: list[tuple[str, str, int, int]] = []
    # (element, its children still to read, (parts, length) where it began if a heading)
    stack: list[tuple[Tag, Iterator, tuple[int, int] | None]] = [(root, iter(root.contents), None)]
    opened = 0  # headings begun, so that only the first few are joined
    while stack:
        tag, children, mark = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if tag.name in _BLOCKS:
                parts.append("\n\n")
            if mark is not None:
                text = " ".join("".join(parts[mark[0] :]).split())
                headings.append((tag.name, text, mark[1], length))
            continue
        if isinstance(child, Tag):
            if _dropped(child):
                continue
            if child.name == "br":
                parts.append("\n")
                continue
            if child.name in _BLOCKS:
                parts.append("\n\n")
            mark = None
            if child.name in ("h1", "h2") and opened < _TITLE_HEADINGS:
                opened += 1
                mark = (len(parts), length)
            stack.append((child, iter(child.contents), mark))
        elif type(child) in (NavigableString, CData):
            parts.append(str(child))
            length += len(child)
    return "".join(parts), sorted(headings, key=lambda h: h[2])


def _html_title(headings: list[tuple[str, str, int, int]], page_title: str | None) -> str | None:
    """The first h1, or the headline right under it when the h1 is a section label; without
    an h1, the page's <title>."""
    first = next((n for n, h in enumerate(headings) if h[0] == "h1"), None)
    if first is None:
        return page_title or None
    near = [headings[first]]
    for heading in headings[first + 1 :]:
        if heading[2] - near[-1][3] > _HEADING_GAP_CHARS:
            break
        near.append(heading)
    return choose_title([text for _, text, _, _ in near], blank_between=True)


def read_html(data: bytes, path: Path) -> tuple[str, str | None]:
    """HTML: navigation, scripts, cookie notices and other boilerplate dropped; block
    elements become paragraphs."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "lxml")
    if soup.body is None and soup.find() is None:
        raise UnreadableFile(path, "no HTML content")
    title_tag = soup.find("title")
    page_title = title_tag.get_text(" ", strip=True) if title_tag else None
    text, headings = _html_text(soup.body or soup)
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    kept = [p for p in paragraphs if p and not _is_cookie_notice(p)]
    return "\n\n".join(kept), _html_title(headings, page_title)


def _is_cookie_notice(paragraph: str) -> bool:
    return (
        len(paragraph.split()) <= _NOTICE_MAX_WORDS and _COOKIE_NOTICE.search(paragraph) is not None
    )


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


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_OFFICE_DOCUMENT = "/officeDocument"


def _docx_part(archive, path: Path, max_unpacked: int) -> str:
    """The name of the main document part, from the package's relationships."""
    from lxml import etree

    name = "word/document.xml"
    if "_rels/.rels" in archive.namelist():
        rels = etree.fromstring(archive.read("_rels/.rels"), _xml_parser())
        for rel in rels.iter(f"{_RELS}Relationship"):
            if (rel.get("Type") or "").endswith(_OFFICE_DOCUMENT):
                name = (rel.get("Target") or name).lstrip("/")
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise UnreadableFile(path, f"corrupt or unreadable DOCX (no {name})") from None
    if info.file_size > max_unpacked:
        raise UnreadableFile(
            path,
            f"the document unpacks to {info.file_size:,} bytes, over the limit of "
            f"{max_unpacked:,} bytes",
        )
    return name


def _xml_parser():
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True)


def _docx_styles(archive) -> dict[str, str]:
    """Style id -> style name ("Heading1" -> "heading 1"), from the styles part if any."""
    from lxml import etree

    if "word/styles.xml" not in archive.namelist():
        return {}
    styles = etree.fromstring(archive.read("word/styles.xml"), _xml_parser())
    names = {}
    for style in styles.iter(f"{_W}style"):
        name = style.find(f"{_W}name")
        if name is not None:
            names[style.get(f"{_W}styleId") or ""] = name.get(f"{_W}val") or ""
    return names


def _is_heading_style(style_id: str, styles: dict[str, str]) -> bool:
    name = styles.get(style_id, style_id).lower().replace(" ", "")
    return name.startswith("heading") or name == "title"


def read_docx(
    data: bytes, path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[str, str | None]:
    """DOCX: one paragraph per Word paragraph, then each table row; the first heading is the
    title. The XML is read as a stream and each paragraph dropped once read, so time and
    memory follow the text, not the number of (empty) paragraphs."""
    import zipfile

    from lxml import etree

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        part = _docx_part(archive, path, DOCX_UNPACKED_FACTOR * max_bytes)
        styles = _docx_styles(archive)
        title: str | None = None
        paragraphs: list[str] = []
        rows: list[str] = []
        runs: list[str] = []  # text of the paragraph being read
        cell: list[str] = []  # paragraphs of the table cell being read
        cells: list[str] = []  # cells of the table row being read
        tables = 0  # depth of table nesting; nested tables read as part of their cell
        tags = [f"{_W}{t}" for t in ("t", "tab", "br", "cr", "p", "tc", "tr", "tbl")]
        with archive.open(part) as stream:
            events = etree.iterparse(
                stream, events=("start", "end"), tag=tags, resolve_entities=False, no_network=True
            )
            for event, element in events:
                name = element.tag[len(_W) :]
                if event == "start":
                    tables += name == "tbl"
                    continue
                if name == "t":
                    runs.append(element.text or "")
                elif name == "tab":
                    runs.append("\t")
                elif name in ("br", "cr"):
                    runs.append("\n")
                elif name == "p":
                    text = "".join(runs).strip()
                    runs = []
                    if tables:
                        cell.append(text)
                    elif text:
                        style = element.find(f"{_W}pPr/{_W}pStyle")
                        style_id = (style.get(f"{_W}val") or "") if style is not None else ""
                        if title is None and _is_heading_style(style_id, styles):
                            title = text
                        paragraphs.append(text)
                elif name == "tc" and tables == 1:
                    cells.append("\n".join(cell).strip())
                    cell = []
                elif name == "tr" and tables == 1:
                    if any(cells):
                        rows.append(" | ".join(c for c in cells if c))
                    cells = []
                elif name == "tbl":
                    tables -= 1
                if name in ("p", "tc", "tr", "tbl"):
                    _forget(element)
    except (zipfile.BadZipFile, etree.XMLSyntaxError, KeyError, ValueError, OSError) as exc:
        raise UnreadableFile(path, f"corrupt or unreadable DOCX ({exc})") from None
    return "\n\n".join(paragraphs + rows), title


def _forget(element) -> None:
    """Free a parsed element and the siblings read before it."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


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

# Terminal escape sequences (colours, cursor moves, window titles) go whole; then every other
# control character but tab, newline and carriage return, and the bidirectional overrides
# that make text read differently from how it is stored.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)?|\x1b[@-_]?")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> tuple[str, int]:
    """The text without terminal escapes and control characters, and how many control
    characters (escapes not counted) it held."""
    text = _ESCAPES.sub("", text)
    text = text.replace("\x0b", "\n").replace("\x0c", "\n\n")
    text, removed = _CONTROLS.subn("", text)
    return text, removed


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
    parts: list[str] = []  # the line being re-joined, in pieces: joined once, at its end
    length = 0
    has_text = False
    for line in lines:
        stripped = line.strip()
        if parts and has_text and stripped and length >= 0.6 * width and not _BULLET.match(line):
            parts.append(" " + stripped)
            length += 1 + len(stripped)
            continue
        if parts:
            out.append("".join(parts))
        first = line.rstrip()
        parts, length, has_text = [first], len(first), bool(stripped)
    if parts:
        out.append("".join(parts))
    return "\n".join(out)


_SENTENCE_BREAK = re.compile(r"[.!?][\"”’')\]]*(?=\s+[\"“‘(\[]?[A-Z0-9£])")


def _cut_paragraph(paragraph: str, limit: int) -> list[str]:
    """A paragraph in pieces of at most `limit` characters, cut at a line break, else after
    a sentence, else at a space, else anywhere; each piece is looked at once."""
    pieces = []
    start = 0
    while len(paragraph) - start > limit:
        low, high = start + limit // 2, start + limit
        cut = paragraph.rfind("\n", low, high)
        if cut < 0:
            ends = [m.end() for m in _SENTENCE_BREAK.finditer(paragraph, low, high)]
            cut = ends[-1] if ends else paragraph.rfind(" ", low, high)
        if cut <= start:
            cut = high
        pieces.append(paragraph[start:cut].strip())
        start = cut
    pieces.append(paragraph[start:].strip())
    return [piece for piece in pieces if piece]


def bound_paragraphs(text: str, limit: int = MAX_PARAGRAPH_CHARS) -> str:
    """The text with every paragraph longer than `limit` characters cut into paragraphs."""
    if len(text) <= limit:
        return text
    paragraphs = text.split("\n\n")
    if all(len(p) <= limit for p in paragraphs):
        return text
    out = []
    for paragraph in paragraphs:
        out.extend(_cut_paragraph(paragraph, limit) if len(paragraph) > limit else [paragraph])
    return "\n\n".join(out)


def normalise_text(text: str) -> str:
    """Unify line ends and spaces, re-join hard wraps, one blank line between paragraphs,
    none longer than MAX_PARAGRAPH_CHARS."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = text.replace("\u200b", "").replace("\ufeff", "").replace("\t", " ")
    text = "\n".join(re.sub(r" {2,}", " ", line).rstrip() for line in text.split("\n"))
    text = unwrap_lines(text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return bound_paragraphs(text.strip())


# -- the title ---------------------------------------------------------------------------------

# Words of the section labels ("kickers") that stand above a headline: "News and Comment",
# "CONFERENCE REPORT", "Analysis". A label is short and names a kind of item, not its subject.
_SECTION_WORDS = frozenset(
    {
        "analysis",
        "blog",
        "briefing",
        "bulletin",
        "column",
        "comment",
        "digest",
        "editorial",
        "feature",
        "features",
        "interview",
        "letters",
        "news",
        "opinion",
        "press",
        "release",
        "report",
        "round-up",
        "roundup",
        "summary",
        "update",
    }
)
_SMALL_WORDS = frozenset({"a", "an", "and", "&", "in", "of", "on", "the", "for", "to"})
_LABEL_MAX_WORDS = 6
_HEADLINE_MIN_WORDS = 4
_HEADLINE_MAX_WORDS = 30
_SEPARATOR = re.compile(r"\s[|·•–—-]\s|\|")
_BYLINE = re.compile(r"^by\s+[A-Z]", re.I)
_WORD = re.compile(r"[^\W\d_]{2,}")
# Lines looked at past a section label for its headline, and how much text is read for them.
_LABEL_LOOKAHEAD = 3
_TITLE_HEAD_CHARS = 20_000


def _is_date_line(line: str) -> bool:
    return len(line) <= 40 and find_date(line) is not None


def _is_label(line: str) -> bool:
    """A section label: a few words, in capitals, with a separator, or naming a kind of item."""
    words = line.split()
    if not words or len(words) > _LABEL_MAX_WORDS or line[-1] in ".!?,;:":
        return False
    letters = [c for c in line if c.isalpha()]
    if len(letters) >= 3 and all(c.isupper() for c in letters):
        return True
    if _SEPARATOR.search(line):
        return True
    lowered = [w.strip(":,").lower() for w in words]
    return (
        len(words) <= 4
        and any(w in _SECTION_WORDS for w in lowered)
        and all(w[:1].isupper() or w.lower() in _SMALL_WORDS for w in words)
    )


def _is_headline(line: str, label: str) -> bool:
    """A line that can be a headline under `label`: longer, words rather than numbers, and
    not a sentence."""
    words = len(_WORD.findall(line))
    return (
        _HEADLINE_MIN_WORDS <= words <= _HEADLINE_MAX_WORDS
        and words > len(_WORD.findall(label))
        and line[-1] not in ".,;:"
        and not _BYLINE.match(line)
    )


def choose_title(lines: Iterable[str], *, blank_between: bool = False) -> str | None:
    """The title among a document's first lines: the first line that is more than a date,
    or, when that line is a section label, the headline that follows it.

    A headline must end its paragraph (or be followed by a date or a byline), so that the
    first line of hard-wrapped prose is not taken for one. `blank_between` says that each
    line is a paragraph of its own (headings).
    """
    head: list[list] = []  # [line, whether it ends its paragraph]
    for raw in lines:
        line = raw.strip().strip("*_#").strip()[:1000]
        if not line or _is_date_line(line) or (head and _BYLINE.match(line)):
            if head:
                head[-1][1] = True
            continue
        if head and (len(head) > _LABEL_LOOKAHEAD or not _is_label(head[0][0])):
            break
        head.append([line, blank_between])
    else:
        if head:
            head[-1][1] = True  # the last line ends the text
    if not head:
        return None
    label = head[0][0]
    if _is_label(label):
        for line, ends in head[1:]:
            if ends and _is_headline(line, label):
                return line[:200]
    return label[:200]


def document_key(source: str) -> str:
    """A key stable for a source: its file name as a slug plus a hash of the whole source
    (the path as stored), so that an edited file keeps its key and links to it keep working."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:10]
    return f"{slugify(Path(source).stem, 48)}-{digest}"


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
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UnreadableFile(path, f"cannot read ({exc.strerror})") from None
    elif len(data) > max_bytes:
        raise UnreadableFile(
            path, f"file is {len(data):,} bytes, over the limit of {max_bytes:,} bytes"
        )
    if not data.strip():
        raise UnreadableFile(path, "empty file")
    reader, media_type = READERS[suffix]
    if reader is read_docx:
        raw, title = read_docx(data, path, max_bytes=max_bytes)
    else:
        raw, title = reader(data, path)
    raw, controls = strip_controls(raw)
    if controls > MAX_CONTROL_SHARE * (len(raw) + controls):
        raise UnreadableFile(
            path, f"binary file, not text ({controls:,} control characters in {len(raw):,})"
        )
    text = normalise_text(raw)
    if not text:
        raise UnreadableFile(path, "no text found")
    if sum(ch.isprintable() or ch.isspace() for ch in text[:4096]) < 0.95 * len(text[:4096]):
        raise UnreadableFile(path, "binary file, not text")
    if title is not None:
        title = " ".join(strip_controls(title)[0].split())[:200]
    source = source or path.name
    return Document(
        key=document_key(source),
        source=source,
        title=title or choose_title(text[:_TITLE_HEAD_CHARS].split("\n")) or "",
        text=text,
        date=find_date(text),
        media_type=media_type,
    )
