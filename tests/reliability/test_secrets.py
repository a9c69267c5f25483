"""The API key and the webhook URL appear nowhere a run leaves text behind.

One scenario plays what a bad day looks like: runs through 429s, 5xx and dropped connections,
a credentials error mid-window, a wrong key, a shop that echoes the key back in its errors, a
persistent outage, the late-updates sensor reading GoMag, and alerts (run failures, new
MALFORMED orders) POSTed to a webhook. Then everything is scanned: captured log records and
console output, every Dagster event of every run (messages, errors with their causes and stack
traces, materialization and check metadata), the instance directory file by file (SQLite
databases row by row, compressed snapshots unpacked), the order store table by table, the
errors log, the alerts file and the webhook's request bodies.

Figures ("secrets" totals): faults injected, runs, places scanned, bytes scanned, secrets found.
"""

import contextlib
import json
import logging
import sqlite3
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import (
    EnvVar,
    build_sensor_context,
    instance_for_test,
    serialize_value,
)
from pipeline import materialize_day
from support.days import DAY
from support.loopback import Answer, Request
from support.retries import FAST_RETRIES, SLOW_PAGE_SECONDS

from gomag_assets.automation.alerts import API_KEY_ENV, WEBHOOK_ENV
from gomag_assets.definitions import build_definitions
from gomag_assets.resources.gomag_api import GoMagApi
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.settings import load_settings

GUARANTEE = "secrets"
API_KEY = "SECRET-KEY-7f3a91c4e2b8d6a0"
WRONG_KEY = "SECRET-KEY-WRONG-0c1d2e3f4a5b"
HOOK_TOKEN = "SECRET-HOOK-5b2e8f1d9c7a3e4f"


def _echo_the_key(request: Request) -> Answer:
    """A webhook that accepts every POST; to GETs, a shop that echoes the key it was sent back
    in its error message, as careless APIs do."""
    if request.method == "POST":
        return Answer(200)
    key = request.headers.get("Apikey", "")
    said = {"error": 100, "message": f"Apikey {key} is not valid for this shop"}
    return Answer(200, json.dumps(said).encode())


def _texts_of_file(path: Path) -> Iterator[tuple[str, bytes]]:
    """The file's bytes; for an SQLite database also every value of every table, compressed
    blobs (Dagster's snapshots) unpacked."""
    data = path.read_bytes()
    yield str(path), data
    if not data.startswith(b"SQLite format 3\x00"):
        return
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.text_factory = bytes
    try:
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master")]
        for table in tables:
            try:
                rows = conn.execute(f'SELECT * FROM "{table.decode()}"').fetchall()
            except sqlite3.DatabaseError:
                continue  # an index, not a table
            for row in rows:
                for value in row:
                    if isinstance(value, bytes):
                        yield f"{path}:{table.decode()}", value
                        with contextlib.suppress(zlib.error):
                            yield f"{path}:{table.decode()} (unpacked)", zlib.decompress(value)
                    elif value is not None:
                        yield f"{path}:{table.decode()}", str(value).encode()
    finally:
        conn.close()


def _scan(places: list[tuple[str, bytes]], secrets: list[str]) -> list[tuple[str, str]]:
    return [
        (secret, where) for where, data in places for secret in secrets if secret.encode() in data
    ]


@pytest.mark.slow
def test_no_secret_reaches_logs_events_metadata_alerts_files_or_databases(
    tmp_path, monkeypatch, shop_factory, loopback, caplog, capfd, figures
):
    listener = loopback(_echo_the_key)
    hook_url = f"{listener.url}/hook/{HOOK_TOKEN}"
    db_path = tmp_path / "store" / "gomag.sqlite"
    db_path.parent.mkdir()
    shop = shop_factory(api_key=API_KEY, retry_after_seconds=0.05, slow_seconds=SLOW_PAGE_SECONDS)
    for name, value in {
        API_KEY_ENV: API_KEY,
        "GOMAG_WRONG_KEY": WRONG_KEY,
        WEBHOOK_ENV: hook_url,
        "GOMAG_API_URL": shop.base_url,
        "GOMAG_DB_PATH": str(db_path),
    }.items():
        monkeypatch.setenv(name, value)
    caplog.set_level(logging.DEBUG)
    settings = load_settings()
    definitions = build_definitions(settings)
    store: OrderStore = definitions.resources["order_store"]
    wired_api: GoMagApi = definitions.resources["gomag_api"]  # the key through EnvVar
    job = definitions.resolve_job_def("gomag_orders_job")
    failure_sensor = definitions.resolve_sensor_def("gomag_run_failure_alert")
    malformed_sensor = definitions.resolve_sensor_def("gomag_malformed_alert")
    late_sensor = definitions.resolve_sensor_def("gomag_late_updates")

    def api(key: str = API_KEY_ENV, **fields) -> GoMagApi:
        fields = {"api_url": shop.base_url, "page_limit": 10, **FAST_RETRIES, **fields}
        return GoMagApi(api_key=EnvVar(key), **fields)

    home = tmp_path / "dagster_home"
    home.mkdir()
    with instance_for_test(temp_dir=str(home)) as instance:

        def run(gomag_api: GoMagApi):
            return job.execute_in_process(
                instance=instance,
                partition_key=DAY.isoformat(),
                resources={"gomag_api": gomag_api, "order_store": store},
                raise_on_error=False,
            )

        def tick(sensor, cursor=None, **resources):
            with build_sensor_context(
                instance=instance, cursor=cursor, resources=resources
            ) as context:
                return sensor.evaluate_tick(context)

        failures_cursor = tick(failure_sensor).cursor
        faults = ["429", "503"]
        shop.faults.queue(*faults)
        runs = [run(wired_api)]  # as deployed: the key through EnvVar, real backoff
        more = ["drop", "html_200", "truncated", "500", "slow", "non_json"]
        shop.faults.queue(*more)
        runs.append(run(api(max_attempts=8)))  # through every other transient fault
        shop.faults.queue("auth_error")
        runs.append(run(api()))  # credentials error
        runs.append(run(api("GOMAG_WRONG_KEY")))  # a key the shop does not know
        runs.append(run(api(api_url=f"{listener.url}/api/v1")))  # a shop echoing the key
        shop.faults.persistent = "503"
        runs.append(run(api(max_attempts=3)))  # an outage
        shop.faults.persistent = None
        shop.faults.queue("503")
        late = tick(late_sensor, gomag_api=wired_api, order_store=store)
        faults += [*more, "auth_error", "503", "503", "503", "503"]
        tick(failure_sensor, failures_cursor)
        tick(malformed_sensor, order_store=store)

        assert [result.success for result in runs] == [True, True, False, False, False, False]
        assert "no new changes" in late.skip_message
        assert len(listener.bodies()) == 5, "four failed runs and one MALFORMED day alerted"
        assert any(b"Apikey *** is not valid" in body for body in listener.bodies())
        events = [
            (f"event log of run {result.run_id}", serialize_value(entry).encode())
            for result in runs
            for entry in instance.all_logs(result.run_id)
        ]
        metadata = [
            (f"{kind} of run {result.run_id}", serialize_value(event).encode())
            for result in runs
            for kind, found in (
                ("materialization", result.get_asset_materialization_events()),
                ("check evaluation", result.get_asset_check_evaluations()),
            )
            for event in found
        ]
        errors = [
            (f"error of run {result.run_id}", event.step_failure_data.error.to_string().encode())
            for result in runs
            for event in result.get_step_failure_events()
        ]
    assert len(errors) == 4 and all(b"page" in text and b"window" in text for _, text in errors)

    places = [
        ("captured log records", caplog.text.encode()),
        ("console", "".join(capfd.readouterr()).encode()),
        *events,
        *metadata,
        *errors,
        *(("webhook request body", body) for body in listener.bodies()),
        *(
            place
            for path in sorted(home.rglob("*"))
            if path.is_file()
            for place in _texts_of_file(path)
        ),
        *(place for path in sorted(db_path.parent.iterdir()) for place in _texts_of_file(path)),
    ]
    scanned = {where.split(":")[0] for where, _ in places}
    assert settings.alerts_file.read_text().count("[gomag-assets]") == 5
    assert {str(settings.alerts_file), str(settings.errors_log), str(db_path)} <= scanned
    assert any("runs.db" in where for where in scanned)

    leaks = _scan(places, [API_KEY, WRONG_KEY, HOOK_TOKEN, hook_url])
    figures.add(
        GUARANTEE,
        faults_injected=len(faults),
        runs=len(runs),
        places_scanned=len(places),
        bytes_scanned=sum(len(data) for _, data in places),
        secrets_found=len(leaks),
    )
    assert leaks == []


def test_the_scan_finds_a_key_handed_to_dagster_as_plain_text(tmp_path, demo_shop, store, figures):
    """The control: a key given as a literal string (not ``EnvVar``) is kept by Dagster in the
    run's job snapshot, and the scan finds it there. Production wires it through ``EnvVar``."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    literal = GoMagApi(api_url=demo_shop.base_url, api_key=demo_shop.api_key, **FAST_RETRIES)
    with instance_for_test(temp_dir=str(home)) as instance:
        assert materialize_day(
            DAY, literal, store, instance=instance, selection=["raw_orders"]
        ).success
    places = [place for path in home.rglob("*") if path.is_file() for place in _texts_of_file(path)]

    leaks = _scan(places, [demo_shop.api_key])

    figures.add(GUARANTEE, control_leaks_found=len(leaks))
    assert leaks and all("runs.db:snapshots (unpacked)" in where for _, where in leaks)
    assert not any(demo_shop.api_key.encode() in path.read_bytes() for path in home.rglob("*.db"))
