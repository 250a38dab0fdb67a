"""The scale data set of `make bench`, its fast loaders and the DuckDB speed reference.

``generate`` builds deterministic rows as tuples (no ORM objects). ``load`` writes them
into SQLite (executemany) or PostgreSQL (COPY) and into DuckDB (CSV). ``questions``
defines every timed question twice: through the product's selectors and as DuckDB SQL.
"""
