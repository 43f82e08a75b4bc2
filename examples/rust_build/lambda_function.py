"""Tokenizes Japanese text with SudachiPy (a Rust extension) and its small dictionary."""

from sudachipy import Dictionary, SplitMode


def tokenize(text: str) -> list[tuple[str, str, str]]:
    """(surface, part of speech, normalized form) of each morpheme, split mode C."""
    tokenizer = Dictionary(dict="small").create(SplitMode.C)
    return [
        (m.surface(), m.part_of_speech()[0], m.normalized_form()) for m in tokenizer.tokenize(text)
    ]


def handler(event, context):
    return {"tokens": tokenize(event.get("text", "国家公務員"))}
