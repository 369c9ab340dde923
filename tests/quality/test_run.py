"""quality/run: every monitor runs, in order, and a clean district passes them all."""

from __future__ import annotations

from homeroom.quality import MONITOR_KEYS
from quality.district import district, monitors


def test_a_clean_district_passes_every_monitor(tmp_path):
    found = monitors(tmp_path, district())
    assert list(found) == list(MONITOR_KEYS)
    for key, monitor in found.items():
        expected = "info" if key == "changed_absences" else "ok"
        assert monitor.status == expected, (key, monitor.summary)
        assert monitor.count == 0 and monitor.rows.empty
        assert monitor.title and monitor.summary
        assert monitor.explanation.count(".") >= 2, key  # two or three sentences
    assert "no previous load" in found["changed_absences"].summary
