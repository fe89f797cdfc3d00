"""gunicorn settings read from the project folder (gunicorn loads ./gunicorn.conf.py by itself).

Command-line options override these. The hooks move garbage collection off the requests' path
(see tawasul/core/memory.py).
"""

wsgi_app = "tawasul.wsgi:application"


def post_worker_init(worker):
    from tawasul.core.memory import worker_started

    worker_started()


def post_request(worker, req, environ, resp):
    from tawasul.core.memory import request_finished

    request_finished()
