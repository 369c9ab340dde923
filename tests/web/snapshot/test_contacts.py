"""The serving file's contacts table: always there, empty for a load without contacts."""

from __future__ import annotations

from homeroom.contract.schema import VALIDATED
from homeroom.warehouse import connect, open_workspace
from homeroom.web.snapshot import FORMAT_VERSION, open_serving, prepare_serving
from web.data.district import make_workspace


def _contacts(path) -> tuple[list[tuple[str, str]], int]:
    with open_serving(path) as serving, serving.cursor() as cur:
        described = [(r[0], r[1]) for r in cur.execute("DESCRIBE contacts").fetchall()]
        count = cur.execute("SELECT count(*) FROM contacts").fetchall()[0][0]
    return described, count


def test_a_load_without_contacts_serves_an_empty_contacts_table(serving_path):
    described, count = _contacts(serving_path)
    assert described == list(VALIDATED["contacts"].items())
    assert count == 0
    assert FORMAT_VERSION == 5


def test_a_load_made_before_contacts_existed_serves_an_empty_table(tmp_path):
    workspace = open_workspace(make_workspace(tmp_path))
    con = connect(workspace)
    try:
        con.execute("DROP TABLE contacts")  # as a warehouse loaded by an older version
    finally:
        con.close()
    described, count = _contacts(prepare_serving(workspace, force=True))
    assert described == list(VALIDATED["contacts"].items())
    assert count == 0
