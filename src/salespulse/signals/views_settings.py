"""The tagger settings page: tags, phrases, competitors, labelled examples, per-tag
precision, a live preview, retraining and re-tagging (operations and administrators)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salespulse.core.errors import DomainError
from salespulse.signals import selectors, services_config, tagger_jobs
from salespulse.signals.forms_settings import CompetitorForm, ExampleForm, PhraseForm, PreviewForm, TagForm
from salespulse.signals.highlight import Span, highlight
from salespulse.signals.models import Competitor, LabelledExample, TagDefinition, TagPhrase
from salespulse.signals.views_capture import forbidden

logger = logging.getLogger(__name__)

EXAMPLES_SHOWN = 50
POLL_SECONDS = 1


def configurers_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not selectors.may_configure_tagger(request.user):
            logger.info("user %s denied tagger settings page %s", request.user.pk, request.path)
            return forbidden(request, _("Only sales operations and administrators can change the tagger settings."))
        return view(request, *args, **kwargs)

    return wrapper


def _settings_redirect(anchor: str) -> HttpResponse:
    from django.urls import reverse

    return redirect(reverse("signals:settings") + f"#{anchor}")


def _report(request: HttpRequest, error: DomainError) -> None:
    logger.info("tagger settings change by user %s rejected: %s", request.user.pk, error.code)
    messages.error(request, str(error.message))


@configurers_only
@require_GET
def settings_page(request: HttpRequest) -> HttpResponse:
    precision = selectors.tag_precision()
    counts = selectors.signal_counts_by_tag()
    tags = list(TagDefinition.objects.prefetch_related("phrases"))
    for tag in tags:
        tag.stats = precision.get(tag.code) or selectors.TagPrecision(tag.code)
        tag.signal_count = counts.get(tag.code, 0)
    context = {
        "tags": tags,
        "competitors": Competitor.objects.all(),
        "examples": LabelledExample.objects.exclude(origin=LabelledExample.Origin.DEVSET)
        .select_related("created_by")[:EXAMPLES_SHOWN],
        "devset_count": LabelledExample.objects.filter(origin=LabelledExample.Origin.DEVSET).count(),
        "tag_form": TagForm(),
        "phrase_form": PhraseForm(),
        "competitor_form": CompetitorForm(),
        "example_form": ExampleForm(),
        "preview_form": PreviewForm(),
        "model": selectors.latest_tagger_model(),
        "retrain": tagger_jobs.progress(tagger_jobs.RETRAIN_KEY),
        "retag": tagger_jobs.progress(tagger_jobs.RETAG_KEY),
        "names": {tag.code: tag.name for tag in tags},
        "poll_seconds": POLL_SECONDS,
    }
    return render(request, "signals/settings.html", context)


@configurers_only
@require_POST
def tag_save(request: HttpRequest) -> HttpResponse:
    form = TagForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the tag: code and Chinese name are required."))
        return _settings_redirect("tags")
    try:
        tag = services_config.save_tag(actor=request.user, **form.cleaned_data)
    except DomainError as error:
        _report(request, error)
    else:
        messages.success(request, _("Tag %(tag)s saved.") % {"tag": tag.name})
    return _settings_redirect("tags")


@configurers_only
@require_POST
def tag_toggle(request: HttpRequest, code: str) -> HttpResponse:
    tag = get_object_or_404(TagDefinition, code=code)
    services_config.set_tag_enabled(actor=request.user, tag=tag, enabled=request.POST.get("enabled") == "1")
    return _settings_redirect(f"tag-{tag.code}")


@configurers_only
@require_POST
def phrase_add(request: HttpRequest) -> HttpResponse:
    form = PhraseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a tag and enter a phrase."))
        return _settings_redirect("tags")
    try:
        services_config.add_phrase(actor=request.user, **form.cleaned_data)
    except DomainError as error:
        _report(request, error)
    else:
        messages.success(request, _("Phrase added."))
    return _settings_redirect(f"tag-{form.cleaned_data['tag'].code}")


@configurers_only
@require_POST
def phrase_delete(request: HttpRequest, pk: int) -> HttpResponse:
    phrase = get_object_or_404(TagPhrase.objects.select_related("tag"), pk=pk)
    code = phrase.tag.code
    services_config.delete_phrase(actor=request.user, phrase=phrase)
    messages.success(request, _("Phrase removed."))
    return _settings_redirect(f"tag-{code}")


@configurers_only
@require_POST
def competitor_save(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    competitor = get_object_or_404(Competitor, pk=pk) if pk else None
    form = CompetitorForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the competitor's name."))
        return _settings_redirect("competitors")
    try:
        saved = services_config.save_competitor(
            actor=request.user,
            name=form.cleaned_data["name"],
            aliases=services_config.parse_aliases(form.cleaned_data["aliases"]),
            enabled=form.cleaned_data["enabled"],
            competitor=competitor,
        )
    except DomainError as error:
        _report(request, error)
    else:
        messages.success(request, _("Competitor %(name)s saved.") % {"name": saved.name})
    return _settings_redirect("competitors")


@configurers_only
@require_POST
def competitor_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services_config.delete_competitor(actor=request.user, competitor=get_object_or_404(Competitor, pk=pk))
    messages.success(request, _("Competitor removed."))
    return _settings_redirect("competitors")


@configurers_only
@require_POST
def example_add(request: HttpRequest) -> HttpResponse:
    form = ExampleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the example's text."))
        return _settings_redirect("examples")
    try:
        services_config.add_example(actor=request.user, **form.cleaned_data)
    except DomainError as error:
        _report(request, error)
    else:
        messages.success(request, _("Example added."))
    return _settings_redirect("examples")


@configurers_only
@require_POST
def example_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services_config.delete_example(actor=request.user, example=get_object_or_404(LabelledExample, pk=pk))
    messages.success(request, _("Example removed."))
    return _settings_redirect("examples")


@configurers_only
@require_GET
def preview(request: HttpRequest) -> HttpResponse:
    """The live preview fragment: tags with highlighted evidence, and entities."""
    form = PreviewForm(request.GET)
    text = form.data.get("text", "")[:5000]
    result = services_config.preview(text, channel=form.data.get("channel", ""), speaker=form.data.get("speaker", ""))
    names = selectors.tag_names()
    spans = [
        Span(hit.start, hit.end, f"{names.get(hit.tag, hit.tag)}: {hit.trigger or hit.evidence}", "tag", hit.tag)
        for hit in result.tags
    ] + [Span(entity.start, entity.end, entity.kind, f"entity {entity.kind}", "") for entity in result.entities]
    context = {"result": result, "marked": highlight(text, spans), "names": names, "text": text}
    return render(request, "signals/_preview.html", context)


@configurers_only
@require_POST
def retrain(request: HttpRequest) -> HttpResponse:
    try:
        tagger_jobs.start_retrain(actor=request.user)
    except DomainError as error:
        _report(request, error)
    return _job_response(request, "retrain")


@configurers_only
@require_POST
def retag(request: HttpRequest) -> HttpResponse:
    try:
        tagger_jobs.start_retag(actor=request.user)
    except DomainError as error:
        _report(request, error)
    return _job_response(request, "retag")


def _job_response(request: HttpRequest, kind: str) -> HttpResponse:
    if request.htmx:
        return _render_job(request, kind)
    return _settings_redirect(kind)


@configurers_only
@require_GET
def job_progress(request: HttpRequest, kind: str) -> HttpResponse:
    """The progress block of a retrain or re-tag run; htmx polls it while it runs."""
    return _render_job(request, kind)


def _render_job(request: HttpRequest, kind: str) -> HttpResponse:
    key = tagger_jobs.RETRAIN_KEY if kind == "retrain" else tagger_jobs.RETAG_KEY
    context = {
        "kind": kind,
        "job": tagger_jobs.progress(key),
        "model": selectors.latest_tagger_model(),
        "poll_seconds": POLL_SECONDS,
        "names": selectors.tag_names(),
    }
    return render(request, "signals/_job.html", context)
