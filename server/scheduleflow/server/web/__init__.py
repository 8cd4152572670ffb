"""The schedule page: ScheduleFlow's face for people, on its own HTTP port.

``server`` serves it (aiohttp, on the gRPC server's event loop), ``auth``
decides who may read it, ``live`` bridges WatchSchedule to the browser,
``timeline`` computes the days and hour marks a view draws (sans-IO), and
``static/`` holds the page itself: plain HTML, CSS and JavaScript, nothing
fetched from anywhere else.
"""

from scheduleflow.server.web.server import WebServer

__all__ = ["WebServer"]
