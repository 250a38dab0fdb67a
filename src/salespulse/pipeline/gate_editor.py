"""The form-based gate-rule builder: editor rows to a rule tree and back.

The editor shows a top-level combinator (all / any) and a list of condition rows. A row
is a leaf condition (field, attachment, objections, checklist) or one group of leaf
conditions. Imported templates may nest deeper, but this editor cannot show that.

Form fields are named by row key: top-level rows are listed by repeated ``row`` values
(``row=1&row=4``), their fields are ``c-<key>-<name>``; a group lists its children in
``c-<key>-row`` and a child's key is ``<group key>-<child key>``. The order of the
``row`` values is the order of the conditions in the stored rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salespulse.core.errors import DomainError
from salespulse.crm.models import Opportunity
from salespulse.pipeline.gates import COMPARISONS, GATE_FIELDS
from salespulse.pipeline.models import DocumentType, StageGate

LEAF_KINDS = ("field", "attachment", "objections", "checklist")
GROUP = "group"
COMBINATORS = ("all", "any")
# More rows than any real gate needs; it bounds the work a crafted request can cause.
MAX_ROWS = 30
_KEY = re.compile(r"^[0-9]{1,4}$")
# "$.all[2].value" or "$.all[1].any[0].min": the row (and child) a validation error is about.
_ERROR_PATH = re.compile(r"^\$\.(?:all|any)\[(\d+)\](?:\.(?:all|any)\[(\d+)\])?")

KIND_LABELS = {
    "field": gettext_lazy("Required field"),
    "attachment": gettext_lazy("Required attachment"),
    "objections": gettext_lazy("Objections with a response"),
    "checklist": gettext_lazy("Checklist confirmation"),
    GROUP: gettext_lazy("Group of conditions"),
}
COMBINATOR_CHOICES = [
    ("all", gettext_lazy("All of these (AND)")),
    ("any", gettext_lazy("Any one of these (OR)")),
]
OPERATOR_LABELS = {
    "present": gettext_lazy("is filled in"),
    "gt": gettext_lazy("greater than (>)"),
    "gte": gettext_lazy("at least (≥)"),
    "lt": gettext_lazy("less than (<)"),
    "lte": gettext_lazy("at most (≤)"),
}
# The editor offers these; "lt" and "lte" appear only on rows that already use them.
EDITOR_OPERATORS = ("present", "gt", "gte")


def field_label(name: str) -> str:
    return capfirst(str(Opportunity._meta.get_field(name).verbose_name))


class FieldConditionForm(forms.Form):
    field = forms.ChoiceField(label=gettext_lazy("Field"))
    op = forms.ChoiceField(label=gettext_lazy("Condition"))
    value = forms.CharField(label=gettext_lazy("Amount"), required=False, max_length=40)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [(name, field_label(name)) for name in GATE_FIELDS]
        current = self.data.get(self.add_prefix("op")) if self.is_bound else self.initial.get("op")
        operators = [
            *EDITOR_OPERATORS,
            *([current] if current in COMPARISONS and current not in EDITOR_OPERATORS else []),
        ]
        self.fields["op"].choices = [(op, OPERATOR_LABELS[op]) for op in operators]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("op") in COMPARISONS and not data.get("value", "").strip():
            self.add_error("value", _("Enter the amount to compare with, such as 0."))
        return data

    def to_rule(self) -> dict[str, Any]:
        data = self.cleaned_data
        leaf = {"type": "field", "field": data["field"], "op": data["op"]}
        if data["op"] in COMPARISONS:
            leaf["value"] = data["value"].strip()
        return leaf


class AttachmentConditionForm(forms.Form):
    document_type = forms.ChoiceField(label=gettext_lazy("Document type"))
    min = forms.IntegerField(
        label=gettext_lazy("At least (files)"), min_value=1, max_value=50, initial=1
    )

    def __init__(self, *args, document_types: list[DocumentType], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document_type"].choices = [(item.code, item.name) for item in document_types]

    def to_rule(self) -> dict[str, Any]:
        return {
            "type": "attachment",
            "document_type": self.cleaned_data["document_type"],
            "min": self.cleaned_data["min"],
        }


class ObjectionsConditionForm(forms.Form):
    min = forms.IntegerField(
        label=gettext_lazy("At least (objections)"), min_value=1, max_value=50, initial=3
    )
    with_response = forms.BooleanField(
        label=gettext_lazy("each with a response"), required=False, initial=True
    )

    def to_rule(self) -> dict[str, Any]:
        return {
            "type": "objections",
            "min": self.cleaned_data["min"],
            "with_response": self.cleaned_data["with_response"],
        }


class ChecklistConditionForm(forms.Form):
    code = forms.SlugField(label=gettext_lazy("Code"), max_length=40)
    label = forms.CharField(label=gettext_lazy("Text in Chinese"), max_length=200)
    label_en = forms.CharField(
        label=gettext_lazy("Text in English"), max_length=200, required=False
    )

    def to_rule(self) -> dict[str, Any]:
        leaf = {
            "type": "checklist",
            "code": self.cleaned_data["code"],
            "label": self.cleaned_data["label"],
        }
        if self.cleaned_data["label_en"]:
            leaf["label_en"] = self.cleaned_data["label_en"]
        return leaf


LEAF_FORMS: dict[str, type[forms.Form]] = {
    "field": FieldConditionForm,
    "attachment": AttachmentConditionForm,
    "objections": ObjectionsConditionForm,
    "checklist": ChecklistConditionForm,
}


@dataclass
class ConditionRow:
    """One editor row: a leaf condition with its form, or a group of leaf rows."""

    key: str
    kind: str
    form: forms.Form | None = None
    combinator: str = "all"
    children: list[ConditionRow] = field(default_factory=list)
    error: str = ""

    @property
    def prefix(self) -> str:
        return f"c-{self.key}"

    @property
    def is_group(self) -> bool:
        return self.kind == GROUP

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self.kind])

    @property
    def child_key(self) -> str:
        """The key part of this row inside its group (``4`` of ``2-4``)."""
        return self.key.rsplit("-", 1)[-1]


@dataclass
class GateEditor:
    """The editor's state: what the page shows and what saving turns into a rule."""

    combinator: str = "all"
    enabled: bool = True
    rows: list[ConditionRow] = field(default_factory=list)
    error: str = ""
    # A stored rule nested deeper than one group level cannot be shown, so it cannot be saved here.
    too_deep: bool = False

    @property
    def combinator_choices(self) -> list[tuple[str, Any]]:
        return COMBINATOR_CHOICES

    @property
    def has_errors(self) -> bool:
        return bool(self.error) or any(_row_has_errors(row) for row in self.rows)


def _row_has_errors(row: ConditionRow) -> bool:
    if row.error or (row.form is not None and row.form.is_bound and row.form.errors):
        return True
    return any(_row_has_errors(child) for child in row.children)


def _make_form(kind: str, prefix: str, document_types: list[DocumentType], **kwargs) -> forms.Form:
    form_class = LEAF_FORMS[kind]
    if form_class is AttachmentConditionForm:
        kwargs["document_types"] = document_types
    return form_class(prefix=prefix, **kwargs)


def new_row(kind: str, key: str, document_types: list[DocumentType]) -> ConditionRow:
    if kind == GROUP:
        return ConditionRow(key=key, kind=GROUP)
    return ConditionRow(key=key, kind=kind, form=_make_form(kind, f"c-{key}", document_types))


# --- stored rule -> editor -------------------------------------------------------------


def editor_from_gate(gate: StageGate | None, document_types: list[DocumentType]) -> GateEditor:
    if gate is None:
        return GateEditor(enabled=True)
    rule = gate.rule or {"all": []}
    combinator = "any" if "any" in rule else "all"
    nodes = rule.get(combinator, [rule] if rule.get("type") else [])
    editor = GateEditor(combinator=combinator, enabled=gate.enabled)
    for index, node in enumerate(nodes, start=1):
        row = _row_from_node(node, str(index), document_types, nested=False)
        if row is None:
            editor.too_deep = True
            continue
        editor.rows.append(row)
    return editor


def _row_from_node(
    node: dict, key: str, document_types: list[DocumentType], *, nested: bool
) -> ConditionRow | None:
    group = next((name for name in COMBINATORS if name in node), None)
    if group is not None:
        if nested:
            return None
        row = ConditionRow(key=key, kind=GROUP, combinator=group)
        for index, child in enumerate(node[group], start=1):
            child_row = _row_from_node(child, f"{key}-{index}", document_types, nested=True)
            if child_row is None:
                return None
            row.children.append(child_row)
        return row
    initial = {name: value for name, value in node.items() if name != "type"}
    return ConditionRow(
        key=key,
        kind=node["type"],
        form=_make_form(node["type"], f"c-{key}", document_types, initial=initial),
    )


# --- submitted form -> editor ----------------------------------------------------------


def editor_from_post(
    data: QueryDict, document_types: list[DocumentType], *, bound: bool
) -> GateEditor:
    """Rebuild the editor from a submission. ``bound`` forms validate (saving); unbound
    forms only carry the typed values back to the page (adding or removing a row)."""
    editor = GateEditor(
        combinator=_combinator(data.get("combinator")),
        enabled=bool(data.get("enabled")),
    )
    # The page sends only known values, so anything else comes from a tampered or stale
    # form. Saving without the unknown rows would store a weaker rule than the user saw.
    unknown = [value for value in [data.get("combinator")] if value and value not in COMBINATORS]
    for key in _keys(data.getlist("row")):
        kind = data.get(f"c-{key}-kind")
        if kind == GROUP:
            group_combinator = data.get(f"c-{key}-combinator")
            if group_combinator and group_combinator not in COMBINATORS:
                unknown.append(group_combinator)
            row = ConditionRow(key=key, kind=GROUP, combinator=_combinator(group_combinator))
            for child in _keys(data.getlist(f"c-{key}-row")):
                child_key = f"{key}-{child}"
                child_kind = data.get(f"c-{child_key}-kind")
                if child_kind in LEAF_FORMS:
                    row.children.append(
                        _submitted_leaf(data, child_key, child_kind, document_types, bound)
                    )
                else:
                    unknown.append(str(child_kind))
            editor.rows.append(row)
        elif kind in LEAF_FORMS:
            editor.rows.append(_submitted_leaf(data, key, kind, document_types, bound))
        else:
            unknown.append(str(kind))
    if unknown and bound:
        editor.error = _("The form contains unknown condition types or combinators (%(values)s); reload the page and try again.") % {
            "values": ", ".join(value[:40] for value in unknown[:5])
        }
    return editor


def _combinator(value: str | None) -> str:
    return value if value in COMBINATORS else "all"


def _keys(values: list[str]) -> list[str]:
    keys = []
    for value in values:
        if _KEY.match(value) and value not in keys:
            keys.append(value)
    return keys[:MAX_ROWS]


def _submitted_leaf(
    data: QueryDict, key: str, kind: str, document_types: list[DocumentType], bound: bool
) -> ConditionRow:
    prefix = f"c-{key}"
    if bound:
        form = _make_form(kind, prefix, document_types, data=data)
    else:
        form_class = LEAF_FORMS[kind]
        initial = {
            name: (f"{prefix}-{name}" in data)
            if isinstance(form_field, forms.BooleanField)
            else data.get(f"{prefix}-{name}")
            for name, form_field in form_class.base_fields.items()
        }
        form = _make_form(kind, prefix, document_types, initial=initial)
    return ConditionRow(key=key, kind=kind, form=form)


def apply_action(editor: GateEditor, action: str, document_types: list[DocumentType]) -> None:
    """Add or remove a row: ``add:<kind>``, ``add:<kind>:<group key>`` or ``remove:<key>``."""
    verb, _sep, rest = action.partition(":")
    if verb == "remove":
        editor.rows = [row for row in editor.rows if row.key != rest]
        for row in editor.rows:
            row.children = [child for child in row.children if child.key != rest]
        return
    if verb != "add":
        return
    kind, _sep, group_key = rest.partition(":")
    if not group_key and kind in (*LEAF_KINDS, GROUP) and len(editor.rows) < MAX_ROWS:
        editor.rows.append(
            new_row(kind, _next_key([row.key for row in editor.rows]), document_types)
        )
        return
    group = next((row for row in editor.rows if row.key == group_key and row.is_group), None)
    if group is not None and kind in LEAF_KINDS and len(group.children) < MAX_ROWS:
        child = _next_key([child.child_key for child in group.children])
        group.children.append(new_row(kind, f"{group.key}-{child}", document_types))


def _next_key(keys: list[str]) -> str:
    return str(max((int(key) for key in keys), default=0) + 1)


# --- editor -> rule --------------------------------------------------------------------


def build_rule(editor: GateEditor) -> dict[str, Any] | None:
    """Return the rule the bound editor describes, or None after marking the rows at fault."""
    if editor.combinator == "any" and not editor.rows:
        editor.error = _('Add at least one condition, or choose "All of these".')
    nodes: list[dict[str, Any]] = []
    for row in editor.rows:
        if row.is_group:
            if not row.children:
                row.error = _("A group needs at least one condition; add one or remove the group.")
            children = [child.form.to_rule() for child in row.children if child.form.is_valid()]
            nodes.append({row.combinator: children})
        elif row.form.is_valid():
            nodes.append(row.form.to_rule())
    if editor.has_errors:
        return None
    return {editor.combinator: nodes}


def attach_error(editor: GateEditor, error: DomainError) -> None:
    """Show a rule validation error on the row its JSON path points to, else above the rows."""
    match = _ERROR_PATH.match(error.field or "")
    row = None
    if match and int(match.group(1)) < len(editor.rows):
        row = editor.rows[int(match.group(1))]
        if match.group(2) is not None and int(match.group(2)) < len(row.children):
            row = row.children[int(match.group(2))]
    if row is None:
        editor.error = error.message
    else:
        row.error = error.message
