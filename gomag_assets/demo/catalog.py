"""What the demo shop sells, who buys it and how it ships: Romanian names, places and products.

Diacritics (ă â î ș ț) are deliberate: they prove the pipeline keeps UTF-8 text intact.
"""

import datetime
from decimal import Decimal
from typing import NamedTuple


class Product(NamedTuple):
    id: str
    """GoMag's product id; a service line carries ``"0"``."""
    sku: str
    ean: str
    name: str
    price: Decimal


class Place(NamedTuple):
    city: str
    region: str
    zipcode: str


class Company(NamedTuple):
    name: str
    code: str
    registration_no: str
    bank: str
    iban: str


class Delivery(NamedTuple):
    name: str
    charge: Decimal
    carrier: str
    """The courier that carries the parcel (its name on the AWB)."""
    locker: bool = False


class Payment(NamedTuple):
    name: str
    online: bool


class Status(NamedTuple):
    id: str
    name: str


FIRST_NAMES = (
    "Ștefan",
    "Ioana",
    "Andrei",
    "Cătălina",
    "Mihai",
    "Alexandra",
    "Bogdan",
    "Ilinca",
    "Răzvan",
    "Mădălina",
    "Tudor",
    "Oana",
    "Călin",
    "Ana-Maria",
    "Gheorghe",
    "Irina",
)

LAST_NAMES = (
    "Bălan",
    "Popescu",
    "Ionescu",
    "Țăranu",
    "Stănescu",
    "Dumitrașcu",
    "Mureșan",
    "Păun",
    "Căpraru",
    "Rădulescu",
    "Vâlcu",
    "Ștefănescu",
    "Neagu",
    "Constantinescu",
)

STREETS = (
    "Str. Mihai Eminescu",
    "Bd. Ștefan cel Mare",
    "Str. Avram Iancu",
    "Calea Moșilor",
    "Str. Mărășești",
    "Aleea Trandafirilor",
    "Str. Zorilor",
    "Bd. Independenței",
    "Str. Școlii",
    "Str. Țesătorilor",
    "Calea Victoriei",
    "Str. Lalelor",
)

PLACES = (
    Place("București", "București", "030167"),
    Place("Iași", "Iași", "700259"),
    Place("Cluj-Napoca", "Cluj", "400001"),
    Place("Timișoara", "Timiș", "300006"),
    Place("Brașov", "Brașov", "500001"),
    Place("Constanța", "Constanța", "900178"),
    Place("Târgu Mureș", "Mureș", "540052"),
    Place("Pitești", "Argeș", "110014"),
    Place("Bacău", "Bacău", "600004"),
    Place("Râmnicu Vâlcea", "Vâlcea", "240124"),
    Place("Suceava", "Suceava", "720004"),
    Place("Galați", "Galați", "800008"),
)

COMPANIES = (
    Company("SC Livada Verde SRL", "RO18523011", "J22/1104/2006", "Banca Transilvania", "RO09BTRL"),
    Company("Atelier Creativ SRL", "RO31245870", "J12/2231/2013", "ING Bank", "RO66INGB"),
    Company("Mobila Bârsei SA", "RO4521399", "J08/77/1991", "BRD", "RO27BRDE"),
)
"""B2B buyers; an IBAN is completed per order from these bank prefixes."""

PRODUCTS = (
    Product("1288", "TRC-001", "5940000000017", "Tricou bărbați", Decimal("49.95")),
    Product("1289", "TRC-002", "5940000000024", "Tricou damă", Decimal("54.9")),
    Product("1301", "HAN-010", "", "Hanorac cu glugă", Decimal("149")),
    Product("1310", "BLG-020", "5940000000109", "Blugi slim", Decimal("189.9")),
    Product("1322", "CMS-030", "", "Cămașă din in", Decimal("129.5")),
    Product("1340", "ROC-040", "5940000000208", "Rochie de vară", Decimal("159.99")),
    Product("1355", "PTF-050", "5940000000307", "Pantofi sport", Decimal("249")),
    Product("1361", "SOS-060", "", "Șosete bumbac (3 perechi)", Decimal("29.9")),
    Product("1377", "GEC-070", "5940000000505", "Geacă impermeabilă", Decimal("299")),
    Product("1380", "CCL-080", "", "Căciulă tricotată", Decimal("39.9")),
    Product("1392", "FUL-090", "5940000000703", "Fular din lână", Decimal("59")),
    Product("1404", "RUC-100", "5940000000802", "Rucsac urban", Decimal("119")),
    Product("1415", "CUR-110", "", "Curea din piele", Decimal("79.9")),
    Product("1423", "PIJ-120", "5940000001007", "Pijama flanel", Decimal("99")),
    Product("1436", "MAN-130", "", "Mănuși touchscreen", Decimal("35.5")),
)

SERVICES = (
    Product("0", "", "", "Taxa ramburs", Decimal("5")),
    Product("0", "", "", "Ambalare cadou", Decimal("7.5")),
)

DELIVERIES = (
    Delivery("Curier rapid", Decimal("19.9"), "Fan Courier"),
    Delivery("Transport National", Decimal("15"), "Cargus"),
    Delivery("Sameday", Decimal("17.5"), "Sameday"),
    Delivery("Easybox", Decimal("9.99"), "Sameday", locker=True),
    Delivery("Ridicare personală", Decimal("0"), ""),
)
FREE_DELIVERY_FROM = Decimal("250")

PAYMENTS = (
    Payment("Plata ramburs", online=False),
    Payment("Card online", online=True),
    Payment("Transfer bancar", online=False),
    Payment("Termen de Plata", online=False),
)

DISCOUNTS = (
    ("Reducere fidelitate", ""),
    ("Reducere newsletter", "NEWS10"),
    ("Black Friday", "BF2025"),
    ("Scoala 10", ""),
)
"""(name, voucher code); a blank code is a shop discount, not a voucher."""

SALES_CHANNELS = ("Website", "Website", "Website", "EasySales", "Emag")
SALES_AGENTS = ("Agent De Test", "Cristina Vlad")
OBSERVATIONS = ("Livrare după ora 17", "Sunați înainte de livrare", "Cadou, fără factură în colet")

NEW = Status("1", "Comanda noua")
PROCESSING = Status("2", "In curs de procesare")
FINISHED = Status("3", "Comanda Finalizata (Facturata)")
SHIPPED = Status("5", "Expediata")
CANCELLED = Status("7", "Anulata")
PAID = Status("8", "Platita")
STATUSES = (NEW, PROCESSING, FINISHED, SHIPPED, CANCELLED, PAID)
"""The shop's own status list (GoMag shops name their statuses; ids are strings)."""

INVOICED = (FINISHED, SHIPPED, PAID)
WITH_CARRIER = (FINISHED, SHIPPED)

VAT_CHANGED_ON = datetime.date(2025, 8, 1)
"""Romania's standard VAT went from 19% to 21% on this day."""


def vat_rate(day: datetime.date) -> str:
    return "19" if day < VAT_CHANGED_ON else "21"
