"""Log records as JSON lines (production settings), for a log collector to index."""

import json
import logging
from datetime import UTC, datetime

# Attributes every LogRecord has; anything else was passed in ``extra`` and is kept.
STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JSONLinesFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        for key, value in vars(record).items():
            if key not in STANDARD and key not in entry:
                entry[key] = value
        return json.dumps(entry, default=str)
