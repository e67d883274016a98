"""Writes a Parquet file with pyarrow's defaults (format version 2.6), for our reader to read.

Usage: write_parquet.py FILE COMPRESSION [DATA_PAGE_VERSION]
The table covers the types tonekit data uses and the ones other tools produce: strings and large
strings with unicode and nulls, integers, floats, booleans, list and fixed-size-list float columns,
dictionary-encoded strings and timestamps, in several row groups.
"""

import datetime
import sys

import pyarrow as pa
import pyarrow.parquet as pq

ROWS = 2500


def main() -> None:
    path, compression = sys.argv[1], sys.argv[2]
    data_page_version = sys.argv[3] if len(sys.argv) > 3 else "1.0"
    texts = ["plain", "Zürich — naïve", "東京 🎙️ 👩‍💻", ""]
    table = pa.table(
        {
            "id": pa.array([f"row-{i}" for i in range(ROWS)], pa.string()),
            "text": pa.array([None if i % 7 == 6 else texts[i % len(texts)] for i in range(ROWS)], pa.large_string()),
            "count": pa.array([i * 10_000_000_000 for i in range(ROWS)], pa.int64()),
            "small": pa.array([i - 1000 for i in range(ROWS)], pa.int32()),
            "score": pa.array([i / 4 for i in range(ROWS)], pa.float64()),
            "half": pa.array([i / 8 for i in range(ROWS)], pa.float32()),
            "flag": pa.array([i % 3 == 0 for i in range(ROWS)], pa.bool_()),
            "embedding": pa.array(
                [None if i % 5 == 4 else [float(i), 0.5] for i in range(ROWS)], pa.list_(pa.float32())
            ),
            "fixed": pa.array([[float(i), -1.0, 2.5] for i in range(ROWS)], pa.list_(pa.float32(), 3)),
            "category": pa.array([["alpha", "beta", "gamma"][i % 3] for i in range(ROWS)]).dictionary_encode(),
            "created": pa.array(
                [datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(seconds=i) for i in range(ROWS)],
                pa.timestamp("ms", tz="UTC"),
            ),
        }
    )
    pq.write_table(
        table,
        path,
        compression=compression,
        row_group_size=1000,
        data_page_version=data_page_version,
    )


if __name__ == "__main__":
    main()
