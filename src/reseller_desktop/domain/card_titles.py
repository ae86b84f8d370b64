"""What a listing made from cards says: its title (at most 80 characters), description and condition.

A title is built from the card's parts in the order buyers search for them ("2018 Topps Chrome #150
Shohei Ohtani RC PSA 10"). When it is too long, the least important parts are left out first, one
whole part at a time, so no word is ever cut; the card's name is never left out. A part already said
by another part (the brand inside the set name, the year inside the name) is said once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Protocol, TypeVar

from reseller_desktop.domain.vocabulary import TITLE_MAX_CHARS

ELLIPSIS: Final = "…"
ENGLISH: Final = frozenset({"english", "en", "eng"})


class Graded(Protocol):
    @property
    def grading_company(self) -> str | None: ...
    @property
    def grading_score(self) -> float | None: ...


class CardFacts(Graded, Protocol):
    """The card fields a listing is made from (a CardRecord has them all)."""

    @property
    def card_type(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def card_number(self) -> str | None: ...
    @property
    def quantity(self) -> int | None: ...
    @property
    def game_name(self) -> str | None: ...
    @property
    def set_name(self) -> str | None: ...
    @property
    def set_code(self) -> str | None: ...
    @property
    def rarity(self) -> str | None: ...
    @property
    def card_subtype(self) -> str | None: ...
    @property
    def sport(self) -> str | None: ...
    @property
    def year(self) -> int | None: ...
    @property
    def brand(self) -> str | None: ...
    @property
    def series(self) -> str | None: ...
    @property
    def player_name(self) -> str | None: ...
    @property
    def team(self) -> str | None: ...
    @property
    def is_rookie_card(self) -> bool | None: ...
    @property
    def parallel_color(self) -> str | None: ...
    @property
    def insert_series(self) -> str | None: ...
    @property
    def grading_serial(self) -> str | None: ...
    @property
    def estimated_value(self) -> Decimal | None: ...
    @property
    def card_condition(self) -> str | None: ...
    @property
    def language(self) -> str | None: ...


C = TypeVar("C", bound=CardFacts)


@dataclass(frozen=True)
class _Part:
    text: str
    keep: int  # higher is kept longer; the subject (the card's name) is never dropped


SUBJECT: Final = 100


def _clean(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def subject(card: CardFacts) -> str:
    """Who or what the card shows: the player of a sports card, else the card's name."""
    if card.card_type == "sports" and _clean(card.player_name):
        return _clean(card.player_name)
    return _clean(card.title)


def grade_text(card: Graded) -> str:
    company = _clean(card.grading_company)
    if card.grading_score is None:
        return company
    score = f"{card.grading_score:g}"
    return f"{company} {score}" if company else f"Graded {score}"


def number_text(card: CardFacts) -> str:
    number = _clean(card.card_number).lstrip("#")
    if not number:
        return ""
    return number if "/" in number else f"#{number}"


def _sports_parts(card: CardFacts) -> list[_Part]:
    set_text = _clean(card.set_name) or _clean(card.series)
    series = _clean(card.series) if _clean(card.set_name) else ""
    return [
        _Part(_clean(card.year), 60),
        _Part(_clean(card.brand), 40),
        _Part(set_text, 50),
        _Part(series, 10),
        _Part(_clean(card.insert_series), 20),
        _Part(number_text(card), 45),
        _Part(subject(card), SUBJECT),
        _Part(_clean(card.team), 5),
        _Part(_clean(card.parallel_color), 30),
        _Part("RC" if card.is_rookie_card else "", 70),
        _Part(grade_text(card), 90),
    ]


def _tcg_parts(card: CardFacts) -> list[_Part]:
    language = _clean(card.language)
    return [
        _Part(_clean(card.game_name), 30),
        _Part(subject(card), SUBJECT),
        _Part(_clean(card.set_name) or _clean(card.set_code), 60),
        _Part(number_text(card), 50),
        _Part(_clean(card.rarity), 10),
        _Part(_clean(card.card_subtype), 40),
        _Part("" if language.lower() in ENGLISH else language, 70),
        _Part(grade_text(card), 90),
    ]


def _said_elsewhere(part: _Part, others: Sequence[_Part]) -> bool:
    words = part.text.lower().split()
    for other in others:
        if other is part or len(other.text) < len(part.text):
            continue
        if other.text.lower() == part.text.lower() and other.keep <= part.keep:
            continue  # the same words twice: the more important part says them
        other_words = other.text.lower().split()
        if any(other_words[i : i + len(words)] == words for i in range(len(other_words) - len(words) + 1)):
            return True
    return False


def fit_words(text: str, limit: int = TITLE_MAX_CHARS) -> str:
    """The text, or as many of its first whole words as fit. Only a first word longer than the
    limit itself is cut, since there is no shorter whole word to give."""
    text = _clean(text)
    if len(text) <= limit:
        return text
    kept = ""
    for word in text.split():
        candidate = f"{kept} {word}" if kept else word
        if len(candidate) > limit:
            break
        kept = candidate
    return kept or text[:limit]


def card_listing_title(card: CardFacts, limit: int = TITLE_MAX_CHARS) -> str:
    parts = [p for p in (_sports_parts(card) if card.card_type == "sports" else _tcg_parts(card)) if p.text]
    parts = [p for p in parts if p.keep == SUBJECT or not _said_elsewhere(p, parts)]
    for drop in sorted((p for p in parts if p.keep != SUBJECT), key=lambda p: p.keep):
        if len(" ".join(p.text for p in parts)) <= limit:
            break
        parts.remove(drop)
    return fit_words(" ".join(p.text for p in parts), limit)


def _kind_of(cards: Sequence[CardFacts]) -> str:
    games = {_clean(c.game_name) for c in cards if c.card_type == "tcg"}
    sports = {_clean(c.sport) for c in cards if c.card_type == "sports"}
    if len(games) == 1 and not sports and "" not in games:
        return f"{games.pop()} cards"
    if len(sports) == 1 and not games and "" not in sports:
        return f"{sports.pop().title()} cards"
    return "trading cards"


def card_count(cards: Sequence[CardFacts]) -> int:
    """Physical cards in a lot: each card row counts its quantity (at least one)."""
    return sum(max(c.quantity or 0, 1) for c in cards)


def by_value(cards: Sequence[C]) -> list[C]:
    """Most valuable first (unvalued last), the order a lot names its cards in."""
    return sorted(cards, key=lambda c: -(c.estimated_value if c.estimated_value is not None else Decimal(-1)))


def lot_title(cards: Sequence[CardFacts], limit: int = TITLE_MAX_CHARS) -> str:
    """ "Lot of 12 Pokémon cards: Charizard, Pikachu, …": the most valuable names that fit, whole."""
    base = f"Lot of {card_count(cards)} {_kind_of(cards)}"
    if len(base) > limit:
        return fit_words(base, limit)
    names = list(dict.fromkeys(name for name in (subject(c) for c in by_value(cards)) if name))
    shown: list[str] = []
    for position, name in enumerate(names):
        more = position + 1 < len(names)
        candidate = f"{base}: {', '.join([*shown, name])}" + (f", {ELLIPSIS}" if more else "")
        if len(candidate) > limit:
            break
        shown.append(name)
    if not shown:
        return base
    omitted = len(shown) < len(names)
    return f"{base}: {', '.join(shown)}" + (f", {ELLIPSIS}" if omitted else "")


def card_details(card: CardFacts) -> list[str]:
    """The card's facts as "Label: value" lines, for a listing description."""
    number = _clean(card.card_number)
    pairs: list[tuple[str, object]]
    if card.card_type == "sports":
        name = _clean(card.title)
        pairs = [
            ("Card", "" if name == subject(card) else name),
            ("Player", _clean(card.player_name)),
            ("Team", _clean(card.team)),
            ("Sport", _clean(card.sport).title()),
            ("Year", _clean(card.year)),
            ("Brand", _clean(card.brand)),
            ("Set", _clean(card.set_name)),
            ("Series", _clean(card.series)),
            ("Number", number),
            ("Insert", _clean(card.insert_series)),
            ("Parallel", _clean(card.parallel_color)),
            ("Rookie card", "Yes" if card.is_rookie_card else ""),
        ]
    else:
        set_code = f" ({_clean(card.set_code)})" if _clean(card.set_code) and _clean(card.set_name) else ""
        pairs = [
            ("Card", _clean(card.title)),
            ("Game", _clean(card.game_name)),
            ("Set", (_clean(card.set_name) or _clean(card.set_code)) + set_code),
            ("Number", number),
            ("Rarity", _clean(card.rarity)),
            ("Finish", _clean(card.card_subtype)),
            ("Language", _clean(card.language)),
        ]
    grade = grade_text(card)
    if grade and _clean(card.grading_serial):
        grade += f" (certificate {_clean(card.grading_serial)})"
    pairs += [("Grade", grade), ("Condition", _clean(card.card_condition))]
    return [f"{label}: {value}" for label, value in pairs if value]


def card_description(card: CardFacts) -> str:
    return "\n".join(card_details(card))


def lot_description(cards: Sequence[CardFacts]) -> str:
    """Every card of the lot on its own line, most valuable first."""
    lines = [f"Lot of {card_count(cards)} {_kind_of(cards)}:", ""]
    for card in by_value(cards):
        quantity = max(card.quantity or 0, 1)
        line = f"- {card_listing_title(card, limit=200)}"
        if _clean(card.card_condition):
            line += f" ({_clean(card.card_condition)})"
        lines.append(line + (f" ×{quantity}" if quantity > 1 else ""))
    return "\n".join(lines)


# The listing conditions (vocabulary.CONDITIONS) that card grading words mean, by the word with
# everything but letters and digits taken out ("NM-MT" → "nmmt").
_CONDITION_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "new": ("gemmint", "gem", "gm", "mint", "m", "mt", "sealed", "new", "brandnew", "pristine"),
    "like_new": ("nearmint", "nm", "nmmt", "nmm", "nearmintmint", "nearmintorbetter", "likenew"),
    "excellent": ("lightlyplayed", "lp", "excellent", "ex", "exmt", "excellentmint", "slightlyplayed", "sp"),
    "good": ("moderatelyplayed", "mp", "good", "gd", "verygood", "vg", "vgex", "played", "pl"),
    "fair": ("heavilyplayed", "hp", "fair", "fr"),
    "poor": ("damaged", "dmg", "poor", "pr"),
}
_CONDITION_OF: Final = {word: condition for condition, words in _CONDITION_WORDS.items() for word in words}


def listing_condition(card_condition: str | None) -> str | None:
    """The listing condition a card's condition ("Near Mint", "NM", "LP"...) means; None if unknown."""
    if not card_condition:
        return None
    return _CONDITION_OF.get("".join(ch for ch in card_condition.lower() if ch.isalnum()))
