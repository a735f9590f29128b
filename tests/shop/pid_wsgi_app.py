"""A WSGI app for the gunicorn worker tests: answers with its process id after `?sleep=` seconds
(`?frozen=1`: how many objects the garbage collector has frozen in this process)."""

import gc
import os
import time
from urllib.parse import parse_qs


def app(environ, start_response):
    seconds = float(parse_qs(environ.get("QUERY_STRING", "")).get("sleep", ["0"])[0])
    time.sleep(min(seconds, 5))
    query = parse_qs(environ.get("QUERY_STRING", ""))
    body = str(gc.get_freeze_count() if query.get("frozen") else os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
