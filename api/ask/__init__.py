"""Questions in plain English, answered from the graph's facts with the quotes that state them.

No language model: a question is matched against the shapes in `shapes.yaml`, the entities it
names are linked through the name index, and the graph's named queries answer it.
"""

from api.ask.answer import answer_question
from api.ask.model import AskResult

__all__ = ["AskResult", "answer_question"]
