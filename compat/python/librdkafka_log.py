"""The protocol request versions librdkafka sends, read from its `debug=protocol` log.

Shared by the confluent-kafka-python scripts: pass `client_logger(name)` as a client's
"logger" (with "debug": "protocol"), then report `sent_versions()`.
"""

import logging
import re

SENT = re.compile(r"Sent (\w+)Request \(v(\d+)")
_request_versions = {}


class VersionLog(logging.Handler):
    """Collects "Sent <Api>Request (vN, ...)" lines from librdkafka's protocol debug log."""

    def emit(self, record):
        for api, version in SENT.findall(record.getMessage()):
            _request_versions.setdefault(api, set()).add(int(version))


def client_logger(name):
    logger = logging.getLogger(name)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(VersionLog())
    return logger


def sent_versions():
    """{api: [versions, ascending]} of every request logged so far."""
    return {api: sorted(v) for api, v in sorted(_request_versions.items())}
