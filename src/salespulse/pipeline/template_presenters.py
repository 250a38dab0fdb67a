"""Readable lines for a pipeline-template diff, shared by the CLI and the API."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from salespulse.pipeline.template_documents import TemplateDiff


def describe_template_diff(diff: TemplateDiff, *, pipeline_code: str) -> list[str]:
    """Return one translated sentence per change, in the order an import applies them."""
    if diff.is_empty:
        return [_("Pipeline %(pipeline)s: nothing to change.") % {"pipeline": pipeline_code}]

    lines = []
    if diff.pipeline_created:
        lines.append(_("Create pipeline %(pipeline)s.") % {"pipeline": pipeline_code})
    for key, (old, new) in diff.pipeline_changes.items():
        lines.append(
            _("Change %(field)s of pipeline %(pipeline)s from %(old)s to %(new)s.")
            % {"field": key, "pipeline": pipeline_code, "old": _text(old), "new": _text(new)}
        )
    for code in diff.stages_added:
        lines.append(_("Add stage %(stage)s.") % {"stage": code})
    for code, changes in diff.stages_changed.items():
        for key, (old, new) in changes.items():
            lines.append(
                _("Change %(field)s of stage %(stage)s from %(old)s to %(new)s.")
                % {"field": key, "stage": code, "old": _text(old), "new": _text(new)}
            )
    for code in diff.stages_removed:
        lines.append(_("Remove stage %(stage)s.") % {"stage": code})
    for code in diff.document_types_added:
        lines.append(_("Add document type %(code)s.") % {"code": code})
    for code in diff.document_types_changed:
        lines.append(_("Update document type %(code)s.") % {"code": code})
    for code in diff.gates_added:
        lines.append(_("Add the gate of stage %(stage)s.") % {"stage": code})
    for code in diff.gates_changed:
        lines.append(_("Change the gate of stage %(stage)s.") % {"stage": code})
    for code in diff.gates_removed:
        lines.append(_("Remove the gate of stage %(stage)s.") % {"stage": code})
    return lines


def _text(value: Any) -> str:
    return '""' if value in ("", None) else str(value)
