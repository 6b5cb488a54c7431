"""Questions in plain English over the fictional corpus: reading them (shape, entities, time),
the question shapes file, the words of posts, ratings and time, and the answers with quotes."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.ask.answer import answer_question, load_vocabulary
from api.ask.lifetimes import Lifetime, gazetteer_lifetimes
from api.ask.model import TimeWindow
from api.ask.reading import Linker, read_question, tokenise
from api.ask.shapes import read_shapes
from api.ask.words import as_of_window, date_bounds
from api.service import CivicGraph
from api.settings import Settings
from graph.build import build_quads, graph_iri
from graph.errors import BadParameter
from graph.model import Claim, Document, Entity, EntityKind, Extraction, Mention, Predicate
from graph.queries import EntityIndex
from graph.store import OxigraphStore
from ingest.rules import RuleError
from tests import fictional

# A second year of the fictional ratings, so that a scheme has a best and a worst.
RESULTS_2014 = """Clean Streets results for 2014

Riverton Council was awarded three stars in the Clean Streets ratings.
Eastvale District Council was given no stars in the Clean Streets ratings.
Northshire County Council was awarded two stars in the Clean Streets ratings.

Priya Nair, chief executive of Riverton Council, welcomed the result.
"""
RATINGS_2014 = [
    ("Riverton Council was awarded three stars", "council/riv", "three stars"),
    ("Eastvale District Council was given no stars", "council/eas", "no stars"),
    ("Northshire County Council was awarded two stars", "council/nsh", "two stars"),
]
PRIYA = Entity("priya-nair", EntityKind.PERSON, "Priya Nair")


def write_results_2014(store: OxigraphStore) -> None:
    """A document dated 2014 with three ratings and a chief executive."""
    key = "results-2014"
    passages = fictional.split(key, RESULTS_2014)
    document = Document(
        key, f"{key}.txt", "Clean Streets results for 2014", RESULTS_2014, "2014-03-02"
    )
    claims = []

    def claim(quote: str, subject: str, predicate: Predicate, obj: str, **extra) -> None:
        at = RESULTS_2014.index(quote)
        passage = next(p for p in passages if p.start <= at < p.end)
        claims.append(
            Claim(
                subject,
                predicate,
                obj,
                passage.key,
                at,
                at + len(quote),
                quote,
                "test",
                0.9,
                **extra,
            )
        )

    for quote, council, value in RATINGS_2014:
        claim(
            quote,
            council,
            Predicate.RATED,
            "programme/clean-streets-ratings",
            rating=value,
            scheme="Clean Streets ratings",
        )
    for predicate in (Predicate.HEAD_OF, Predicate.HOLDS_POST):
        claim(
            "Priya Nair, chief executive of Riverton Council",
            "person/priya-nair",
            predicate,
            "council/riv",
            role="chief executive",
        )
    entities = (
        *(fictional.BY_REF[r] for r in ("council/riv", "council/eas", "council/nsh")),
        fictional.BY_REF["programme/clean-streets-ratings"],
        PRIYA,
    )
    quads = build_quads(document, passages, Extraction(entities, (), tuple(claims)))
    store.replace_graph(str(graph_iri(key)), quads)


@pytest.fixture
def service(tmp_path: Path):
    store = OxigraphStore(tmp_path / "store" / "graph")
    fictional.write(store)
    write_results_2014(store)
    store.close()
    opened = CivicGraph(Settings(store=tmp_path / "store", model="hash"))
    yield opened
    opened.close()


@pytest.fixture
def index() -> EntityIndex:
    store = OxigraphStore(None)
    fictional.write(store)
    write_results_2014(store)
    names = EntityIndex()
    names.sync(store)
    return names


def read(index: EntityIndex, question: str, lifetimes: dict | None = None):
    """The best reading of a question, and its time window."""
    words = load_vocabulary()
    text, window = words.time.take(question)
    linker = Linker(index, lifetimes or {}, window)
    readings = read_question(text, words.shapes, linker, words.ratings, window)
    return readings[0] if readings else None


# -- reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "shape", "links"),
    [
        ("Who leads the affordable warmth theme?", "leaders", {"thing": "theme/affordable-warmth"}),
        ("who is leading on youth employment", "leaders", {"thing": "theme/youth-employment"}),
        (
            "Which councils have joined the Warm Homes Fund?",
            "participants",
            {"thing": "programme/warm-homes-fund"},
        ),
        ("Who is the leader of Northshire?", "post-holders", {"org": "council/nsh"}),
        ("Who leads Northshire County Council?", "council-leader", {"org": "council/nsh"}),
        ("Who is Riverton's chief executive?", "post-holders", {"org": "council/riv"}),
        ("who chairs the NCA", "chairs", {"org": "body/northern-councils-association"}),
        ("What does Riverton Council lead?", "led-by", {"org": "council/riv"}),
        ("Which bodies is Riverton a member of?", "belongs-to", {"org": "council/riv"}),
        (
            "Who belongs to the Northern Councils Association?",
            "members",
            {"group": "body/northern-councils-association"},
        ),
        ("What posts does Sam Okoro hold?", "posts-of", {"person": "person/sam-okoro"}),
        (
            "Which councils were rated good in the Clean Streets ratings?",
            "rated",
            {"scheme": "programme/clean-streets-ratings"},
        ),
        (
            "Which councils came bottom of the clean streets ratings?",
            "rated",
            {"scheme": "programme/clean-streets-ratings"},
        ),
        (
            "How is Jane Holt connected to Riverton?",
            "connection",
            {"a": "person/jane-holt", "b": "council/riv"},
        ),
        (
            "what links Sam Okoro and the Local Government Network",
            "connection",
            {"a": "person/sam-okoro", "b": "body/local-government-network"},
        ),
        (
            "What is the Northern Councils Association?",
            "describe",
            {"thing": "body/northern-councils-association"},
        ),
        ("Tell me about Pat Lee", "describe", {"thing": "person/pat-lee"}),
        ("Which councils led which themes?", "all-leads", {}),
    ],
)
def test_questions_are_read_as_their_shape_with_their_entities(
    index: EntityIndex, question: str, shape: str, links: dict[str, str]
) -> None:
    reading = read(index, question)
    assert reading is not None and reading.complete
    assert reading.shape.name == shape
    assert {slot: link.entity.ref for slot, link in reading.links.items()} == links


def test_a_kind_word_narrows_the_answers_and_a_post_or_rating_is_kept() -> None:
    index = EntityIndex()
    store = OxigraphStore(None)
    fictional.write(store)
    index.sync(store)
    reading = read(index, "Which districts took part in the Warm Homes Fund?")
    assert reading.kinds == ("council",) and reading.kind_text == "districts"
    reading = read(index, "who is the interim chief executive of the Northern Councils Association")
    assert reading.role == "interim chief executive"
    reading = read(index, "which councils got 3 stars in the clean streets ratings")
    assert reading.rating.value == "three stars"
    # a rating the scales do not hold is no rating: no reading names an entity all through
    unrated = read(index, "which councils were rated splendid in the clean streets ratings")
    assert unrated is None or not unrated.complete


def test_names_are_linked_through_typos_aliases_and_abbreviations(index: EntityIndex) -> None:
    reading = read(index, "Who is the leader of Northshyre County Council?")
    assert reading.links["org"].entity.ref == "council/nsh"
    assert reading.links["org"].score < 100
    assert read(index, "who chairs the nca").links["org"].matched == "NCA"
    assert read(index, "Who leads the warm homes fund?").links["thing"].entity.label == (
        "Warm Homes Fund"
    )


def test_an_ambiguous_name_is_read_one_way_and_the_others_are_kept(index: EntityIndex) -> None:
    reading = read(index, "Who is Chris Evans?")
    link = reading.links["thing"]
    assert {link.entity.ref, *(e.ref for e in link.others)} == {
        "person/chris-evans",
        "person/chris-evans-2",
    }


def test_a_short_name_inside_longer_words_is_no_link(index: EntityIndex) -> None:
    # "NCA" would match inside any words holding those letters; it is not the name asked for
    reading = read(index, "how is Sam Okoro connected to Ancaster Fields?")
    assert not reading.complete
    [unknown] = reading.unknown
    assert unknown.text == "Ancaster Fields"


def test_an_unknown_name_is_reported_with_the_nearest_names(index: EntityIndex) -> None:
    reading = read(index, "Who leads the Warm Hoods Fund?")
    assert reading is not None
    if reading.complete:  # a typo close enough is linked
        assert reading.links["thing"].entity.ref == "programme/warm-homes-fund"
    reading = read(index, "Who is the leader of Northdale Borough?")
    assert not reading.complete
    [unknown] = reading.unknown
    assert unknown.message.startswith("no such entity 'Northdale Borough'; nearest: ")
    assert "Northshire County Council" in unknown.message
    assert not read(index, "Who leads the Frobnitz Quartet?").complete


def test_questions_no_shape_fits_have_no_reading(index: EntityIndex) -> None:
    assert read(index, "How much did the councils spend on road repairs last winter?") is None
    assert read(index, "reducing hospital admissions for older people") is None


@pytest.mark.parametrize(
    ("question", "start", "end", "at", "rest"),
    [
        (
            "Which councils joined the Warm Homes Fund in 2012?",
            "2012-01-01",
            "2012-12-31",
            None,
            "Which councils joined the Warm Homes Fund?",
        ),
        ("who led Riverton before 2013", None, "2012-12-31", None, "who led Riverton"),
        ("who led Riverton after 2012", "2013-01-01", None, None, "who led Riverton"),
        ("who led Riverton since 2013", "2013-01-01", None, None, "who led Riverton"),
        ("who led Riverton as of 2012-06", None, "2012-06-30", "2012-06-30", "who led Riverton"),
        (
            "who led Riverton between 2011 and 2012",
            "2011-01-01",
            "2012-12-31",
            None,
            "who led Riverton",
        ),
    ],
)
def test_time_phrases_are_taken_out_as_a_window(
    question: str, start: str | None, end: str | None, at: str | None, rest: str
) -> None:
    text, window = load_vocabulary().time.take(question)
    assert text == rest
    assert (window.start, window.end, window.at) == (start, end, at)


def test_a_year_in_a_name_limits_the_time(index: EntityIndex) -> None:
    reading = read(index, "which councils were rated good in the 2013 Clean Streets ratings")
    assert reading.links["scheme"].entity.ref == "programme/clean-streets-ratings"
    assert (reading.window.start, reading.window.end) == ("2013-01-01", "2013-12-31")


def test_words_split_possessives_and_keep_their_place() -> None:
    text = "Who is Riverton’s chief executive?"
    tokens = tokenise(text)
    assert [t.word for t in tokens] == ["who", "is", "riverton", "'s", "chief", "executive"]
    assert text[tokens[2].start : tokens[2].end] == "Riverton"


# -- the words of posts, ratings and time -----------------------------------------------------


def test_posts_match_under_their_other_names_and_qualifiers() -> None:
    roles = load_vocabulary().roles
    assert roles.same("chair", "chairman")
    assert roles.same("chair", "interim chairwoman")
    assert roles.same("leader", "council leader")
    assert roles.same("chief executive", "joint chief executive")
    assert roles.same("mayor", "first elected mayor")
    assert not roles.same("leader", "deputy leader")
    assert not roles.same("chair", "vice chair")
    assert not roles.same("mayor", "lord mayor")
    assert roles.any_head("head") and not roles.any_head("director")


def test_a_scheme_s_best_and_worst_sit_at_the_ends_of_its_scale() -> None:
    ratings = load_vocabulary().ratings
    positions = ratings.positions({"no stars", "two stars", "three stars"})
    assert positions["no stars"] == 0 and positions["three stars"] == 0.75
    assert ratings.positions({"inadequate", "good", "outstanding"})["good"] == pytest.approx(2 / 3)
    mixed = ratings.positions({"worst", "poor", "fair", "excellent"})
    assert mixed == {"worst": 0.0, "poor": 0.0, "fair": 0.5, "excellent": 1.0}
    assert ratings.asked("the worst").extreme == "worst"
    assert ratings.asked("zero stars").value == ratings.canonical("No Stars") == "zero stars"
    assert ratings.asked("splendid") is None


def test_dates_years_months_and_days_have_bounds() -> None:
    assert date_bounds("2012") == ("2012-01-01", "2012-12-31")
    assert date_bounds("2012-02") == ("2012-02-01", "2012-02-29")
    assert date_bounds("2013-02-05") == ("2013-02-05", "2013-02-05")
    assert as_of_window("2012").at == "2012-12-31"
    assert as_of_window("2012-02").at == "2012-02-29"
    for bad in ("last year", "2012-13", "2012-02-30", "0000", "2012-06-30"):
        with pytest.raises(BadParameter, match=f"as_of '{bad}' is not a year"):
            as_of_window(bad)


def test_a_lifetime_is_checked_on_a_day_or_over_a_window() -> None:
    ended = Lifetime(None, "2009-03-31")
    assert ended.existed(TimeWindow("as of 2008", None, "2008-12-31", "2008-12-31"))
    assert not ended.existed(TimeWindow("as of 2012", None, "2012-12-31", "2012-12-31"))
    assert ended.existed(TimeWindow("in 2009", "2009-01-01", "2009-12-31"))
    assert not ended.existed(TimeWindow("since 2010", "2010-01-01", None))
    created = Lifetime("2023", None)
    assert not created.existed(TimeWindow("before 2020", None, "2019-12-31"))
    assert created.existed(TimeWindow("as of 2023-06", None, "2023-06-30", "2023-06-30"))


def test_the_gazetteer_dates_the_councils_abolished_in_2009() -> None:
    lifetimes = gazetteer_lifetimes()
    ended = [
        r
        for r, life in lifetimes.items()
        if r.startswith("council/") and life.end and life.end.startswith("2009")
    ]
    assert len(ended) >= 20
    as_of_2012 = as_of_window("2012")
    assert not any(lifetimes[r].existed(as_of_2012) for r in ended)


# -- the shapes file ---------------------------------------------------------------------------


SHAPES = Path(__file__).resolve().parents[2] / "api" / "ask" / "shapes.yaml"


def _shapes_file(tmp_path: Path, shapes: str) -> Path:
    head = SHAPES.read_text().split("\nshapes:\n")[0]
    path = tmp_path / "shapes.yaml"
    path.write_text(f"{head}\nshapes:\n{shapes}")
    return path


def test_the_shipped_shapes_load() -> None:
    shapes = read_shapes()
    names = [s.name for s in shapes.shapes]
    assert {"leaders", "participants", "post-holders", "rated", "connection", "describe"} <= set(
        names
    )


def shape_entry(
    pattern: str = "who leads {thing}",
    slots: str = "{thing: [theme]}",
    answer: str = "{facts: [leads], given: thing, find: subject}",
) -> str:
    """One shape as shapes.yaml writes it, named 'a'."""
    return (
        f'  - name: a\n    says: "x"\n    patterns: ["{pattern}"]\n'
        f"    slots: {slots}\n    answer: {answer}\n"
    )


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        (
            shape_entry(answer="{facts: [leads], given: theeng, find: subject}"),
            "lacks {theeng}, which the answer needs",
        ),
        (
            shape_entry(pattern="who leads {thing} and {other}"),
            "unknown slot {other}; declare it in slots",
        ),
        (shape_entry(pattern="who (leads|led {thing}"), "bracket"),
        (shape_entry(answer="{facts: [leadz], given: thing, find: subject}"), "facts.0"),
        (shape_entry(pattern="who leads"), "lacks {thing}, which the answer needs"),
        (shape_entry(slots="{thing: [planet]}"), "slots.thing.0"),
    ],
)
def test_a_bad_shape_names_the_file_line_and_reason(
    tmp_path: Path, entry: str, reason: str
) -> None:
    path = _shapes_file(tmp_path, entry)
    with pytest.raises(RuleError) as raised:
        read_shapes(path)
    first = path.read_text().splitlines().index("  - name: a") + 1
    assert raised.value.path == path
    assert first <= raised.value.line <= first + 4  # the entry, or the field of it at fault
    assert reason in raised.value.reason


def test_two_shapes_of_one_name_and_bad_yaml_are_refused(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="two shapes are named 'a'"):
        read_shapes(_shapes_file(tmp_path, shape_entry() + shape_entry()))
    with pytest.raises(RuleError, match="not valid YAML"):
        read_shapes(_shapes_file(tmp_path, "  - name: [a\n"))


# -- answers ------------------------------------------------------------------------------------


def test_an_answer_carries_its_facts_and_dated_quotes(service: CivicGraph) -> None:
    result = service.ask("Which councils have joined the Warm Homes Fund?")
    assert result.interpretation.shape == "participants"
    assert [a.entity.ref for a in result.answers] == ["council/eas", "council/riv"]
    for answer in result.answers:
        [evidence] = answer.evidence
        assert (
            evidence.date == "2012-05-01"
            and evidence.title == "Northshire forum sets out its themes"
        )
        assert "have joined the Warm Homes Fund" in evidence.quote
        assert {r.predicate for r in answer.relations} == {"participatesIn"}
    assert result.passages  # always given


def test_a_post_is_answered_from_heads_and_posts_held_once_per_person(service: CivicGraph) -> None:
    [answer] = service.ask("Who is the leader of Northshire?").answers
    assert answer.entity.ref == "person/jane-holt"
    assert {r.predicate for r in answer.relations} == {"headOf", "holdsPost"}
    [answer] = service.ask("who runs Riverton Council").answers
    assert answer.entity.ref == "person/priya-nair"
    assert service.ask("Who is the mayor of Riverton?").answers == ()


def test_best_and_worst_are_the_ends_of_the_ratings_a_scheme_gave(service: CivicGraph) -> None:
    best = service.ask("Which councils did best in the Clean Streets ratings?")
    assert [a.entity.ref for a in best.answers] == ["council/riv"]
    worst = service.ask("which councils came bottom of the clean streets ratings in 2014")
    assert [a.entity.ref for a in worst.answers] == ["council/eas"]
    # in 2013 the scheme gave one rating, which is its best and its worst
    only = service.ask("Which councils were rated worst in the Clean Streets ratings in 2013?")
    assert [a.entity.ref for a in only.answers] == ["council/eas"]
    assert only.answers[0].relations[0].rating == "good"
    valued = service.ask("which councils got zero stars in the clean streets ratings")
    assert [a.entity.ref for a in valued.answers] == ["council/eas"]


def test_time_limits_answers_to_the_documents_of_that_time(service: CivicGraph) -> None:
    rated = "Which councils got three stars in the Clean Streets ratings"
    assert [a.entity.ref for a in service.ask(rated).answers] == ["council/riv"]
    assert service.ask(rated + " before 2014?").answers == ()
    assert service.ask(rated, as_of="2013").answers == ()
    [answer] = service.ask(rated, as_of="2014").answers
    assert [e.date for e in answer.evidence] == ["2014-03-02"]
    result = service.ask("Who leads the Warm Homes Fund in 2013?")
    assert result.answers == () and result.interpretation.time.text == "in 2013"
    assert result.interpretation.message == "no fact in the graph answers this; see the passages"


def test_councils_not_in_existence_then_are_left_out_and_named(service: CivicGraph) -> None:
    lifetimes = {"council/eas": Lifetime(None, "2012-12-31")}
    question = "Which councils have joined the Warm Homes Fund?"
    everyone = answer_question(service, question, lifetimes=lifetimes)
    assert {a.entity.ref for a in everyone.answers} == {"council/eas", "council/riv"}
    in_2012 = answer_question(service, question, as_of="2012", lifetimes=lifetimes)
    assert {a.entity.ref for a in in_2012.answers} == {"council/eas", "council/riv"}
    later = answer_question(service, question, as_of="2014", lifetimes=lifetimes)
    assert [a.entity.ref for a in later.answers] == ["council/riv"]
    [note] = later.interpretation.notes
    assert (
        note
        == "left out, not in existence as of 2014: Eastvale District Council (ended 2012-12-31)"
    )


def test_paths_descriptions_and_lists_carry_evidence(service: CivicGraph) -> None:
    [path, *_] = service.ask("How is Jane Holt connected to Riverton Council?").answers
    assert path.path.nodes[0].ref == "person/jane-holt" and path.path.nodes[-1].ref == "council/riv"
    assert path.evidence and all(e.date for e in path.evidence)
    [card] = service.ask("What is the Northern Councils Association?").answers
    assert card.entity.ref == "body/northern-councils-association"
    assert card.description.facts >= 2 and card.evidence
    leads = service.ask("which councils lead which themes").answers
    assert {(a.relations[0].subject.ref, a.relations[0].object.ref) for a in leads} == {
        ("council/nsh", "theme/affordable-warmth"),
        ("council/nsh", "programme/warm-homes-fund"),
        ("council/riv", "theme/youth-employment"),
    }
    assert all(a.evidence for a in leads)


def test_an_unknown_entity_or_no_shape_still_gives_the_passages(service: CivicGraph) -> None:
    unknown = service.ask("Who leads the Frobnitz Quartet?")
    assert unknown.answers == ()
    assert unknown.interpretation.message.startswith("no such entity 'the Frobnitz Quartet'")
    assert unknown.passages
    nothing = service.ask("How much did the councils spend on the warm homes fund?", k=2)
    assert nothing.interpretation.shape is None and nothing.answers == ()
    assert 1 <= len(nothing.passages) <= 2


def test_an_empty_or_overlong_question_is_refused(service: CivicGraph) -> None:
    with pytest.raises(BadParameter, match="the question is empty"):
        service.ask("   ")
    with pytest.raises(BadParameter, match="longer than 500 characters"):
        service.ask("who leads " + "x" * 600)
    with pytest.raises(BadParameter, match="not a year"):
        service.ask("who leads Riverton?", as_of="soon")


# -- one thing named two ways ------------------------------------------------------------------

LAMPS = """Lamp results

Riverton Council given no stars in first lantern ratings: the Brightway star ratings gave
Eastvale District Council three stars.
"""
LANTERN = Entity("lantern-ratings", EntityKind.PROGRAMME, "lantern ratings")
BRIGHTWAY = Entity("brightway-star-ratings", EntityKind.PROGRAMME, "Brightway star ratings")
MOONBEAM = Entity("moonbeam-star-ratings", EntityKind.PROGRAMME, "Moonbeam star ratings")


def write_lamps(store: OxigraphStore, *, second: bool = False) -> None:
    """A document whose headline names a scheme one way ("lantern ratings", with no facts)
    and whose body another ("Brightway star ratings", with the ratings); with `second`, a
    second such scheme with a rating of its own in the same passage."""
    text = LAMPS
    if second:
        text = text.replace(
            "three stars.",
            "three stars, and Moonbeam star ratings gave Northshire County Council one star.",
        )
    key = "lamps"
    passages = fictional.split(key, text)
    [_, passage] = passages
    entities = [LANTERN, BRIGHTWAY, *(fictional.BY_REF[r] for r in ("council/riv", "council/eas"))]
    if second:
        entities += [MOONBEAM, fictional.BY_REF["council/nsh"]]
    mentions = []
    for entity in entities:
        at = text.index(entity.label)
        mentions.append(
            Mention(passage.key, at, at + len(entity.label), entity.label, entity.kind, entity.ref)
        )
    ratings = [
        ("Riverton Council given no stars", "council/riv", BRIGHTWAY, "zero stars"),
        (
            "Brightway star ratings gave\nEastvale District Council three stars",
            "council/eas",
            BRIGHTWAY,
            "three stars",
        ),
    ]
    if second:
        ratings.append(
            (
                "Moonbeam star ratings gave Northshire County Council one star",
                "council/nsh",
                MOONBEAM,
                "one star",
            )
        )
    claims = []
    for quote, council, scheme, value in ratings:
        at = text.index(quote)
        claims.append(
            Claim(
                council,
                Predicate.RATED,
                scheme.ref,
                passage.key,
                at,
                at + len(quote),
                quote,
                "test",
                0.9,
                rating=value,
                scheme=scheme.label,
            )
        )
    document = Document(key, f"{key}.txt", "Lamp results", text, "2015-04-01")
    quads = build_quads(
        document, passages, Extraction(tuple(entities), tuple(mentions), tuple(claims))
    )
    store.replace_graph(str(graph_iri(key)), quads)


def lamps_service(tmp_path: Path, *, second: bool = False) -> CivicGraph:
    store = OxigraphStore(tmp_path / "store" / "graph")
    fictional.write(store)
    write_lamps(store, second=second)
    store.close()
    return CivicGraph(Settings(store=tmp_path / "store", model="hash"))


def test_a_name_without_facts_is_answered_from_the_one_its_passage_names_two_ways(
    tmp_path: Path,
) -> None:
    service = lamps_service(tmp_path)
    try:
        result = service.ask("Which councils were rated worst in the lantern star ratings?")
        [link] = result.interpretation.entities
        assert link.entity.ref == LANTERN.ref  # the name the question's words match best
        assert [a.entity.ref for a in result.answers] == ["council/riv"]
        assert result.answers[0].relations[0].object.ref == BRIGHTWAY.ref
        assert result.answers[0].evidence
        [note] = [n for n in result.interpretation.notes if "holds no such facts" in n]
        assert LANTERN.label in note and BRIGHTWAY.label in note
        # the question's words all in the name it matched: nothing to stand in for it
        exact = service.ask("Which councils were rated worst in the lantern ratings?")
        assert exact.answers == ()
    finally:
        service.close()


def test_no_name_stands_in_when_two_could(tmp_path: Path) -> None:
    service = lamps_service(tmp_path, second=True)
    try:
        result = service.ask("Which councils were rated worst in the lantern star ratings?")
        assert result.interpretation.entities[0].entity.ref == LANTERN.ref
        assert result.answers == ()
        assert not any("holds no such facts" in n for n in result.interpretation.notes)
    finally:
        service.close()
