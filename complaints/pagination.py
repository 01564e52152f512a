"""A paginator for big tables: a bounded count, and a page found on narrow rows.

Django's admin counts the filtered rows on every page load to draw the page links, and fetches
a page by sorting the whole joined result. On 100,000 complaints both are the slowest part of
the page. Here:
- the count stops at `count_cap` + 1 rows (`SELECT COUNT(*) FROM (SELECT … LIMIT cap+1)`), so
  its cost is bounded whatever the table size; beyond the cap the page says "more than …";
- a page's rows are chosen by a subquery that sorts narrow rows without the joins
  (`WHERE id IN (SELECT id … ORDER BY … LIMIT n OFFSET m)`), and only those rows are joined and
  sorted again: still one query per page, and still a QuerySet.
It serves the complaints queue's changelist (`complaints.admin.queue`), an admin screen, not the
REST API (whose cursor pagination is `api.rest.CursorPagination`). Imports no app of the project.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property


class CappedCountPaginator(Paginator):
    count_cap = 10_000

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            return self.object_list.order_by()[: self.count_cap + 1].count()
        return min(len(self.object_list), self.count_cap + 1)

    @property
    def capped(self) -> bool:
        """True when there are more rows than were counted."""
        return self.count > self.count_cap

    def page(self, number):
        queryset = self.object_list
        if not (
            isinstance(queryset, QuerySet)
            and connections[queryset.db].features.allow_sliced_subqueries_with_in
        ):
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        page_ids = queryset.select_related(None).values("pk")[bottom:top]
        return self._get_page(queryset.filter(pk__in=page_ids), number, self)
