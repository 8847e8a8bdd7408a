"""What the bench scripts share, re-exported here so each script does ``from common import …``:

- ``deploy``: a production-like installation (fresh data dir and database, ``zoufang init`` + ``zoufang
  demo``, ``zoufang serve`` = gunicorn with 2 workers on a free port) and the baseline server;
- ``instances``: 四个一走访 instances with two valid ~150 KB JPEGs, as multipart bodies;
- ``client``: Collect's headers, POST, formList;
- ``load``: closed and open load loops, outcomes, summaries; ``util``: percentiles and small helpers.

Run the scripts with the project's virtualenv: ``.venv/bin/python bench/ingest.py``.
"""
from .client import FAILURE_SAMPLES, OPENROSA_HEADERS, REQUEST_TIMEOUT, SUCCESS, fetch_form, get, post
from .deploy import Deployment, ServerProcess, baseline_server, floor_server, tree_env, use_ref
from .instances import FORM_ID, Form, Submission, SubmissionFactory, four_ones_instance, make_jpeg, multipart
from .load import LoadResult, Outcome, closed_loop, open_loop, timed
from .util import free_port, load_average, log, ms, percentile

__all__ = ["FAILURE_SAMPLES", "FORM_ID", "OPENROSA_HEADERS", "REQUEST_TIMEOUT", "SUCCESS", "Deployment", "Form",
           "LoadResult", "Outcome", "ServerProcess", "Submission", "SubmissionFactory", "baseline_server",
           "closed_loop", "fetch_form", "floor_server", "four_ones_instance", "free_port", "get", "load_average", "log",
           "make_jpeg", "ms", "multipart", "open_loop", "percentile", "post", "timed", "tree_env", "use_ref"]
