"""Numbers in the words an operator reads: plurals that agree, shares as percentages."""


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` with its noun in the right number: "1 page", "2 pages", "1 new MALFORMED
    order"; ``plural`` for nouns that do not just take an s ("retry", "retries")."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def percent(share: float) -> str:
    """A share of 0..1 as an operator reads it: 0.0277… -> "2.8%"."""
    return f"{share:.1%}"
