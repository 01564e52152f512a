"""REST plumbing shared by every app's API, and a Django app (label `api`) for its own data: token
authentication and its `ApiToken` model (issued in the admin or by `manage.py create_api_token`),
idempotent replies and their `IdempotencyRecord` (forgotten by a beat task), the one error shape
and exception handler, the JSON parser, throttling, cursor pagination, and the OpenAPI schema
class.

Below the domain apps (they import it), above `core`: it imports no app of the project.
"""
