"""What the demo shop sells and who buys it: Romanian names, places and products.

Diacritics (ă â î ș ț) are deliberate: they prove the pipeline keeps UTF-8 text intact.
"""

from decimal import Decimal
from typing import NamedTuple


class Product(NamedTuple):
    sku: str
    name: str
    price: Decimal


class Place(NamedTuple):
    city: str
    region: str


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
    Place("București", "București"),
    Place("Iași", "Iași"),
    Place("Cluj-Napoca", "Cluj"),
    Place("Timișoara", "Timiș"),
    Place("Brașov", "Brașov"),
    Place("Constanța", "Constanța"),
    Place("Târgu Mureș", "Mureș"),
    Place("Pitești", "Argeș"),
    Place("Bacău", "Bacău"),
    Place("Râmnicu Vâlcea", "Vâlcea"),
    Place("Suceava", "Suceava"),
    Place("Galați", "Galați"),
)

COMPANIES = ("SC Livada Verde SRL", "Atelier Creativ SRL", "Mobila Bârsei SA")

PRODUCTS = (
    Product("TRC-001", "Tricou bărbați", Decimal("49.95")),
    Product("TRC-002", "Tricou damă", Decimal("54.90")),
    Product("HAN-010", "Hanorac cu glugă", Decimal("149.00")),
    Product("BLG-020", "Blugi slim", Decimal("189.90")),
    Product("CMS-030", "Cămașă din in", Decimal("129.50")),
    Product("ROC-040", "Rochie de vară", Decimal("159.99")),
    Product("PTF-050", "Pantofi sport", Decimal("249.00")),
    Product("SOS-060", "Șosete bumbac (3 perechi)", Decimal("29.90")),
    Product("GEC-070", "Geacă impermeabilă", Decimal("299.00")),
    Product("CCL-080", "Căciulă tricotată", Decimal("39.90")),
    Product("FUL-090", "Fular din lână", Decimal("59.00")),
    Product("RUC-100", "Rucsac urban", Decimal("119.00")),
    Product("CUR-110", "Curea din piele", Decimal("79.90")),
    Product("PIJ-120", "Pijama flanel", Decimal("99.00")),
    Product("MAN-130", "Mănuși touchscreen", Decimal("35.50")),
)

GIFT_WRAP = Product("", "Ambalare cadou", Decimal("5.00"))
TRANSPORT_FEE = Product("", "Taxa transport", Decimal("19.99"))
SERVICES = (GIFT_WRAP, TRANSPORT_FEE)

VAT_RATE = "21"
COURIERS = ("Curier", "Fan Courier", "Sameday")
PAYMENT_METHODS = ("Ramburs", "Card online", "Transfer bancar")

OPEN_STATUSES = (("Comanda noua", "1"), ("In curs de procesare", "2"), ("Finalizata", "5"))
CANCELLED_STATUS = ("Anulata", "4")
