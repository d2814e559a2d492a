"""The byte-level count of undecodable characters equals its definition, a regular
expression over the text (issue 12 replaced the one by the other)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from govnews.extract.encoding import undecodable_share

_DEFINITION_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


def _by_definition(text: str) -> float:
    return len(_DEFINITION_RE.findall(text)) / len(text) if text else 0.0


@given(st.text(alphabet=st.characters(codec=None, categories=None)))
def test_undecodable_share_matches_its_definition(text: str) -> None:
    assert undecodable_share(text) == _by_definition(text)


@given(st.text(alphabet=st.sampled_from("正文ab \t\n\r\x00\x01\x0b\x0c\x0e\x1f\x7f\x80\ufffd\ud800\U0001f600")))
def test_undecodable_share_on_the_characters_that_matter(text: str) -> None:
    assert undecodable_share(text) == _by_definition(text)
