"""REST plumbing shared by every app's API: the one error shape and exception handler, the JSON
parser, throttling, cursor pagination, and the OpenAPI schema class.

Below the domain apps (they import it), above `core`: it imports no app of the project.
"""
