"""Questions in plain English, answered from the graph's facts with the quotes that state them.

No language model: a question is matched against the shapes in `shapes.yaml`, the entities it
names are linked through the name index, and the graph's named queries answer it.
"""

from api.ask.answer import answer_question, load_vocabulary
from api.ask.lifetimes import gazetteer_lifetimes
from api.ask.model import AskResult

__all__ = ["AskResult", "answer_question", "prepare"]


def prepare() -> None:
    """Load the question shapes, their words and the organisations' lifetimes now, so that
    no question pays for loading them."""
    load_vocabulary()
    gazetteer_lifetimes()
