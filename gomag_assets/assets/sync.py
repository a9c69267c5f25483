"""One run of the order multi-asset: the run's days, one at a time, through the selected stages.

Each stage reports its day as that day's materialization, with the day's own figures, followed by
the day's check verdicts; the run log gets one line per day. A day whose feed changed (every
order MALFORMED) or whose import does not balance is refused: the other days go on, and the run
fails at the end naming the refused days.
"""

from collections.abc import Generator, Iterator
from dataclasses import dataclass, field

from dagster import (
    AssetCheckEvaluation,
    AssetCheckKey,
    AssetExecutionContext,
    AssetKey,
    AssetMaterialization,
    Failure,
    MetadataValue,
)

from gomag_assets.assets import imported_orders, raw_orders, validated_orders
from gomag_assets.assets.common import DEFAULT_SCOPE, ShopScope
from gomag_assets.assets.validated_orders import ValidationConfig
from gomag_assets.automation import checks
from gomag_assets.resources.gomag_api import GoMagApi
from gomag_assets.resources.order_store import OrderStore


@dataclass(frozen=True)
class OrderKeys:
    """The asset keys of one shop's stages and of its ``imported_orders_today``."""

    raw: AssetKey
    validated: AssetKey
    imported: AssetKey
    today: AssetKey

    @classmethod
    def of(cls, scope: ShopScope) -> "OrderKeys":
        names = ("raw_orders", "validated_orders", "imported_orders", "imported_orders_today")
        return cls(*map(scope.key, names))


_DEFAULT_KEYS = OrderKeys.of(DEFAULT_SCOPE)
RAW, VALIDATED, IMPORTED = _DEFAULT_KEYS.raw, _DEFAULT_KEYS.validated, _DEFAULT_KEYS.imported
IMPORTED_TODAY = _DEFAULT_KEYS.today
"""The keys of a deployment without a shops file."""
Event = AssetMaterialization | AssetCheckEvaluation


@dataclass
class OrderSync:
    """The selected stages of one run, with what every materialization links to."""

    context: AssetExecutionContext
    config: ValidationConfig
    gomag_api: GoMagApi
    order_store: OrderStore
    timezone: str
    today: str
    """The shop's today: a balanced import of this day is reported on ``imported_orders_today``."""
    links: dict[str, MetadataValue]
    keys: OrderKeys = _DEFAULT_KEYS
    refused: dict[str, str] = field(default_factory=dict)

    def run(self) -> Iterator[Event]:
        """Every day of the run, then the failure that names the refused days, if any."""
        days = list(self.context.partition_keys)
        run_id = self.context.run.run_id
        importing = self.keys.imported in self.context.selected_asset_keys
        if importing:
            self.order_store.begin_sync_run(run_id, days[0], days[-1])
        try:
            for position, day in enumerate(days, start=1):
                words: list[str] = []
                yield from self._day(day, words)
                self.context.log.info(f"{day} ({position}/{len(days)}): " + "; ".join(words))
        except BaseException:
            if importing:
                self.order_store.finish_sync_run(run_id, "FAILED")
            raise
        if importing:
            # A refused day is not a successful import of the run's window.
            self.order_store.finish_sync_run(run_id, "UNBALANCED" if self.refused else "SUCCESS")
        if self.refused:
            raise Failure(description="; ".join(f"{d}: {why}" for d, why in self.refused.items()))

    def _day(self, day: str, words: list[str]) -> Iterator[Event]:
        selected, run_id = self.context.selected_asset_keys, self.context.run.run_id
        raw, validated, imported_key = self.keys.raw, self.keys.validated, self.keys.imported
        if raw in selected:
            landed = raw_orders.land_day(
                day, self.gomag_api, self.order_store, run_id, self.context.log
            )
            words.append(landed.summary())
            yield self._materialization(raw, day, landed.metadata())
        importing, handed_on = imported_key in selected, None
        if validated in selected:
            feed_changed, handed_on = yield from self._validated(day, words, importing)
            if feed_changed and importing:
                self.refused[day] = "every order is MALFORMED, so the day was not imported"
                words.append("import skipped: every order is MALFORMED")
                return
        if importing:
            imported = imported_orders.import_day(day, self.order_store, run_id, handed_on)
            words.append(imported.summary())
            yield self._materialization(imported_key, day, imported.metadata())
            yield from self._checks(
                checks.conservation(imported_key, imported),
                checks.totals_reconcile(imported_key, imported),
            )
            if not imported.balanced:
                self.refused[day] = "orders lost or counted twice"
            elif day == self.today:
                today = {"partition": day, "run_id": run_id}
                yield AssetMaterialization(self.keys.today, metadata=today)

    def _validated(
        self, day: str, words: list[str], importing: bool
    ) -> Generator[Event, None, tuple[bool, list[dict] | None]]:
        """The day's verdicts reported; returns whether its feed changed and, when this run
        imports the day next, its orders for the import (exactly what the store would give
        back). The day's frames are let go when this returns, so a day's peak memory holds
        one copy of its orders, not two."""
        key = self.keys.validated
        judged = validated_orders.validate_day(
            day, self.config, self.order_store, self.context.run.run_id, self.timezone
        )
        words.append(judged.summary())
        yield self._materialization(key, day, judged.metadata())
        yield from self._checks(
            checks.malformed_share(key, judged, self.config.malformed_warn_share),
            checks.column_schema(key, judged),
        )
        if not importing or judged.feed_changed:
            return judged.feed_changed, None
        return False, judged.orders_to_import(self.order_store.store_pii)

    def _materialization(self, key: AssetKey, day: str, figures: dict) -> AssetMaterialization:
        return AssetMaterialization(key, partition=day, metadata={**figures, **self.links})

    def _checks(self, *evaluations: AssetCheckEvaluation) -> Iterator[AssetCheckEvaluation]:
        """The evaluations of the checks the run selected (a UI run of one asset selects none)."""
        selected = self.context.selected_asset_check_keys
        for evaluation in evaluations:
            if AssetCheckKey(evaluation.asset_key, evaluation.check_name) in selected:
                yield evaluation
