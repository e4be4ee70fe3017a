"""Grade sync: scores into the LMS gradebook, through the job queue as an outbox.

``outbox.queue_scores`` writes a ``grade-sync`` job in the same transaction as the work
that changed a learner's score; ``delivery.deliver`` (a worker handler) sends it with AGS;
``status`` tells instructors, learners and operators where each score stands.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask

from lti_tool.gradesync import lineitems
from lti_tool.gradesync.delivery import deliver
from lti_tool.gradesync.outbox import JOB_KIND, serial_groups
from lti_tool.jobs import serial
from lti_tool.jobs.worker import register_handler


def init_app(app: Flask) -> None:
    stalled_after = dt.timedelta(seconds=app.config["SETTINGS"].gradesync_stall_seconds)
    register_handler(app, JOB_KIND, deliver, stalled_after=stalled_after, concurrent=True)
    serial.register(app, serial_groups)
    lineitems.init_app(app)
