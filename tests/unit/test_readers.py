"""Readers turn each supported file type into a Document; bad files are refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.dates import find_date
from ingest.readers import UnreadableFile, normalise_text, read_document

PROSE = (
    "Leeds City Council will lead the new warm homes programme, the council said on "
    "7 March 2007. The scheme will insulate ten thousand homes across the city."
)


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def test_text_title_is_first_line_and_date_is_found(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path, "a.txt", f"Warm homes for Leeds\n\n{PROSE}\n"))
    assert doc.title == "Warm homes for Leeds"
    assert doc.date == "2007-03-07"
    assert doc.source == "a.txt"
    assert doc.media_type == "text/plain"


def test_title_skips_a_leading_date_line(tmp_path: Path) -> None:
    doc = read_document(
        write(tmp_path, "a.txt", f"7 March 2007\n\nBoard paper on housing\n\n{PROSE}")
    )
    assert doc.title == "Board paper on housing"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Meeting held on 7 March 2007 in London", "2007-03-07"),
        ("Friday, November 12, 2010", "2010-11-12"),
        ("Friday 29 October 2010", "2010-10-29"),
        ("Published 12/11/2010 by the council", "2010-11-12"),
        ("the 3rd of June 2015", "2015-06-03"),
        ("no date here at all", None),
        ("31/02/2010 is not a date", None),
    ],
)
def test_dates_in_the_forms_documents_state_them(text: str, expected: str | None) -> None:
    assert find_date(text) == expected


def test_hard_wrapped_lines_are_rejoined_and_paragraphs_kept() -> None:
    wrapped = (
        "The county council and its health partners agreed a joint plan to\n"
        "reduce delayed discharges from the two acute hospitals this winter.\n"
        "The plan will be reviewed by the health and wellbeing board in\n"
        "January, when the first figures are due.\n"
        "\n"
        "Members asked officers to report on the cost of the new reablement\n"
        "service and on how many residents had used it in its first months.\n"
    )
    text = normalise_text(wrapped)
    paragraphs = text.split("\n\n")
    assert len(paragraphs) == 2
    assert "\n" not in paragraphs[0]
    assert "agreed a joint plan to reduce delayed discharges" in paragraphs[0]


def test_list_items_are_not_joined_to_each_other() -> None:
    text = normalise_text(
        "Highlights of this update are set out below for all members:\n"
        "- Warm homes: information to share from the housing department\n"
        "- Leeds Partnership Healthy Streets: walking and cycling routes\n"
        "- National Infrastructure Plan 2010 published this week by HM Treasury\n"
        "- Efficiency Review by the adviser to the government on spending\n"
    )
    assert text.count("\n- ") == 4


def test_markdown_headings_and_emphasis(tmp_path: Path) -> None:
    md = (
        "# Green skills in Leeds\n\nSome *emphasis* and a [link](http://x.org).\n\n"
        f"## Next\n\n{PROSE}"
    )
    doc = read_document(write(tmp_path, "b.md", md))
    assert doc.title == "Green skills in Leeds"
    assert "*" not in doc.text and "http://x.org" not in doc.text
    assert "Some emphasis and a link." in doc.text


def test_html_boilerplate_is_dropped(tmp_path: Path) -> None:
    html = f"""<html><head><title>Site | News</title><script>var x = 1;</script></head>
    <body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
    <header>Cookie banner</header>
    <main><h1>Warm homes for Leeds</h1><p>{PROSE}</p><p>Second   paragraph.</p></main>
    <footer>Copyright notice</footer></body></html>"""
    doc = read_document(write(tmp_path, "c.html", html))
    assert doc.title == "Warm homes for Leeds"
    for boilerplate in ("var x", "Home", "Cookie", "Copyright"):
        assert boilerplate not in doc.text
    assert doc.text.split("\n\n") == ["Warm homes for Leeds", PROSE, "Second paragraph."]


def test_pdf_text_layer(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, "Warm homes for Leeds\n\n" + PROSE)
    path = tmp_path / "d.pdf"
    pdf.output(str(path))
    doc = read_document(path)
    assert "Leeds City Council will lead" in " ".join(doc.text.split())
    assert doc.date == "2007-03-07"


def test_docx_paragraphs_and_heading_title(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Warm homes for Leeds", level=1)
    document.add_paragraph(PROSE)
    path = tmp_path / "e.docx"
    document.save(str(path))
    doc = read_document(path)
    assert doc.title == "Warm homes for Leeds"
    assert PROSE in doc.text


def test_key_is_stable_for_the_same_content(tmp_path: Path) -> None:
    a = read_document(write(tmp_path, "same.txt", PROSE))
    b = read_document(write(tmp_path, "same.txt", PROSE))
    c = read_document(write(tmp_path, "same.txt", PROSE + " And more."))
    assert a.key == b.key != c.key


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\n ", "empty file"),
        ("binary.txt", bytes(range(256)) * 10, "binary"),
        ("latin.txt", "Caf\u00e9 council report".encode("latin-1"), "not valid UTF-8"),
        ("broken.pdf", b"%PDF-1.4\n this is not really a pdf", "PDF"),
        ("broken.docx", b"PK\x03\x04 not a real zip", "DOCX"),
        ("notes.xyz", b"hello", "unsupported file type"),
    ],
)
def test_bad_files_are_refused_with_a_reason(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    path = write(tmp_path, name, data)
    with pytest.raises(UnreadableFile) as caught:
        read_document(path)
    assert caught.value.path == str(path)
    assert reason in caught.value.reason


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = write(tmp_path, "big.txt", "word " * 1000)
    with pytest.raises(UnreadableFile, match="over the limit of 1,000 bytes"):
        read_document(path, max_bytes=1000)


def test_hard_wraps_are_found_among_many_short_lines() -> None:
    minutes = (
        "Scrutiny Panel\n\nPresent:\nCllr A Hughes (Chair)\nCllr B Patel\nCllr C Morgan\n"
        "Cllr D Evans\n\nOfficers:\nF Green, Director of Adult Services\n\n2. Home care\n"
        "The Director introduced the report, which set out the pressures on the\n"
        "home care market across the county and the steps the council had taken\n"
        "to stabilise providers since the last meeting of the panel in January.\n"
        "Members asked how many providers had handed back contracts and whether\n"
        "the new rates would be enough to retain care workers over the winter.\n"
    )
    text = normalise_text(minutes)
    assert "on the home care market across the county and the steps" in text
    assert "Cllr A Hughes (Chair)\nCllr B Patel" in text
