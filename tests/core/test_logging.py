"""The JSON log formatter: one parseable object per record, extras and tracebacks included."""

import json
import logging

from core.logging import JsonFormatter


def record(msg="Sent %d mails", args=(3,), exc_info=None, **extra):
    rec = logging.LogRecord("redress.test", logging.ERROR, __file__, 1, msg, args, exc_info)
    for key, value in extra.items():
        setattr(rec, key, value)
    return rec


def test_one_json_object_with_the_message_formatted():
    line = JsonFormatter().format(record())
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "Sent 3 mails"
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "redress.test"
    assert entry["time"].endswith("+00:00")


def test_extras_are_fields_and_odd_values_do_not_break_it():
    entry = json.loads(JsonFormatter().format(record(complaint_id=7, request=object())))
    assert entry["complaint_id"] == 7
    assert entry["request"].startswith("<object object")
    assert "args" not in entry and "msg" not in entry


def test_a_traceback_is_one_field():
    try:
        raise ValueError("coconut")
    except ValueError:
        import sys

        entry = json.loads(JsonFormatter().format(record(exc_info=sys.exc_info())))
    assert "ValueError: coconut" in entry["exc_info"]


def test_non_ascii_stays_readable():
    entry = JsonFormatter().format(record(msg="投诉 %s", args=("ร้องเรียน",)))
    assert "投诉 ร้องเรียน" in entry
