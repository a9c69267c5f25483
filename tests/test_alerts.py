"""Operator alerts: a failed run and new MALFORMED orders reach the alerts file and the webhook,
and no secret reaches anything an operator reads."""

import datetime as dt
import json
import logging

import pytest
from dagster import asset, build_sensor_context, instance_for_test, materialize
from pipeline import ASSETS, materialize_day
from support.loopback import Answer

from gomag_assets.automation.alerts import API_KEY_ENV, WEBHOOK_ENV, Alert, deliver
from gomag_assets.definitions import build_definitions
from gomag_assets.settings import load_settings

DAY = dt.date(2026, 10, 1)
TOKEN = "SECRET-TOKEN"


class Webhook:
    """A loopback endpoint that records every POST and answers with ``status``."""

    def __init__(self, loopback) -> None:
        self.status = 200
        self.server = loopback(lambda request: Answer(self.status))
        self.url = f"{self.server.url}/hook/{TOKEN}"

    @property
    def posts(self) -> list[tuple[str, dict]]:
        """(path, JSON body) of each POST received."""
        return [
            (request.path, json.loads(request.body))
            for request in self.server.requests
            if request.method == "POST"
        ]

    def stop(self) -> None:
        self.server.stop()


@pytest.fixture
def webhook(loopback, monkeypatch):
    hook = Webhook(loopback)
    monkeypatch.setenv(WEBHOOK_ENV, hook.url)
    return hook


@pytest.fixture
def settings(db_path):
    return load_settings({"GOMAG_DB_PATH": db_path})


@pytest.fixture
def definitions(settings):
    return build_definitions(settings)


@pytest.fixture
def instance():
    with instance_for_test() as instance:
        yield instance


def _alerts(settings) -> str:
    path = settings.alerts_file
    return path.read_text(encoding="utf-8") if path.exists() else ""


def _run_log(instance, run_id: str) -> str:
    return "\n".join(entry.message for entry in instance.all_logs(run_id))


def _tick(sensor, instance, cursor, **resources):
    with build_sensor_context(instance=instance, cursor=cursor, resources=resources) as context:
        return sensor.evaluate_tick(context)


def test_failed_run_alerts_with_its_partition_and_cause_but_not_the_key(
    definitions, settings, instance, demo_shop, api_factory, store, caplog, capfd
):
    sensor = definitions.resolve_sensor_def("gomag_run_failure_alert")
    cursor = _tick(sensor, instance, None).cursor  # the daemon's first tick sets the cursor
    job = definitions.resolve_job_def("gomag_orders_job")
    bad_key = api_factory(demo_shop, api_key="wrong-key")
    failed = job.execute_in_process(
        instance=instance,
        partition_key=DAY.isoformat(),
        resources={"gomag_api": bad_key, "order_store": store},
        raise_on_error=False,
    )
    assert not failed.success

    with caplog.at_level(logging.DEBUG):
        _tick(sensor, instance, cursor)

    alerts = _alerts(settings)
    assert f"run {failed.run_id} of gomag_orders_job failed" in alerts
    assert f"partition: {DAY}" in alerts
    assert "reason: gomag_orders: " in alerts and "Missing Api User" in alerts, "the cause"
    assert "[gomag-assets]" in _run_log(instance, failed.run_id), "the alert joins the run's log"
    console = capfd.readouterr().err
    for secret in ("wrong-key", demo_shop.api_key):
        assert secret not in alerts
        assert secret not in caplog.text
        assert secret not in console
        assert secret not in _run_log(instance, failed.run_id)


def test_a_failed_run_of_the_assets_outside_the_job_alerts_and_other_runs_do_not(
    definitions, settings, instance, demo_shop, api_factory, store
):
    """An asset run like the UI's and the CLI's (no job of ours) is heard; a failing run of an
    asset that is not ours, in the same instance, is not."""
    sensor = definitions.resolve_sensor_def("gomag_run_failure_alert")
    cursor = _tick(sensor, instance, None).cursor

    @asset
    def someone_elses_asset() -> None:
        raise RuntimeError("not an order-sync failure")

    other = materialize([someone_elses_asset], instance=instance, raise_on_error=False)
    bad_key = api_factory(demo_shop, api_key="wrong-key")
    ours = materialize_day(DAY, bad_key, store, instance=instance, selection=["raw_orders"])
    assert not other.success and not ours.success
    assert ours.dagster_run.job_name != "gomag_orders_job"

    _tick(sensor, instance, cursor)

    alerts = _alerts(settings)
    assert f"run {ours.run_id} of {ours.dagster_run.job_name} failed" in alerts
    assert other.run_id not in alerts and "not an order-sync failure" not in alerts
    assert alerts.count("[gomag-assets] run ") == 1


def test_malformed_alert_fires_only_when_a_day_gains_malformed_orders(
    definitions, settings, instance, demo_shop, gomag_api, store
):
    sensor = definitions.resolve_sensor_def("gomag_malformed_alert")
    resources = {"gomag_api": gomag_api, "order_store": store}

    def import_day() -> str:
        result = materialize(
            ASSETS, partition_key=DAY.isoformat(), resources=resources, instance=instance
        )
        assert result.success
        return result.run_id

    first_run = import_day()
    first = _tick(sensor, instance, None, order_store=store)
    alerts = _alerts(settings)
    malformed = {m["order_id"]: m["error_message"] for m in store.malformed_orders(DAY.isoformat())}
    assert set(malformed) == set(demo_shop.malformed_ids(DAY)) != set()
    assert f"partition: {DAY}" in alerts
    for order_id, reason in malformed.items():
        assert f"order {order_id}: {reason}" in alerts
    assert "[gomag-assets]" in _run_log(instance, first_run)

    quiet = _tick(sensor, instance, first.cursor, order_store=store)
    import_day()  # the same orders again
    quiet = _tick(sensor, instance, quiet.cursor, order_store=store)
    assert _alerts(settings) == alerts, "no new MALFORMED order, no new alert"
    assert "no day has new MALFORMED orders" in quiet.skip_message

    sound = [o["id"] for o in demo_shop.orders_for_day(DAY) if o["id"] not in malformed]
    broken = sound[:2]
    for order_id in broken:
        demo_shop.edit_order(order_id, date="nope")
    import_day()
    _tick(sensor, instance, quiet.cursor, order_store=store)
    new_alert = _alerts(settings)[len(alerts) :]
    assert f"2 new MALFORMED orders on {DAY}" in new_alert
    reasons = {m["order_id"]: m["error_message"] for m in store.malformed_orders(DAY.isoformat())}
    listed = [line for line in new_alert.splitlines() if line.startswith("  order ")]
    assert sorted(listed) == sorted(f"  order {i}: {reasons[i]}" for i in broken)
    assert all("'nope'" in reasons[i] for i in broken)


def test_webhook_receives_the_alert_and_its_url_stays_secret(
    definitions, settings, instance, webhook, demo_shop, api_factory, store, caplog, capfd
):
    sensor = definitions.resolve_sensor_def("gomag_run_failure_alert")
    cursor = _tick(sensor, instance, None).cursor
    job = definitions.resolve_job_def("gomag_orders_job")
    run = job.execute_in_process(
        instance=instance,
        partition_key=DAY.isoformat(),
        resources={"gomag_api": api_factory(demo_shop, api_key="nope"), "order_store": store},
        raise_on_error=False,
    )
    with caplog.at_level(logging.DEBUG):
        _tick(sensor, instance, cursor)

    console = capfd.readouterr().err
    assert "[gomag-assets] run " in console, "the sensor's log reaches the console"
    [(path, document)] = webhook.posts
    assert path == f"/hook/{TOKEN}"
    assert document["text"].startswith("[gomag-assets] run ")
    assert document["text"] in _alerts(settings)
    for leak in (webhook.url, TOKEN):
        assert leak not in _alerts(settings)
        assert leak not in caplog.text
        assert leak not in console
        assert leak not in _run_log(instance, run.run_id)


@pytest.mark.parametrize("answer", [200, 500, "unreachable"])
def test_webhook_failure_is_logged_without_the_url(settings, webhook, answer, caplog):
    if answer == "unreachable":
        webhook.stop()
    else:
        webhook.status = answer
    alert = Alert(title=f"probe {webhook.url}", partition=DAY.isoformat(), orders=[("1", TOKEN)])
    with caplog.at_level(logging.DEBUG):
        accepted = deliver(alert, settings.alerts_file, logging.getLogger("gomag.test"))

    assert accepted == (answer == 200)
    if answer == 500:
        assert "alert webhook (GOMAG_ALERT_WEBHOOK) POST failed: HTTP 500" in caplog.text
    if answer == "unreachable":
        assert "POST failed: ConnectError" in caplog.text
    assert "probe ***" in _alerts(settings)
    posted = [document["text"] for _, document in webhook.posts]
    assert len(posted) == (0 if answer == "unreachable" else 1)
    for leak in (webhook.url, TOKEN):
        assert leak not in _alerts(settings)
        assert leak not in caplog.text
        assert [text for text in posted if leak in text] == []


def test_alert_text_never_carries_the_api_key(monkeypatch):
    monkeypatch.setenv(API_KEY_ENV, "k3y-from-env")
    text = Alert(title="GoMag said: bad key k3y-from-env", reasons=["k3y-from-env"]).text()
    assert "k3y-from-env" not in text
    assert text == "[gomag-assets] GoMag said: bad key ***\n  reason: ***"


@pytest.mark.parametrize(("env", "seconds"), [({}, 30), ({"GOMAG_ALERT_INTERVAL": "5"}, 5)])
def test_both_alert_sensors_look_as_often_as_the_operator_sets(db_path, env, seconds):
    definitions = build_definitions(load_settings({"GOMAG_DB_PATH": db_path, **env}))
    for name in ("gomag_run_failure_alert", "gomag_malformed_alert"):
        assert definitions.get_sensor_def(name).minimum_interval_seconds == seconds
