"""gomag-assets: GoMag orders fetched, validated and imported into an SQLite order store."""

from gomag_assets.settings import GoMagSettingError

try:
    from gomag_assets.definitions import defs
except GoMagSettingError as exc:
    # One line naming the variable beats a stack trace through Dagster's loader.
    raise SystemExit(f"gomag-assets: {exc}") from None

__all__ = ["defs"]
