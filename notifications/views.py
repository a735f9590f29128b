"""The inbox page. Thin: selectors read, services write, messages tell the result."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from notifications.selectors import notification_list
from notifications.services import notification_mark_all_read
from shop.http import logged_in_user_id

PAGE_SIZE = 20


@require_GET
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(notification_list(user_id=logged_in_user_id(request)), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {
        "page": page, "notifications": page.object_list,
        "has_unread": any(n.is_unread for n in page.object_list),
    })


@require_POST
@login_required
def mark_all_read(request: HttpRequest) -> HttpResponse:
    changed = notification_mark_all_read(user_id=logged_in_user_id(request))
    if changed:
        messages.success(request, "All notifications are marked as read.")
    return redirect("notifications:list")
