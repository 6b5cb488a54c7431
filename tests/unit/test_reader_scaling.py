"""Every reader takes time in proportion to its input, on inputs written to make it slow.

Each case is timed at 1x, 4x and 16x of an adversarial input (emphasis runs, nested markup,
many empty paragraphs, one long line, ...); a reader linear in its input takes about 4x as
long for 4x the input, a quadratic one 16x. The test fails past 6x per 4x over the whole
range (8x for a single step). Times are CPU
seconds of this process (best of a few runs), so other work on the machine counts little.
"""

from __future__ import annotations

import gc
import io
import itertools
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from ingest.readers import read_document

# Half a minute in all: with the slower tests.
pytestmark = pytest.mark.integration

SCALES = (1, 4, 16)
REPEATS = {1: 3, 4: 3, 16: 3}
# Per 4x of input, linear is 4 and quadratic 16. Judged over the whole range (1x to 16x, as
# the mean of its two steps), where the noise of a loaded machine weighs least, with a margin
# over 5 for that noise (linear readers measured 5.0-5.6x for one step on a busy machine, and
# the PDF reader 5.1x on average: its small input pays more per page); a single step may reach
# STEP_GROWTH. A quadratic reader fails both by far.
MAX_GROWTH = 6.0
STEP_GROWTH = 8.0
# Below this a timing is mostly noise: growth is judged on times at least this long.
FLOOR_S = 0.01

SENTENCE = "The county council agreed a plan for warm homes with its partners. "


def _docx(body: str) -> bytes:
    """A minimal Word document whose body is ``body`` (WordprocessingML)."""
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="rels" ContentType="applicati'
            'on/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" Conten'
            'tType="application/xml"/><Override PartName="/word/document.xml" ContentType="app'
            'lication/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxm'
            'lformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://sch'
            'emas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target'
            '="word/document.xml"/></Relationships>',
        )
        z.writestr(
            "word/document.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{ns}"><w:body>'
            f"<w:p><w:r><w:t>Warm homes</w:t></w:r></w:p>{body}</w:body></w:document>",
        )
    return out.getvalue()


def _pdf(lines: list[str]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(True)
    pdf.add_page()
    pdf.set_font("Helvetica", size=8)
    for line in lines:
        pdf.cell(0, 4, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


# (name, file suffix, input at scale k)
CASES: list[tuple[str, str, Callable[[int], bytes]]] = [
    ("text: one long line", ".txt", lambda k: (SENTENCE * 1500 * k).encode()),
    (
        "text: one hard-wrapped paragraph",
        ".txt",
        lambda k: ("The council and its partners agreed a plan for homes\n" * 2000 * k).encode(),
    ),
    ("text: many empty lines", ".txt", lambda k: (SENTENCE + "\n" * 50_000 * k).encode()),
    (
        "text: control and escape characters",
        ".txt",
        lambda k: (("\x1b[31mred\x1b[0m \x00\x07 " + SENTENCE) * 1500 * k).encode(),
    ),
    ("markdown: emphasis runs", ".md", lambda k: ("Warm homes\n\n" + "*a " * 20000 * k).encode()),
    ("markdown: strong runs", ".md", lambda k: ("Warm homes\n\n" + "**a _b " * 8000 * k).encode()),
    ("markdown: open brackets", ".md", lambda k: ("Warm homes\n\n" + "[a (b " * 8000 * k).encode()),
    ("markdown: spaced heading", ".md", lambda k: ("# " + " " * 200_000 * k + "x").encode()),
    ("markdown: one long line", ".md", lambda k: (SENTENCE * 1500 * k).encode()),
    (
        "html: nested markup",
        ".html",
        lambda k: ("<body>" + "<div>" * 2000 * k + "Warm homes" + "</div>" * 2000 * k).encode(),
    ),
    (
        "html: nested inline markup",
        ".html",
        lambda k: ("<p>Warm " + "<span><b>" * 1200 * k + "homes").encode(),
    ),
    (
        "html: many empty paragraphs",
        ".html",
        lambda k: ("<html><body><p>Warm homes</p>" + "<p></p>" * 4000 * k).encode(),
    ),
    (
        "html: one long line",
        ".html",
        lambda k: ("<html><body><p>" + SENTENCE * 1500 * k + "</p>").encode(),
    ),
    ("docx: many empty paragraphs", ".docx", lambda k: _docx("<w:p/>" * 8000 * k)),
    (
        "docx: one long line",
        ".docx",
        lambda k: _docx(f"<w:p><w:r><w:t>{SENTENCE * 1500 * k}</w:t></w:r></w:p>"),
    ),
    ("pdf: many lines", ".pdf", lambda k: _pdf([SENTENCE[:60]] * 300 * k)),
]


def cpu_seconds(path: Path, data: bytes, repeats: int) -> float:
    """The least CPU time of `repeats` reads of `data` as the file at `path`.

    Python's cycle collector is paused while a read is timed: its passes cost in proportion
    to everything the test process holds, not to what the reader does."""
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        gc.disable()
        try:
            t0 = time.process_time()
            read_document(path, data=data)
            best = min(best, time.process_time() - t0)
        finally:
            gc.enable()
    return best


@pytest.mark.parametrize(("name", "suffix", "make"), CASES, ids=[c[0] for c in CASES])
def test_reader_time_grows_linearly_with_its_input(
    name: str, suffix: str, make: Callable[[int], bytes]
) -> None:
    path = Path(f"adversarial{suffix}")
    inputs = {k: make(k) for k in SCALES}
    cpu_seconds(path, inputs[1], 1)  # imports and caches are not the reader's time
    times = {k: cpu_seconds(path, inputs[k], REPEATS[k]) for k in SCALES}
    said = ", ".join(f"{len(inputs[k]):,} bytes {times[k]:.3f} s" for k in SCALES)
    for small, large in itertools.pairwise(SCALES):
        growth = max(times[large], FLOOR_S) / max(times[small], FLOOR_S)
        assert growth <= STEP_GROWTH, f"{name}: {said} ({growth:.1f}x for 4x)"
    first, last = SCALES[0], SCALES[-1]
    steps = len(SCALES) - 1
    mean = (max(times[last], FLOOR_S) / max(times[first], FLOOR_S)) ** (1 / steps)
    assert mean <= MAX_GROWTH, f"{name}: {said} ({mean:.1f}x for 4x, on average)"
