"""The fixed days and the timezone the tests share; no test reads the real today.

The demo shop serves any day; 2026-10-01 is the one most tests import, and the shop's default
seed (7) gives it 44 orders.
"""

import datetime as dt
from zoneinfo import ZoneInfo

SHOP_TIMEZONE = ZoneInfo("Europe/Bucharest")
"""GoMag shops keep Romanian time; so do the settings by default."""
DAY = dt.date(2026, 10, 1)
PARTITION = DAY.isoformat()
NEXT_DAY = DAY + dt.timedelta(days=1)
