"""`manage.py create_api_token <username> [--name NAME] [--scope SCOPE ...] [--expires-days N]`: issue or rotate an
API token. Without `--scope` the token gets every scope the user's role allows.

The key is printed once, alone on the last line (so scripts can take `| tail -n1`); only its hash
is stored. Running it again for the same user and name revokes the old key.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from api.scopes import SCOPES
from api.services import api_token_issue
from core.errors import DomainError


class Command(BaseCommand):
    help = "Create (or rotate) an API token for a user and print its key on the last line."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--name", default="default", help="Which integration (default: default)."
        )
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            choices=list(SCOPES),
            help="A scope the token gets (repeat for several; default: what the role allows).",
        )
        parser.add_argument(
            "--expires-days",
            type=int,
            default=None,
            help="The token is refused this many days from now (default: it does not expire).",
        )

    def handle(self, *args, **options) -> None:
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: options["username"]})
        except User.DoesNotExist:
            raise CommandError(f"No user {options['username']!r}.") from None
        try:
            days = options["expires_days"]
            token, key = api_token_issue(
                user=user,
                name=options["name"],
                scopes=options["scopes"],
                expires_at=timezone.now() + timedelta(days=days) if days is not None else None,
            )
        except DomainError as error:
            raise CommandError(f"{error.message} {error.fields}") from None
        self.stdout.write(
            f"API token {token.name!r} for {user.get_username()} (prefix {token.prefix}, "
            f"scopes: {', '.join(token.scopes) or 'none'}); "
            "any earlier key of that name is revoked. Store the key now, it is not shown again:"
        )
        self.stdout.write(key)
