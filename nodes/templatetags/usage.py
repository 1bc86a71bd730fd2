"""`{% usage_recent 5 as calls %}`: the signed-in user's last API-node calls, in words (dashboard)."""

from __future__ import annotations

from django import template

from nodes.selectors import UsageFilters, UsageLine, usage_page

register = template.Library()


@register.simple_tag(takes_context=True)
def usage_recent(context: template.Context, limit: int = 5) -> list[UsageLine]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    rows, _cursor = usage_page(user=user, filters=UsageFilters(), cursor=None, limit=limit)
    return [UsageLine.of(row) for row in rows]
