"""The hand-made district's fixtures, for test_equity.py until it moves to tests/web/data/
(they live in tests/web/conftest.py; this folder then goes)."""

from web.conftest import serving, serving_path, workspace

__all__ = ["serving", "serving_path", "workspace"]
