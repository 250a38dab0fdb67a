"""Write a generated data set into the product's database and into DuckDB.

SQLite gets ``executemany`` in batches inside one transaction with ``synchronous=OFF``;
PostgreSQL gets ``COPY FROM STDIN`` (psycopg 3). Both are analysed afterwards. Columns
the generator does not set take the model field's default, so a new NOT NULL field on a
bench table needs no change here unless its default does not fit.

DuckDB reads the same rows from CSV files written with the csv module. Times are UTC
epoch seconds in the files and naive UTC timestamps in DuckDB.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import time
from pathlib import Path

from django.apps import apps
from django.db import models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from salespulse.benchdata.generate import BOOL, DATE, DEC, INT, STR, TS, Dataset, Reference, Table

logger = logging.getLogger(__name__)

BATCH = 50_000
NULL = r"\N"


def reference_from_db() -> Reference:
    """Read the ids of the stages, channels, product lines and tiers the migrations wrote."""
    from salespulse.crm.models import Channel, CustomerTier, ProductLine
    from salespulse.pipeline.models import Pipeline, Stage

    pipeline = Pipeline.objects.get(is_default=True)
    return Reference(
        pipeline_id=pipeline.pk,
        stage_ids=dict(Stage.objects.filter(pipeline=pipeline).values_list("code", "id")),
        channel_ids=dict(Channel.objects.values_list("code", "id")),
        product_line_ids=dict(ProductLine.objects.values_list("code", "id")),
        tier_ids=tuple(CustomerTier.objects.order_by("id").values_list("id", flat=True)),
    )


def _models_by_table() -> dict[str, type[models.Model]]:
    return {model._meta.db_table: model for model in apps.get_models()}


def _defaults(model: type[models.Model], provided: set[str], now: dt.datetime) -> list[tuple[str, object]]:
    """Values for the NOT NULL columns the generator leaves out."""
    extra = []
    for field in model._meta.concrete_fields:
        if field.column in provided or field.null or field.primary_key:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value: object = now
        elif field.has_default():
            value = field.get_default()
        elif isinstance(field, (models.CharField, models.TextField)):
            value = ""
        else:
            raise ValueError(f"bench table {model._meta.db_table}: set column {field.column}, it has no default")
        if isinstance(field, models.JSONField):
            value = json.dumps(value)
        extra.append((field.column, value))
    return extra


def _converter(columns: list[tuple[str, str]], formats: dict[str, str], constants: list[object]):
    """Compile a function that turns one generated row into the engine's parameter tuple."""
    parts = []
    for index, (_name, kind) in enumerate(columns):
        template = formats.get(kind)
        parts.append(f"r[{index}]" if template is None else template.format(v=f"r[{index}]"))
    parts += [f"c[{index}]" for index in range(len(constants))]
    namespace = {"c": constants, "_ts": _ts_text, "_tsz": _ts_text_utc, "_date": dt.date.isoformat}
    return eval(f"lambda r: ({', '.join(parts)},)", namespace)  # noqa: S307 (built from column kinds only)


def _ts_text(value: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(value))


def _ts_text_utc(value: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(value))


SQLITE_FORMATS = {
    TS: "(None if {v} is None else _ts({v}))",
    BOOL: "(None if {v} is None else int({v}))",
    DATE: "(None if {v} is None else _date({v}))",
}
POSTGRES_FORMATS = {TS: "(None if {v} is None else _tsz({v}))"}


def load_into_django(dataset: Dataset, connection: BaseDatabaseWrapper) -> dict[str, float]:
    """Write every table of ``dataset``; return seconds per table (plus "analyze")."""
    by_table = _models_by_table()
    now = dt.datetime.fromtimestamp(dataset.end, dt.UTC)
    timings: dict[str, float] = {}
    vendor = connection.vendor
    connection.ensure_connection()
    raw = connection.connection
    # The pragma cannot change inside a transaction (the test suite loads inside one).
    fast_sqlite = vendor == "sqlite" and not connection.in_atomic_block
    if fast_sqlite:
        raw.execute("PRAGMA synchronous=OFF")
        raw.execute("PRAGMA cache_size=-1000000")  # KiB: keep the index pages of the load in memory
        raw.execute("PRAGMA foreign_keys=OFF")  # the generator writes consistent ids; see below for PostgreSQL
    with transaction.atomic(using=connection.alias):
        if vendor == "postgresql":
            _skip_foreign_key_triggers(connection)
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        dropped = _drop_secondary_indexes(connection, [table.name for table in dataset.tables.values()])
        for table in dataset.tables.values():
            started = time.perf_counter()
            model = by_table[table.name]
            extra = _defaults(model, {name for name, _ in table.columns}, now)
            names = [name for name, _ in table.columns] + [name for name, _ in extra]
            constants = [value for _, value in extra]
            if vendor == "sqlite":
                constants = [_ts_text(int(v.timestamp())) if isinstance(v, dt.datetime) else v for v in constants]
                convert = _converter(table.columns, SQLITE_FORMATS, constants)
                sql = f'INSERT INTO "{table.name}" ({", ".join(names)}) VALUES ({", ".join("?" * len(names))})'
                for start in range(0, len(table.rows), BATCH):
                    raw.executemany(sql, [convert(row) for row in table.rows[start : start + BATCH]])
            elif vendor == "postgresql":
                convert = _converter(table.columns, POSTGRES_FORMATS, constants)
                with raw.cursor() as cursor:
                    with cursor.copy(f'COPY "{table.name}" ({", ".join(names)}) FROM STDIN') as copy:
                        for row in table.rows:
                            copy.write_row(convert(row))
            else:
                raise ValueError(f"the bench loads SQLite or PostgreSQL, not {vendor}")
            timings[table.name] = time.perf_counter() - started
            logger.info("bench loaded %d rows into %s in %.1f s", len(table.rows), table.name, timings[table.name])
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for statement in dropped:
                cursor.execute(statement)
        timings["indexes"] = time.perf_counter() - started
        if vendor == "postgresql":
            from django.core.management.color import no_style

            statements = connection.ops.sequence_reset_sql(no_style(), [by_table[name] for name in dataset.tables])
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
    if fast_sqlite:
        raw.execute("PRAGMA synchronous=NORMAL")
        raw.execute("PRAGMA cache_size=-2000")
        raw.execute("PRAGMA foreign_keys=ON")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # VACUUM also sets PostgreSQL's visibility map, as autovacuum does on a live
        # database, so index-only scans work on the fresh tables (not inside a transaction,
        # as in the tests).
        cursor.execute("VACUUM ANALYZE" if vendor == "postgresql" and not connection.in_atomic_block else "ANALYZE")
    timings["analyze"] = time.perf_counter() - started
    return timings


def _drop_secondary_indexes(connection: BaseDatabaseWrapper, tables: list[str]) -> list[str]:
    """Drop the indexes no constraint needs on ``tables``; return the statements that
    create them again. Building an index once over loaded rows is far faster than
    updating it row by row in random key order."""
    if connection.vendor == "sqlite":
        query = (
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({', '.join('%s' for _ in tables)})"
        )
    else:
        query = (
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            f"JOIN pg_class t ON t.oid = x.indrelid WHERE t.relname IN ({', '.join('%s' for _ in tables)}) "
            "AND NOT x.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
        )
    with connection.cursor() as cursor:
        cursor.execute(query, tables)
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in indexes]


def _skip_foreign_key_triggers(connection: BaseDatabaseWrapper) -> None:
    """Skip PostgreSQL's deferred foreign-key checks for this load: the generator writes
    consistent ids, and checking millions of rows one trigger at a time at COMMIT costs
    more than the COPY itself. Needs a superuser; others load with the checks."""
    from django.db import DatabaseError

    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        logger.warning("bench load keeps foreign-key checks: the database user may not set session_replication_role")


# --- DuckDB ---------------------------------------------------------------------------

DUCKDB_TYPES = {INT: "BIGINT", STR: "VARCHAR", TS: "BIGINT", DATE: "DATE", BOOL: "BOOLEAN", DEC: "DECIMAL(18,3)"}


def _duckdb_expression(name: str, kind: str) -> str:
    if kind == TS:
        return f"epoch_ms({name} * 1000) AS {name}"
    return name


def write_csv(table: Table, folder: Path) -> Path:
    path = folder / f"{table.name}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([name for name, _ in table.columns])
        bools = [index for index, (_, kind) in enumerate(table.columns) if kind == BOOL]
        for start in range(0, len(table.rows), BATCH):
            chunk = table.rows[start : start + BATCH]
            out = []
            for row in chunk:
                values = [NULL if value is None else value for value in row]
                for index in bools:
                    if values[index] is not NULL:
                        values[index] = int(values[index])
                out.append(values)
            writer.writerows(out)
    return path


def load_into_duckdb(dataset: Dataset, reference_rows: dict[str, tuple[list[str], list[tuple]]], folder: Path):
    """Return an in-memory DuckDB connection holding the data set (and timings)."""
    import duckdb

    folder.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    database = duckdb.connect(":memory:")
    database.execute("SET threads TO 2")
    for table in dataset.tables.values():
        started = time.perf_counter()
        path = write_csv(table, folder)
        types = ", ".join(f"'{name}': '{DUCKDB_TYPES[kind]}'" for name, kind in table.columns)
        expressions = ", ".join(_duckdb_expression(name, kind) for name, kind in table.columns)
        database.execute(
            f"CREATE TABLE {table.name} AS SELECT {expressions} FROM read_csv('{path}', header = true, "
            f"nullstr = '\\N', quote = '\"', columns = {{{types}}})"
        )
        timings[table.name] = time.perf_counter() - started
    for name, (columns, rows) in reference_rows.items():
        values = ", ".join(
            f"{column} VARCHAR" if column not in ("id", "position") else f"{column} BIGINT" for column in columns
        )
        database.execute(f"CREATE TABLE {name} ({values})")
        database.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' * len(columns))})", rows)
    return database, timings


def reference_rows() -> dict[str, tuple[list[str], list[tuple]]]:
    """The small reference tables DuckDB needs, read from the product database."""
    from salespulse.crm.models import Channel, ProductLine
    from salespulse.pipeline.models import Stage

    stage_columns = ["id", "code", "name", "name_en", "position", "kind"]
    channel_columns = ["id", "code", "name", "name_en"]
    return {
        "pipeline_stage": (stage_columns, list(Stage.objects.values_list(*stage_columns))),
        "crm_channel": (channel_columns, list(Channel.objects.values_list(*channel_columns))),
        "crm_productline": (channel_columns, list(ProductLine.objects.values_list(*channel_columns))),
    }
