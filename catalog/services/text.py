"""Text as the catalog stores it: one newline convention, whatever a browser's textarea sent."""


def normalised_newlines(text: str) -> str:
    """CRLF and lone CR become LF: an unchanged form sent back by a browser is unchanged."""
    return text.replace("\r\n", "\n").replace("\r", "\n")
