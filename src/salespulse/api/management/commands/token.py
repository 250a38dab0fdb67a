"""``salespulse token create|list|revoke``: manage API tokens from the shell."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from salespulse.accounts.models import User
from salespulse.api.models import ApiToken
from salespulse.api.selectors import tokens_of
from salespulse.api.services import issue_api_token, revoke_api_token
from salespulse.core.errors import DomainError


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


class Command(BaseCommand):
    help = "Create, list or revoke API tokens (Authorization: Bearer TOKEN)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)

        create = actions.add_parser("create", help="Create a token for a user and print it once.")
        create.add_argument("username")
        create.add_argument(
            "--name", default="", help="What the token is for, e.g. the integration's name."
        )

        listing = actions.add_parser("list", help="List tokens, of one user or of everyone.")
        listing.add_argument("username", nargs="?")

        revoke = actions.add_parser("revoke", help="Revoke a token by its prefix or numeric id.")
        revoke.add_argument("token", metavar="PREFIX_OR_ID")

    def handle(self, *args, action: str, **options) -> None:
        try:
            {"create": self._create, "list": self._list, "revoke": self._revoke}[action](**options)
        except DomainError as error:
            raise CommandError(str(error.message)) from error

    def _create(self, *, username: str, name: str, **options) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("User %(username)s does not exist.") % {"username": username})

        issued = issue_api_token(user=user, name=name)
        self.stdout.write(issued.plain)
        self.stderr.write(
            _(
                "Token %(prefix)s created for %(username)s. "
                "Copy it now: it is not stored and cannot be shown again."
            )
            % {"prefix": issued.token.prefix, "username": user.username}
        )

    def _list(self, *, username: str | None, **options) -> None:
        if username and not User.objects.filter(username=username).exists():
            raise CommandError(_("User %(username)s does not exist.") % {"username": username})

        rows = [("ID", "PREFIX", "USER", "NAME", "CREATED", "LAST USED", "REVOKED")]
        for token in tokens_of(username):
            rows.append(
                (
                    str(token.pk),
                    token.prefix,
                    token.user.username,
                    token.name or "-",
                    _local(token.created_at),
                    _local(token.last_used_at),
                    _local(token.revoked_at),
                )
            )
        widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
        for row in rows:
            self.stdout.write(
                "  ".join(
                    cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )

    def _revoke(self, *, token: str, **options) -> None:
        tokens = ApiToken.objects.select_related("user")
        # A hex prefix can consist of digits only, so the prefix is tried before the id.
        api_token = tokens.filter(prefix=token).first()
        if api_token is None and token.isdigit():
            api_token = tokens.filter(pk=int(token)).first()
        if api_token is None:
            raise CommandError(
                _("No token has the prefix or id %(value)s; see salespulse token list.")
                % {"value": token}
            )

        revoke_api_token(token=api_token)
        self.stdout.write(
            _("Token %(prefix)s of %(username)s revoked.")
            % {"prefix": api_token.prefix, "username": api_token.user.username}
        )
