"""Tokenizes Japanese text with SudachiPy and its small dictionary, and hashes a password with bcrypt (two Rust extensions)."""

import bcrypt
from sudachipy import Dictionary, SplitMode


def tokenize(text: str) -> list[tuple[str, str, str]]:
    """(surface, part of speech, normalized form) of each morpheme, split mode C."""
    tokenizer = Dictionary(dict="small").create(SplitMode.C)
    return [
        (m.surface(), m.part_of_speech()[0], m.normalized_form()) for m in tokenizer.tokenize(text)
    ]


def password_round_trip(password: bytes) -> dict[str, bool]:
    """bcrypt's hash of `password` (cost 4) verifies it, and only it."""
    hashed = bcrypt.hashpw(password, bcrypt.gensalt(rounds=4))
    return {
        "bcrypt_ok": bcrypt.checkpw(password, hashed),
        "bcrypt_rejects": not bcrypt.checkpw(password + b"!", hashed),
    }


def handler(event, context):
    return {
        "tokens": tokenize(event.get("text", "国家公務員")),
        **password_round_trip(event.get("password", "hunter2").encode()),
    }
