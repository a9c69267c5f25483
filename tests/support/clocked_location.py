"""The project's code location with its clock stopped at ``GOMAG_TEST_NOW`` (an aware ISO time).

The end-to-end test deploys this file instead of the ``gomag_assets`` module so that "today" for
the late-updates sensor, the schedules and the freshness check is a fixed day whatever the real
date; everything else is ``gomag_assets.definitions`` as deployed.
"""

import datetime as dt
import os

from gomag_assets.definitions import build_definitions
from gomag_assets.settings import load_settings

NOW = dt.datetime.fromisoformat(os.environ["GOMAG_TEST_NOW"])

defs = build_definitions(load_settings(), clock=lambda: NOW)
