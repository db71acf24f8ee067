"""User-supplied text placed inside generated Markdown.

Names of instruments, accounts and people come from users (or from a user's broker file): in a
report they must read as the plain text they are, never as a link, an image, emphasis or a
table cell break. Markdown has no quoting construct for inline text, so every character that
CommonMark allows to be backslash-escaped is escaped (CommonMark §2.4: any ASCII punctuation);
line breaks become spaces so a name cannot start a block of its own. No maintained library
offers just this inline escape (markdown-it and mistune parse, they don't quote)."""

from __future__ import annotations

import re

_ASCII_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


def md_text(value: str) -> str:
    """`value` escaped so that Markdown renders it verbatim, on one line."""
    return _ASCII_PUNCTUATION.sub(r"\\\1", _LINE_BREAKS.sub(" ", value))
