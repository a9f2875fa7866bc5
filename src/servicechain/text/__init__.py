"""Offline text analytics for Dutch and English review and comment texts.

Everything here runs on word lists shipped inside the package: nothing is downloaded at
run time. :mod:`.language` tells Dutch from English, :mod:`.sentiment` scores sentences
and texts on -1..1, :mod:`.evaluate` measures both on labelled texts.
"""

from servicechain.text.language import detect_language
from servicechain.text.sentiment import ClauseScore, SentenceScore, TextScore, score_text, sentiment

__all__ = ["ClauseScore", "SentenceScore", "TextScore", "detect_language", "score_text", "sentiment"]
