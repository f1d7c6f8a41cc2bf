"""The redlane service: an authenticated, partner-scoped, audited HTTP API and web console.

``create_app()`` (in :mod:`redlane.api.app`) builds the FastAPI application; ``redlane serve``
runs it with uvicorn. Modules, one job each:

``security``   secret key, password hashing (argon2), JWTs, API-key hashing, login rate limit
``auth``       who is calling (bearer JWT, ``X-API-Key``, console cookie) and the one
               authorisation dependency every route declares (:func:`redlane.api.auth.access`)
``policy``     adapter from a caller to :mod:`redlane.policy`, the one disclosure policy
               every read of partner records (and every export) goes through
``case_views`` case reads and actions shared by ``/v1/cases`` and the console's case pages
``brand_views`` brand access rules and reads shared by ``/v1`` brand routes and brand pages
``deps``       ``SessionDep``, the request's database session as a route parameter
``problems``   RFC 9457 problem details and the request size limit
``engines``    warm screening / live-matching engines built by other packages (loaded lazily)
``criteria``   rule / lookout criteria checked against the targeting engine before storing
``audit_buffer`` screening audit entries written in batches by one thread
``queries`` / ``actions``  reads and decisions shared by the API and the console
``users``      user and API-key administration, demo users, officers' ports
``routers/``   the ``/v1`` routes, one module per area; ``web/`` the server-rendered console
               (``web/kit.py`` the page kit, one module of pages per area)
"""
