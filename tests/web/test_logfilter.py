"""The access log never holds a student id from an API path."""

from __future__ import annotations

import logging
import logging.config

from homeroom.web.logfilter import StudentPathFilter, access_log_config, masked


def test_an_api_student_path_is_masked_and_others_are_kept() -> None:
    assert masked("/api/v1/students/S0000042") == "/api/v1/students/~"
    assert masked("/api/v1/students/S0000042/plans?x=1") == "/api/v1/students/~/plans?x=1"
    assert masked("/api/v1/students?school=E01") == "/api/v1/students?school=E01"
    assert masked("/students/0a1b2c3d4e5f60718293") == "/students/0a1b2c3d4e5f60718293"


def test_uvicorns_access_line_goes_through_the_filter(capsys) -> None:  # noqa: ANN001
    logger = logging.getLogger("uvicorn.access")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    logging.config.dictConfig(access_log_config())
    try:
        logger.info(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", "/api/v1/students/S0000042", "1.1", 200
        )
        line = capsys.readouterr().out
        assert "/api/v1/students/~" in line and "S0000042" not in line
        assert any(isinstance(f, StudentPathFilter) for h in logger.handlers for f in h.filters)
    finally:  # the other tests' loggers as they were
        logger.handlers[:], logger.level, logger.propagate = saved
