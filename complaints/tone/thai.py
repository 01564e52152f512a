"""Thai word boundaries, from PyThaiNLP's `newmm` tokenizer (dictionary shipped in its wheel).

Thai is written without spaces, so a rule phrase may sit inside a longer word: "คุณต้อง"
("you must") is the start of "คุณต้องการ" ("would you like"). Thai rules match only where the
phrase starts and ends on a token boundary. Nothing is downloaded: newmm reads the word list
bundled with the package. PyThaiNLP is imported on first use (it takes about half a second to
build its dictionary trie), so processes that never see Thai never pay for it.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable


@functools.cache
def _tokenizer() -> Callable[[str], list[str]]:
    # We only read what the wheel ships: no data directory in $HOME, no corpus downloads.
    os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")
    from pythainlp.tokenize import word_tokenize

    return functools.partial(word_tokenize, engine="newmm", keep_whitespace=True)


def token_boundaries(text: str) -> frozenset[int]:
    """Offsets in `text` where a word starts or ends (0 and len(text) included)."""
    bounds = {0}
    offset = 0
    tokens = _tokenizer()(text)
    for token in tokens:
        offset += len(token)
        bounds.add(offset)
    if offset != len(text) or "".join(tokens) != text:
        # The tokenizer changed the text (it should not): fall back to every offset, so Thai
        # rules match as plain substrings rather than at wrong places.
        return frozenset(range(len(text) + 1))
    return frozenset(bounds)
