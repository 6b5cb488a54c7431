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
        ("PLANNING NEWS\nMarch 2012\n\nThe council met in June 2011.", "2012-03-01"),
        ("Headline\n*May 2009 · News · By A Writer*\n\nOn 4 June 2008 it began.", "2009-05-01"),
        ("Headline\n12 May 2009\nIn March 2008 the pilot began.", "2009-05-12"),
        ("The pilot began in March 2008 and ended later that year.", None),
        ("# Who moved where: June 2019\n\nNews of posts.", "2019-06-01"),
        ("Summit report\n*A report from the summit, Leeds, October 2018*", "2018-10-01"),
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


def test_key_is_stable_for_the_same_source_when_the_file_is_edited(tmp_path: Path) -> None:
    path = write(tmp_path, "same.txt", PROSE)
    first = read_document(path, source="reports/same.txt")
    path.write_text(PROSE + " And more.")
    edited = read_document(path, source="reports/same.txt")
    elsewhere = read_document(path, source="archive/same.txt")
    assert first.key == edited.key != elsewhere.key
    assert first.key.startswith("same-")


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


def test_control_characters_and_terminal_escapes_are_removed(tmp_path: Path) -> None:
    # NUL after the first 8 KB, a bell, colour codes, a window title and a bidi override
    body = PROSE + "\n\n" + "Officers reported on the budget. " * 300
    dirty = (
        body + "\x00 Waste\x1b[1;31m collection\x1b[0m \x07resumes\x1b]0;title\x07 today"
        " \u202eleeds\u202c.\n"
    )
    doc = read_document(write(tmp_path, "dirty.txt", dirty))
    assert "Waste collection resumes today leeds." in doc.text
    assert not any(ch in doc.text for ch in "\x00\x07\x1b\u202e\u202c")
    assert "title" not in doc.text


def test_a_file_mostly_of_control_characters_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "noise.txt", PROSE + "\x01\x02\x03\x04" * 2000 + PROSE)
    with pytest.raises(UnreadableFile, match="binary file, not text"):
        read_document(path)


def test_one_long_line_is_cut_into_bounded_paragraphs(tmp_path: Path) -> None:
    from ingest.readers import MAX_PARAGRAPH_CHARS

    line = "The council agreed the plan. " * 20_000 + "x" * 30_000
    doc = read_document(write(tmp_path, "line.txt", line))
    paragraphs = doc.text.split("\n\n")
    assert len(paragraphs) > 50
    assert max(len(p) for p in paragraphs) <= MAX_PARAGRAPH_CHARS
    assert all(p.endswith(".") for p in paragraphs[:-5])  # cut after a sentence
    assert "".join(doc.text.split()) == "".join(line.split())  # nothing lost


@pytest.mark.parametrize(
    ("head", "title"),
    [
        (
            "News and Comment\n\nTram link to the airport approved by councillors",
            "Tram link to the airport approved by councillors",
        ),
        (
            "HOUSING BULLETIN\nIssue 7 | 3 May 2019\n\nNew homes target missed again in Exeter",
            "New homes target missed again in Exeter",
        ),
        (
            "Analysis\n\nWhy the Thornbury merger stalled\n\nBy Jo Reed",
            "Why the Thornbury merger stalled",
        ),
        # a headline is not a label, and a line of wrapped prose is not a headline
        (
            "Tram link to the airport approved\n\nA longer standfirst line about it follows",
            "Tram link to the airport approved",
        ),
        (
            "NEWS IN BRIEF\nThe council will insulate ten thousand homes across the\ncity",
            "NEWS IN BRIEF",
        ),
    ],
)
def test_a_section_label_above_a_headline_is_not_the_title(
    tmp_path: Path, head: str, title: str
) -> None:
    doc = read_document(write(tmp_path, "a.txt", f"{head}\n\n{PROSE}"))
    assert doc.title == title


def test_a_section_label_heading_above_the_headline_in_markdown_and_html(tmp_path: Path) -> None:
    md = f"## News and Comment\n\n# Tram link to the airport approved\n\n{PROSE}"
    assert read_document(write(tmp_path, "a.md", md)).title == "Tram link to the airport approved"
    html = (
        "<html><body><h1>News and Comment</h1><h2>Tram link to the airport approved</h2>"
        f"<p>{PROSE}</p><h2>What the leader said about it</h2><p>{PROSE}</p></body></html>"
    )
    assert read_document(write(tmp_path, "a.html", html)).title == (
        "Tram link to the airport approved"
    )
    # a real h1 keeps its place even when the next heading is longer
    html = f"<h1>Tram link approved</h1><p>{PROSE}</p><h2>What the leader said about it</h2>"
    assert read_document(write(tmp_path, "b.html", html)).title == "Tram link approved"


def test_cookie_notices_are_dropped_from_html(tmp_path: Path) -> None:
    html = f"""<html><body class="cookies-accepted">
    <div id="cookie-banner"><p>Tell us whether you accept cookies</p>
      <a href="#">Accept all cookies</a></div>
    <div class="govuk-consent"><p>Essential cookies only</p></div>
    <main><h1>Warm homes for Leeds</h1><p>{PROSE}</p>
    <p>We use cookies to make this site work. Accept or reject them in settings.</p></main>
    </body></html>"""
    doc = read_document(write(tmp_path, "c.html", html))
    assert "cookie" not in doc.text.lower()
    assert doc.text.split("\n\n") == ["Warm homes for Leeds", PROSE]


def test_docx_tables_follow_paragraphs_and_a_styled_heading_is_the_title(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("A note before the heading")
    document.add_heading("Warm homes for Leeds", level=1)
    document.add_paragraph(PROSE)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Ward", "Homes"
    table.cell(1, 0).text, table.cell(1, 1).text = "Headingley", "1,200"
    path = tmp_path / "t.docx"
    document.save(str(path))
    doc = read_document(path)
    assert doc.title == "Warm homes for Leeds"
    assert doc.text.split("\n\n") == [
        "A note before the heading",
        "Warm homes for Leeds",
        PROSE,
        "Ward | Homes",
        "Headingley | 1,200",
    ]


def test_a_docx_that_unpacks_past_the_limit_is_refused(tmp_path: Path) -> None:
    from tests.unit.test_reader_scaling import _docx

    path = write(tmp_path, "bomb.docx", _docx("<w:p/>" * 200_000))
    assert path.stat().st_size < 20_000
    with pytest.raises(UnreadableFile, match="unpacks to"):
        read_document(path, max_bytes=100_000)
