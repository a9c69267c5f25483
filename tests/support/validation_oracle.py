"""A reference judge of landed GoMag orders, written apart from ``gomag_assets.validation``.

The validation property tests and the hostile-input tests hold the real verdicts to this one, so
they check whether a verdict is right, not only that every order got one. It reads one payload
with ``json.loads`` and plain Python and goes down the rules of docs/CONTRACTS.md §4 and the
docstrings of ``gomag_assets/validation/schemas`` as a checklist, naming every field that breaks
one as GoMag spells it (``date``, ``items[2].quantity``, ``discounts[0].value``,
``billing.company.name``). It is slow and plain on purpose: one order, one field at a time.

Where the documents leave a point open it follows the decision the code states: the status name
is never judged (one that is not text reads as None), the payload's ``id`` is not read (the
landing key is the order's id), and ISO 8601 is what ``datetime.fromisoformat`` reads.
"""

import json
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Decimal, localcontext
from zoneinfo import ZoneInfo

from gomag_assets.constants import DEFAULT_CANCELLED_STATUSES, SYNTHETIC_ID_PREFIX

EARLIEST_ORDER_DATE = datetime(2000, 1, 1)
FUTURE_TOLERANCE = timedelta(days=2)
CENT = Decimal("0.01")
NOT_SET = {"0", "0000-00-00", "0000-00-00 00:00:00"}
"""GoMag's "not set" (no invoice number, no date yet): an optional value that was not sent."""
DIGITS = set("0123456789")
CAPITALS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")

OPTIONAL_ORDER_TEXTS = ["statusId", "source", "sales_channel", "sales_agent", "observation"]
OPTIONAL_BLOCK_TEXTS = ["payment.name", "delivery.name", "delivery.lockerId", "carrier.name"]
OPTIONAL_BLOCK_TEXTS += ["carrier.awb", "invoice.series", "invoice.number", "billing.customerId"]
ADDRESS_TEXTS = ["firstname", "lastname", "phone", "email", "address", "city", "region"]
ADDRESS_TEXTS += ["country", "zipcode"]
COMPANY_TEXTS = ["name", "code", "registrationNo", "bank", "iban"]


class Number(str):
    """A JSON number, kept as its source text (``249.90`` stays ``"249.90"``)."""


UNREADABLE = object()
"""A value that was sent but cannot be read as its kind."""


@dataclass(frozen=True)
class Judgement:
    """What the reference judge says of one landed order; the values are those of VALID orders."""

    verdict: str
    blamed: frozenset[str]
    total: str | None = None
    items_total: str | None = None
    discount_total: str | None = None
    totals_match: bool | None = None
    is_cancelled: bool | None = None
    nothing_to_import: bool | None = None


class Checklist:
    """The fields blamed so far; each check gives back the value it looked at."""

    def __init__(self) -> None:
        self.blamed: set[str] = set()

    def blame(self, path: str) -> None:
        self.blamed.add(path)

    def required(self, path: str, value: object) -> object:
        """A value that must be sent, and readable."""
        if value is None or value is UNREADABLE:
            self.blame(path)
        return value

    def optional(self, path: str, value: object) -> object:
        """A value that may be left out, but must be readable when sent."""
        if value is UNREADABLE:
            self.blame(path)
        return value

    def rule(self, path: str, value: object, holds: Callable[[object], bool]) -> None:
        """A rule on a value that was read (an absent or unreadable one is judged above)."""
        if value is not None and value is not UNREADABLE and not holds(value):
            self.blame(path)


def judge_landing(
    landing: Iterable[tuple[str, str]],
    *,
    now: datetime,
    timezone: str = "Europe/Bucharest",
    cancelled_statuses: Iterable[str] = DEFAULT_CANCELLED_STATUSES,
) -> list[Judgement]:
    """A judgement per ``(order_id, payload_text)``, as ``validate_orders`` takes them; ``now``
    is the run's clock (naive: shop-local)."""
    landing = list(landing)
    zone = ZoneInfo(timezone)
    if now.tzinfo is not None:
        now = now.astimezone(zone).replace(tzinfo=None)
    cancelled = {plain_name(name) for name in cancelled_statuses}
    times_met = Counter(order_id for order_id, _ in landing)
    judgements = []
    for order_id, text in landing:
        try:
            order = json.loads(text, parse_int=Number, parse_float=Number, parse_constant=Number)
        except (ValueError, RecursionError):
            order = None
        if not isinstance(order, dict):  # not JSON, or not an object: nothing else is judged
            judgements.append(Judgement("MALFORMED", frozenset({"payload"})))
            continue
        check = Checklist()
        if order_id == "" or order_id.startswith(SYNTHETIC_ID_PREFIX) or times_met[order_id] > 1:
            check.blame("id")  # the landing key: a real id, met once in the landing
        total = check_order_fields(check, order, now, zone)
        delivery_total = check_blocks(check, order, zone)
        bought = check_item_lines(check, order.get("items"))
        taken_off = check_discount_lines(check, order.get("discounts"))
        if check.blamed:
            judgements.append(Judgement("MALFORMED", frozenset(check.blamed)))
        else:
            status = order.get("status")
            is_cancelled = isinstance(status, str) and plain_name(status) in cancelled
            judgements.append(valid(total, delivery_total, bought, taken_off, is_cancelled))
    return judgements


def check_order_fields(check: Checklist, order: dict, now: datetime, zone: ZoneInfo) -> object:
    """The order's own fields; returns its total. The status name is never judged."""
    check.required("number", text_of(order.get("number")))
    date = check.required("date", shop_local_time(order.get("date"), zone))
    check.rule("date", date, lambda date: EARLIEST_ORDER_DATE <= date <= now + FUTURE_TOLERANCE)
    currency = check.required("currency", text_of(order.get("currency")))
    check.rule("currency", currency, lambda code: len(code) == 3 and set(code) <= CAPITALS)
    for field in OPTIONAL_ORDER_TEXTS:
        check.optional(field, text_of(order.get(field)))
    return check.required("total", number(order.get("total")))


def check_blocks(check: Checklist, order: dict, zone: ZoneInfo) -> object:
    """The blocks, each an object or absent (PHP sends an empty one as [] or ""), their fields
    and the addresses; returns the delivery charge."""
    blocks = {}
    for name in ["invoice", "payment", "delivery", "carrier", "billing", "shipping"]:
        block = order.get(name)
        if isinstance(block, dict):
            blocks[name] = block
        elif not (block is None or block == [] or is_blank(block)):
            check.blame(name)

    def field(path: str) -> object:
        block, _, key = path.partition(".")
        return blocks.get(block, {}).get(key)

    for path in OPTIONAL_BLOCK_TEXTS:
        check.optional(path, text_of(field(path)))
    for path in ["payment.online", "payment.completed"]:
        check.optional(path, flag(field(path)))
    for path in ["delivery.date", "invoice.date"]:  # no range: only readable
        check.optional(path, shop_local_time(field(path), zone))
    for kind in ["billing", "shipping"]:
        address = blocks.get(kind, {})
        for key in ADDRESS_TEXTS:
            check.optional(f"{kind}.{key}", text_of(address.get(key)))
        company = address.get("company")  # billing's is an object of text for a firm
        if kind == "billing" and isinstance(company, dict):
            for key in COMPANY_TEXTS:
                check.optional(f"billing.company.{key}", text_of(company.get(key)))
        elif company != []:
            check.optional(f"{kind}.company", text_of(company))
    charge = check.optional("delivery.total", number(field("delivery.total")))
    check.rule("delivery.total", charge, lambda charge: charge >= 0)
    return charge


def check_item_lines(check: Checklist, items: object) -> list[tuple[bool, object, object]]:
    """At least one item line, each an object; returns (is a service, price, quantity) each."""
    lines = lines_of(items)
    if not lines:
        check.blame("items")
    bought = []
    for position, line in enumerate(lines or []):
        where = f"items[{position}]"
        if not isinstance(line, dict):
            check.blame(where)
            continue
        kind = line.get("type")
        is_service = isinstance(kind, str) and plain_name(kind) == "service"
        if is_service:  # a service line needs no SKU
            check.optional(f"{where}.sku", text_of(line.get("sku")))
        else:
            check.required(f"{where}.sku", text_of(line.get("sku")))
        check.required(f"{where}.name", verbatim(line.get("name")))
        quantity = check.required(f"{where}.quantity", number(line.get("quantity")))
        check.rule(f"{where}.quantity", quantity, lambda quantity: quantity > 0)
        price = check.required(f"{where}.price", number(line.get("price")))
        check.rule(f"{where}.price", price, lambda price: price >= 0)
        vat = check.required(f"{where}.vat", number(line.get("vat")))
        check.rule(f"{where}.vat", vat, lambda vat: 0 <= vat <= 100)
        check.optional(f"{where}.id", text_of(line.get("id")))
        check.optional(f"{where}.ean", text_of(line.get("ean")))
        check.optional(f"{where}.baseprice", number(line.get("baseprice")))
        bought.append((is_service, price, quantity))
    return bought


def check_discount_lines(check: Checklist, discounts: object) -> list[object]:
    """No discount lines, or objects each taking a value off the total; returns the values."""
    lines = lines_of(discounts)
    if lines is None and not (discounts is None or is_blank(discounts)):
        check.blame("discounts")
    taken_off = []
    for position, line in enumerate(lines or []):
        where = f"discounts[{position}]"
        if not isinstance(line, dict):
            check.blame(where)
            continue
        value = check.required(f"{where}.value", number(line.get("value")))
        check.rule(f"{where}.value", value, lambda value: value >= 0)
        check.optional(f"{where}.name", text_of(line.get("name")))
        check.optional(f"{where}.voucher", text_of(line.get("voucher")))
        taken_off.append(value)
    return taken_off


def valid(
    total: Decimal,
    delivery_total: Decimal | None,
    bought: list[tuple[bool, Decimal, Decimal]],
    taken_off: list[Decimal],
    is_cancelled: bool,
) -> Judgement:
    """A VALID order's money, added up exactly: total = Σ price × quantity − Σ discounts +
    delivery (0 when not sent), to the cent."""
    with localcontext(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN):
        items_total = sum((price * quantity for _, price, quantity in bought), Decimal(0))
        discount_total = sum(taken_off, Decimal(0))
        expected = items_total - discount_total + (delivery_total or Decimal(0))
        totals_match = abs(total - expected) < CENT
    return Judgement(
        "VALID",
        frozenset(),
        total=canonical(total),
        items_total=canonical(items_total),
        discount_total=canonical(discount_total),
        totals_match=totals_match,
        is_cancelled=is_cancelled,
        nothing_to_import=all(is_service for is_service, _, _ in bought),
    )


def is_blank(value: object) -> bool:
    return isinstance(value, str) and value.strip() == ""


def not_sent(value: object) -> bool:
    """Absent, blank, or GoMag's "not set"."""
    return value is None or is_blank(value) or (isinstance(value, str) and value in NOT_SET)


def storable(text: str) -> bool:
    """Whether ``text`` encodes as UTF-8 (JSON allows a lone surrogate, "\\ud800"; UTF-8 not)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def text_of(value: object) -> object:
    """Text (a JSON number as its source text); blank is None."""
    if value is None:
        return None
    if not isinstance(value, str) or not storable(value):
        return UNREADABLE
    return None if is_blank(value) else value


def verbatim(value: object) -> object:
    """Text as sent, blanks included."""
    if value is None:
        return None
    return value if isinstance(value, str) and storable(value) else UNREADABLE


def number(value: object) -> object:
    """A plain decimal number: optional minus, digits, and at most one separator (``.``, or
    ``,`` when there is no dot) followed by digits; no exponent, plus, spaces or NaN."""
    if isinstance(value, str):
        whole, point, fraction = value.removeprefix("-").replace(",", ".", 1).partition(".")
        if is_digits(whole) and (is_digits(fraction) or not point):
            return Decimal(value.replace(",", "."))
    return None if not_sent(value) else UNREADABLE


def is_digits(text: str) -> bool:
    return text != "" and set(text) <= DIGITS


def flag(value: object) -> object:
    """True or False, sent as "1"/"0", 1/0 or true/false."""
    if isinstance(value, bool):
        return value
    if value in ("0", "1"):
        return value == "1"
    return None if not_sent(value) else UNREADABLE


def shop_local_time(value: object, zone: ZoneInfo) -> object:
    """``YYYY-MM-DD HH:MM:SS`` or ISO 8601, as shop-local time to the second; a JSON number is
    not a date."""
    if isinstance(value, str) and not isinstance(value, Number):
        try:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is not None:
                moment = moment.astimezone(zone).replace(tzinfo=None)
            return moment.replace(microsecond=0)
        except (ValueError, OverflowError):
            pass
    return None if not_sent(value) else UNREADABLE


def lines_of(container: object) -> list | None:
    """The lines of a list, or of an object keyed "0", "1", ...; None for anything else."""
    if isinstance(container, dict):
        return list(container.values())
    return container if isinstance(container, list) else None


def plain_name(name: str) -> str:
    """A name without case, diacritics or surrounding space: "ANULATĂ " reads "anulata"."""
    letters = unicodedata.normalize("NFKD", name.strip())
    return "".join(char for char in letters if not unicodedata.combining(char)).casefold()


def canonical(amount: Decimal) -> str:
    """Exact decimal text without trailing fractional zeros or a negative zero."""
    text = format(amount, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
