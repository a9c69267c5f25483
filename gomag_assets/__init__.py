"""gomag-assets: GoMag orders fetched, validated and imported into an SQLite order store."""

import warnings

from dagster import BetaWarning, PreviewWarning

from gomag_assets.settings import GoMagSettingError

try:
    with warnings.catch_warnings():
        # Single-run backfill policies and code references are beta in Dagster 1.13, and
        # partitioned asset checks a preview; we opt into them knowingly, so their warnings
        # are noise for operators.
        warnings.simplefilter("ignore", BetaWarning)
        warnings.simplefilter("ignore", PreviewWarning)
        from gomag_assets.definitions import defs
except GoMagSettingError as exc:
    # One line naming the variable beats a stack trace through Dagster's loader.
    raise SystemExit(f"gomag-assets: {exc}") from None

__all__ = ["defs"]
