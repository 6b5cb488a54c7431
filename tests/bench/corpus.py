"""A synthetic corpus in the seeds' genre: local-government news and board papers.

Used by the benchmark and by tests that need many documents. Deterministic for a seed.
"""

from __future__ import annotations

import random
from pathlib import Path

COUNCILS = [
    "Leeds City Council",
    "Cornwall Council",
    "Hampshire County Council",
    "Bristol City Council",
    "Wigan Council",
    "Gateshead Council",
    "Norfolk County Council",
    "Newcastle City Council",
    "Derbyshire County Council",
    "Stockport Council",
    "London Borough of Hackney",
    "Manchester City Council",
    "Birmingham City Council",
    "Essex County Council",
    "Surrey County Council",
    "Lancashire County Council",
    "Sheffield City Council",
    "Nottinghamshire County Council",
    "Devon County Council",
    "Liverpool City Council",
]
FIRST = [
    "Alice",
    "Rahul",
    "Grace",
    "Tom",
    "Priya",
    "Owen",
    "Fatima",
    "David",
    "Helen",
    "Marcus",
    "Sarah",
    "Ian",
    "Chloe",
    "Kwame",
    "Ruth",
    "Gareth",
    "Aisha",
    "Peter",
    "Nina",
    "Colin",
]
LAST = [
    "Hartley",
    "Okafor",
    "Pennington",
    "Walsh",
    "Desai",
    "Griffiths",
    "Rahman",
    "Morley",
    "Ashworth",
    "Bell",
    "Kaur",
    "Thorne",
    "Fenwick",
    "Mensah",
    "Lister",
    "Pryce",
    "Hussain",
]
ROLES = [
    "leader of",
    "chief executive of",
    "director of children's services at",
    "cabinet member for housing at",
    "director of public health at",
]
PROGRAMMES = [
    "Warm Homes Programme",
    "Ageing Well Pilot",
    "Green Skills Fund",
    "Troubled Families Programme",
    "Digital Inclusion Partnership",
    "Healthy Streets Initiative",
    "Community Safety Review",
    "Early Help Pathfinder",
]
THEMES = [
    "community safety",
    "care of older people",
    "school improvement",
    "early years",
    "public health",
    "housing",
    "economic development",
    "climate change",
]
FILLER = [
    "Officers will report progress to the board at its next meeting.",
    "The scheme is expected to save money by moving investment towards prevention.",
    "Residents said services had improved, although waiting times remain too long.",
    "Partners across health, housing and the voluntary sector have agreed a shared plan.",
    "The government has promised further freedoms if the early results are positive.",
    "Funding for the second year depends on an evaluation due in the autumn.",
    "A consultation with residents and businesses will run for twelve weeks.",
    "Members asked for clearer measures of outcomes rather than of activity.",
    "The approach builds on work with families who receive help from many agencies.",
    "Staff shortages in social work continue to put pressure on frontline teams.",
]
MONTHS = ["January", "March", "May", "June", "September", "October", "November"]


def make_document(rng: random.Random, n: int, paragraphs: int = 8) -> str:
    """One synthetic article of about 100 words a paragraph."""
    council, other = rng.sample(COUNCILS, 2)
    person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    programme, theme = rng.choice(PROGRAMMES), rng.choice(THEMES)
    date = f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(2003, 2019)}"
    lines = [f"{council.split(' ')[0]} update {n}: {programme.lower()}", "", date, ""]
    for p in range(paragraphs):
        sentences = (
            [
                f"{council} will lead the {programme} on {theme}, with {other} taking part.",
                f"“We want every resident to benefit,” said {person}, "
                f"{rng.choice(ROLES)} {council}.",
            ]
            if p == 0
            else []
        )
        sentences += rng.sample(FILLER, 6)
        lines += [" ".join(sentences), ""]
    return "\n".join(lines)


def make_corpus(folder: Path, count: int, seed: int = 7, paragraphs: int = 8) -> list[Path]:
    """Write `count` synthetic documents into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paths = []
    for n in range(count):
        path = folder / f"synthetic-{n:05d}.txt"
        path.write_text(make_document(rng, n, paragraphs))
        paths.append(path)
    return paths
