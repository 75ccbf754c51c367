"""The operations console (issue 16): a web application in Chinese for the IT operator.

:mod:`~syncd.console.app` builds the Starlette app; :mod:`~syncd.console.server` serves it with
uvicorn (``syncd console``, or beside the daemon in ``syncd run``).  It reads through
:mod:`syncd.db` and acts through the operator module (:mod:`syncd.engine.operator`): it holds
no SQL and no delivery rule of its own.  Logins, sessions and CSRF: :mod:`~syncd.console.auth`.
"""
