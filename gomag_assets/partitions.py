"""Daily order partitions: one GoMag order day each, in the shop's timezone, today included."""

from dagster import DailyPartitionsDefinition

from gomag_assets.settings import Settings, load_settings


def daily_order_partitions(settings: Settings) -> DailyPartitionsDefinition:
    """Partitions from ``GOMAG_START_DATE`` through today's still-open day (``end_offset=1``)."""
    return DailyPartitionsDefinition(
        start_date=settings.start_date.isoformat(),
        timezone=settings.timezone,
        end_offset=1,
    )


order_partitions = daily_order_partitions(load_settings())
