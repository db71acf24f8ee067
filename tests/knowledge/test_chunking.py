"""Passages cover the whole text, respect the size, stay under their heading and overlap."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from alex.knowledge.chunking import chunk_markdown, sections, sentences

WORDS = st.text(alphabet="abcdefghij", min_size=1, max_size=8)
SENTENCE = st.lists(WORDS, min_size=1, max_size=30).map(lambda w: " ".join(w).capitalize() + ".")
BODIES = st.lists(st.lists(SENTENCE, min_size=1, max_size=25), min_size=1, max_size=5)


@settings(max_examples=150, deadline=None)
@given(BODIES, st.integers(40, 200), st.integers(0, 35))
def test_every_sentence_lands_in_a_passage_of_its_own_section(
    bodies: list[list[str]], max_words: int, overlap: int
) -> None:
    parts = [(f"Part {n}", body) for n, body in enumerate(bodies)]
    markdown = "\n\n".join(f"## {h}\n\n" + " ".join(body) for h, body in parts)
    chunks = chunk_markdown(markdown, max_words=max_words, overlap_words=overlap)
    for heading, body in parts:
        text = " ".join(c.text for c in chunks if c.heading == heading)
        for sentence in body:
            assert sentence in text
    longest = max(len(s.split()) for body in bodies for s in body)
    for chunk in chunks:
        # Over the limit only by a sentence too long to share a passage with the overlap.
        assert len(chunk.text.split()) <= max(max_words, overlap + longest)


def test_consecutive_passages_share_their_boundary_sentence() -> None:
    body = " ".join(f"Sentence {i} says something about bonds and rates." for i in range(30))
    chunks = chunk_markdown(f"# Title\n\n{body}", max_words=60, overlap_words=20)
    assert len(chunks) > 2
    for first, second in itertools.pairwise(chunks):
        earlier = sentences(first.text)
        assert earlier[-1] in second.text
        assert sentences(second.text)[0] in earlier[1:]


def test_no_overlap_means_no_repeated_sentence() -> None:
    body = " ".join(f"Sentence {i} is here." for i in range(50))
    chunks = chunk_markdown(body, max_words=30, overlap_words=0)
    joined = [s for c in chunks for s in sentences(c.text)]
    assert joined == sentences(body)


def test_abbreviations_and_list_items_split_sensibly() -> None:
    text = "Funds, e.g. VTI and BND, are cheap. U.S. stocks led.\n\n- first item\n- Second item"
    assert sentences(text) == [
        "Funds, e.g. VTI and BND, are cheap.",
        "U.S. stocks led.",
        "- first item",
        "- Second item",
    ]


def test_sections_follow_headings_and_keep_text_before_the_first() -> None:
    md = "Intro words here.\n# One\nAlpha.\n## Two ##\nBeta.\n### Empty\n"
    assert sections(md) == [("", "Intro words here."), ("One", "Alpha."), ("Two", "Beta.")]
