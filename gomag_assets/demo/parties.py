"""Who an order is billed to and where it ships: GoMag's ``billing`` and ``shipping`` blocks.

``shipping`` is the delivery address (GoMag's ``delivery`` block is the method and its charge).
Key order and optional keys follow the published samples: ``zipcode`` only on some shipping
addresses, a ``company`` object and a numeric ``customerId`` only on some billing blocks.
"""

import random
import unicodedata
from typing import Any

from gomag_assets.demo import catalog


def billing(rng: random.Random) -> dict[str, Any]:
    """A buyer: one in ten is a company (B2B); guests have no ``customerId``."""
    block: dict[str, Any] = {}
    if rng.random() < 0.1:
        company = rng.choice(catalog.COMPANIES)
        account = "".join(str(rng.randint(0, 9)) for _ in range(16))
        block["company"] = {
            "name": company.name,
            "code": company.code,
            "registrationNo": company.registration_no,
            "bank": company.bank,
            "iban": company.iban + account,
        }
    block |= _person(rng) | _location(rng)
    block["country"] = "Romania"
    if rng.random() < 0.8:
        block["customerId"] = rng.randint(1000, 99999)
    return block


def shipping(rng: random.Random, bill_to: dict[str, Any]) -> dict[str, Any]:
    """Usually the buyer at the billing address; sometimes another place or another person."""
    company = bill_to.get("company")
    person = {key: bill_to[key] for key in ("firstname", "lastname", "phone", "email")}
    if rng.random() < 0.15:
        person = _person(rng)
    place = {key: bill_to[key] for key in ("address", "city", "region")}
    zipcode = _zipcode(bill_to["city"])
    if rng.random() < 0.2:
        place = _location(rng)
        zipcode = _zipcode(place["city"])
    block = {"company": company["name"] if company else ""} | person | place
    block["country"] = "Romania"
    if rng.random() < 0.7:
        block["zipcode"] = zipcode
    return block


def _person(rng: random.Random) -> dict[str, str]:
    first, last = rng.choice(catalog.FIRST_NAMES), rng.choice(catalog.LAST_NAMES)
    return {
        "firstname": first,
        "lastname": last,
        "phone": "07" + "".join(str(rng.randint(0, 9)) for _ in range(8)),
        "email": f"{_ascii(first)}.{_ascii(last)}{rng.randint(1, 99)}@example.ro",
    }


def _location(rng: random.Random) -> dict[str, str]:
    place = rng.choice(catalog.PLACES)
    return {
        "address": f"{rng.choice(catalog.STREETS)} nr. {rng.randint(1, 120)}",
        "city": place.city,
        "region": place.region,
    }


def _zipcode(city: str) -> str:
    return next(place.zipcode for place in catalog.PLACES if place.city == city)


def _ascii(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.lower())
    return "".join(c for c in decomposed if c.isascii() and c.isalnum())
