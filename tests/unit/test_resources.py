"""The shipped mapping set and SQL are found from a checkout (and, in a wheel, in the package)."""

from __future__ import annotations

import pytest

from syncd import resources


def test_shipped_mappings_and_sql_are_found() -> None:
    assert (resources.shipped_mappings() / "inpatient" / "ip_admission.yaml").is_file()
    assert (resources.shipped("sql") / "oracle" / "schema.sql").is_file()


def test_an_unknown_folder_is_a_clear_error() -> None:
    with pytest.raises(FileNotFoundError, match="without its 'nothing' folder"):
        resources.shipped("nothing")
