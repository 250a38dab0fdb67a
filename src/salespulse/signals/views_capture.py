"""The quick-capture phone page: paste → pre-filled record → one tap saves it.

Thin: parse, call ``services_capture``, render. A draft of another user gives 404.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from salespulse.core.errors import DomainError, NotFound, PermissionDenied
from salespulse.signals import selectors, services_capture
from salespulse.signals.forms_capture import CaptureConfirmForm, SnippetForm
from salespulse.signals.models import Signal, SignalStatus

logger = logging.getLogger(__name__)


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "signals/forbidden.html", {"message": message}, status=403)


@login_required
@require_http_methods(["GET", "POST"])
def capture(request: HttpRequest) -> HttpResponse:
    """Paste step. ``?text=`` pre-fills the box, so a share link or shortcut can open it."""
    if request.method == "POST":
        form = SnippetForm(request.POST)
        if form.is_valid():
            try:
                draft = services_capture.start_capture(
                    user=request.user, text=form.cleaned_data["text"], action=request.POST.get("action", "")
                )
            except PermissionDenied as error:
                return forbidden(request, str(error.message))
            except DomainError as error:
                form.add_error("text" if error.field == "text" else None, str(error.message))
            else:
                return redirect("signals:capture_confirm", pk=draft.pk)
        status = 400
    else:
        form = SnippetForm(initial={"text": request.GET.get("text", "")})
        status = 200
    context = {"form": form, "recent": selectors.recent_captures(request.user)}
    return render(request, "signals/capture.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def capture_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Pre-filled record; each action button saves it with that action."""
    try:
        draft = services_capture.get_pending_draft(request.user, pk)
    except NotFound as error:
        raise Http404(error.message) from error
    except DomainError as error:
        messages.info(request, str(error.message))
        return redirect("signals:capture")

    if request.method == "POST":
        form = CaptureConfirmForm(request.user, request.POST)
        if form.is_valid():
            saved = _confirm(request, draft, form)
            if saved is not None:
                return saved
        status = 400
    else:
        form = CaptureConfirmForm.initial_from(request.user, draft)
        status = 200
    context = {
        "form": form,
        "draft": draft,
        "extracted": draft.extracted,
        "amount": services_capture.amount_of(draft),
        "actions": [
            choice for choice in services_capture.CaptureAction if choice != services_capture.CaptureAction.MESSAGE
        ],
        "suggested_action": draft.action,
    }
    return render(request, "signals/capture_confirm.html", context, status=status)


def _confirm(request: HttpRequest, draft, form: CaptureConfirmForm) -> HttpResponse | None:
    data = form.cleaned_data
    confirmation = services_capture.CaptureConfirmation(
        text=data["text"],
        occurred_at=data["occurred_at"],
        action=request.POST.get("action") or services_capture.CaptureAction.MESSAGE,
        customer=data["customer"],
        opportunity=data["opportunity"],
        channel=data["channel"],
        inbound=data["inbound"],
        nickname=data["nickname"],
        objection_category=data["objection_category"] or "other",
    )
    try:
        saved = services_capture.confirm_capture(user=request.user, draft=draft, confirmation=confirmation)
    except PermissionDenied as error:
        return forbidden(request, str(error.message))
    except DomainError as error:
        field = error.field if error.field in form.fields else None
        form.add_error(field, str(error.message))
        return None

    if saved.lead_id:
        messages.success(request, _("Saved as pending lead %(name)s.") % {"name": saved.lead.name})
    else:
        count = Signal.objects.filter(interaction=saved.interaction).exclude(status=SignalStatus.REJECTED).count()
        messages.success(
            request,
            _("Saved to %(customer)s with %(count)s signal(s).")
            % {"customer": saved.interaction.customer.name, "count": count},
        )
    return redirect("signals:capture")
