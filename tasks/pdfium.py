"""The one lock around pdfium: it is not thread-safe, and the parse and comic stages both use it.

Prefect runs tasks of different papers in threads of one process; two documents opened, rendered or
read at the same time in different threads can crash the process, so every use holds this lock.
"""

from __future__ import annotations

import threading

PDFIUM_LOCK = threading.Lock()
