"""Serving a room: the Voila server behind ``cct serve``, reachable at a public address, with a
login for the facilitators' apps, signed and capped participant links, kernels culled when
visitors leave, a health endpoint and a landing page. Its settings (``cct_config.py``, written by
``cct config``) are shared with ``cct plans``, so handouts link to where the server really is.
It also runs as a JupyterHub service, where facilitators log in with their hub account.
"""
