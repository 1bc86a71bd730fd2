"""`{% hosted_time_recent 5 as lines %}`: the signed-in user's hosted ComfyUI sessions as lines of hosted
time (the dashboard panel and the Usage page)."""

from __future__ import annotations

from django import template

from accounts.models import User
from canvas.selectors import HostedTime, hosted_time_for_user

register = template.Library()


@register.simple_tag(takes_context=True)
def hosted_time_recent(context: template.Context, limit: int = 5) -> list[HostedTime]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return []
    return hosted_time_for_user(user=user, limit=limit)
