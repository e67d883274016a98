"""Prints what pyarrow sees in a Parquet file, as JSON, for the interop tests.

Usage: inspect_parquet.py FILE [COLUMN ...]
Output: row and row-group counts, the Arrow schema pyarrow reconstructs, codec and creator, and the
values of the given columns for the first rows (floats as written, lists as lists).
"""

import json
import sys

import pyarrow.parquet as pq


def main() -> None:
    path = sys.argv[1]
    columns = sys.argv[2:]
    parquet_file = pq.ParquetFile(path)
    metadata = parquet_file.metadata
    table = pq.read_table(path)
    first = metadata.row_group(0).column(0) if metadata.num_row_groups else None
    result = {
        "num_rows": metadata.num_rows,
        "num_row_groups": metadata.num_row_groups,
        "row_group_rows": [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)],
        "created_by": metadata.created_by,
        "format_version": metadata.format_version,
        "compression": first.compression if first is not None else None,
        "schema": [f"{field.name}: {field.type}{'' if field.nullable else ' not null'}" for field in table.schema],
        "schema_metadata": {
            key.decode(): value.decode()
            for key, value in (table.schema.metadata or {}).items()
            if key != b"ARROW:schema"
        },
        "rows": table.select(columns).slice(0, 5).to_pylist() if columns else [],
        "null_counts": {name: table.column(name).null_count for name in columns},
    }
    json.dump(result, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
