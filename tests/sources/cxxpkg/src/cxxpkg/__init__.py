"""Words sorted by C++ (std::sort over std::string), numbers parsed by std::stoi."""

from ._words import parse_int, sort_words

__all__ = ["parse_int", "sort_words"]
