"""Resolve the names a sheet uses for related records (owner, channel, tier, product …) to ids.

Each reference table is loaded once per import into a dict keyed by a normalised
name (NFKC, case-folded, inner whitespace collapsed). Whitespace is collapsed but
not removed, so ``GTXPro`` does not silently equal ``GTX Pro``; such near misses go
through ``close_match`` and are reported.

Customers are loaded as the acting user sees them (``visible_customers``), so a
rep's sheet cannot attach a deal, contact or interaction to a customer the rep may
not see: such a name is unknown, like a name that exists nowhere. An import
without an acting user (the CLI without ``--user``) loads every customer.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz, process

from salespulse.accounts.models import Region, Team, User
from salespulse.crm import selectors
from salespulse.crm.models import Channel, Customer, CustomerTier, Product, ProductLine
from salespulse.pipeline.models import Pipeline, Stage

# A close match must score at least this on rapidfuzz's ratio (0-100) to be offered.
CLOSE_MATCH_MIN_SCORE = 85

AMBIGUOUS = -1


def lookup_key(text: object) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(text or ""))).strip().casefold()


class Lookups:
    """Name → id maps for one import; ``remember_*`` adds records the import creates."""

    def __init__(self, pipeline: Pipeline, actor: User | None = None) -> None:
        self.pipeline = pipeline
        self.actor = actor
        self._maps: dict[str, dict[str, int]] = {}
        self.stages = {stage.pk: stage for stage in pipeline.stages.all()}
        self._users: dict[int, User] = {}

    def _map(self, name: str) -> dict[str, int]:
        if name not in self._maps:
            self._maps[name] = getattr(self, f"_load_{name}")()
        return self._maps[name]

    @staticmethod
    def _add(mapping: dict[str, int], key: object, pk: int) -> None:
        normalised = lookup_key(key)
        if not normalised:
            return
        existing = mapping.get(normalised)
        mapping[normalised] = pk if existing in (None, pk) else AMBIGUOUS

    def _load_users(self) -> dict[str, int]:
        mapping: dict[str, int] = {}
        for user in User.objects.only("pk", "username", "display_name", "first_name", "last_name"):
            for key in (
                user.username,
                user.display_name,
                f"{user.first_name} {user.last_name}",
                f"{user.last_name}{user.first_name}",
            ):
                self._add(mapping, key, user.pk)
        return mapping

    def _load_customers(self) -> dict[str, int]:
        mapping: dict[str, int] = {}
        customers = (
            Customer.objects.all()
            if self.actor is None
            else selectors.visible_customers(self.actor)
        )
        for pk, name, external_id in customers.values_list("pk", "name", "external_id"):
            self._add(mapping, name, pk)
            self._add(mapping, external_id, pk)
        return mapping

    def _load_channels(self) -> dict[str, int]:
        return self._load_coded(Channel.objects.values_list("pk", "code", "name", "name_en"))

    def _load_tiers(self) -> dict[str, int]:
        return self._load_coded(CustomerTier.objects.values_list("pk", "code", "name"))

    def _load_regions(self) -> dict[str, int]:
        return self._load_coded(Region.objects.values_list("pk", "code", "name"))

    def _load_teams(self) -> dict[str, int]:
        return self._load_coded(Team.objects.values_list("pk", "code", "name"))

    def _load_product_lines(self) -> dict[str, int]:
        return self._load_coded(ProductLine.objects.values_list("pk", "code", "name", "name_en"))

    def _load_products(self) -> dict[str, int]:
        return self._load_coded(Product.objects.values_list("pk", "code", "name"))

    def _load_coded(self, rows) -> dict[str, int]:
        mapping: dict[str, int] = {}
        for pk, *names in rows:
            for name in names:
                self._add(mapping, name, pk)
        return mapping

    def find(self, table: str, text: object) -> int | None:
        """Return the id named ``text`` in ``table``, None if unknown, AMBIGUOUS if several."""
        return self._map(table).get(lookup_key(text))

    def remember(self, table: str, pk: int, *names: object) -> None:
        mapping = self._map(table)
        for name in names:
            self._add(mapping, name, pk)

    def close_match(self, table: str, text: object) -> str | None:
        """Return the known name most like ``text`` (spaces ignored), or None."""
        names = list(self._map(table))
        squeezed = {name.replace(" ", ""): name for name in names}
        match = process.extractOne(
            lookup_key(text).replace(" ", ""),
            list(squeezed),
            scorer=fuzz.ratio,
            score_cutoff=CLOSE_MATCH_MIN_SCORE,
        )
        return squeezed[match[0]] if match else None

    def user_instance(self, pk: int | None) -> User | None:
        if pk is None:
            return None
        if pk not in self._users:
            self._users[pk] = User.objects.get(pk=pk)
        return self._users[pk]

    def stage(self, text: object, mapping: dict[str, str] | None = None) -> Stage | None:
        """Return the stage named ``text`` (code, Chinese or English name), through ``mapping`` first."""
        key = lookup_key(text)
        if mapping:
            mapped = {lookup_key(source): code for source, code in mapping.items()}
            if key in mapped:
                key = lookup_key(mapped[key])
        for stage in self.stages.values():
            if key in (lookup_key(stage.code), lookup_key(stage.name), lookup_key(stage.name_en)):
                return stage
        return None
